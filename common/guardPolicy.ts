// The guard: a service control policy that denies, in member accounts, every change to the
// monitor's rules and roles except by the role the spoke deploys through. Rendered here, with no
// Pulumi or SDK imports, so the spoke, the doctor and the tests read the same text.
import { MONITOR_PREFIX } from "./monitorNames";

/** Organizations' limit on an SCP document, in characters. */
export const SCP_MAX_CHARS = 5_120;
/** Organizations' limit on SCPs attached to one root, OU or account. */
export const SCP_MAX_ATTACHED = 5;
export const SCP_TYPE = "SERVICE_CONTROL_POLICY";

/** What blinds a forwarding rule: delete or disable it, rewrite its pattern, change or remove its target. */
export const GUARDED_RULE_ACTIONS = [
  "events:DeleteRule",
  "events:DisableRule",
  "events:PutRule",
  "events:PutTargets",
  "events:RemoveTargets",
];

/** What takes the forwarder role away or changes what it may do or who may use it. */
export const GUARDED_ROLE_ACTIONS = [
  "iam:DeleteRole",
  "iam:UpdateAssumeRolePolicy",
  "iam:PutRolePolicy",
  "iam:DeleteRolePolicy",
  "iam:AttachRolePolicy",
  "iam:DetachRolePolicy",
  "iam:UpdateRole",
  "iam:UpdateRoleDescription",
  "iam:PutRolePermissionsBoundary",
  "iam:DeleteRolePermissionsBoundary",
  "iam:TagRole",
  "iam:UntagRole",
];

/** Rules of the default bus only: a custom bus's rule ARN has the bus name before the rule name. */
export function guardedRuleArn(partition: string): string {
  return `arn:${partition}:events:*:*:rule/${MONITOR_PREFIX}*`;
}

export function guardedRoleArn(partition: string): string {
  return `arn:${partition}:iam::*:role/${MONITOR_PREFIX}*`;
}

/** The deploy role in any account: `aws:PrincipalArn` of a role session is the role's ARN. */
export function deployRoleArnPattern(partition: string, memberRoleName: string): string {
  return `arn:${partition}:iam::*:role/${memberRoleName}`;
}

/**
 * The role (or user) that runs the stack, when its account is a member (a delegated administrator):
 * the spoke reaches its own account with it, not with the member role, so the guard lets it through
 * there too. A role's ARN may carry a path, which the session ARN does not show.
 */
export function callerPrincipalArnPatterns(callerArn: string | undefined): string[] {
  const role = /^arn:([a-z-]+):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(callerArn ?? "");
  if (role) {
    const [, p, acct, name] = role;
    return [`arn:${p}:iam::${acct}:role/${name}`, `arn:${p}:iam::${acct}:role/*/${name}`];
  }
  return callerArn && /^arn:[a-z-]+:iam::\d{12}:user\//.test(callerArn) ? [callerArn] : [];
}

export interface GuardStatement {
  Sid: string;
  Effect: "Deny";
  Action: string[];
  Resource: string;
  Condition: { ArnNotLike: { "aws:PrincipalArn": string | string[] } };
}

export interface GuardDocument {
  Version: "2012-10-17";
  Statement: GuardStatement[];
}

/** `alsoExempt`: principal ARN patterns of a caller in a member account (callerPrincipalArnPatterns). */
export function guardDocument(
  partition: string,
  memberRoleName: string,
  alsoExempt: string[] = [],
): GuardDocument {
  const deploy = deployRoleArnPattern(partition, memberRoleName);
  const unlessDeployRole = {
    ArnNotLike: { "aws:PrincipalArn": alsoExempt.length > 0 ? [deploy, ...alsoExempt] : deploy },
  };
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ProtectRootActivityMonitorRules",
        Effect: "Deny",
        Action: GUARDED_RULE_ACTIONS,
        Resource: guardedRuleArn(partition),
        Condition: unlessDeployRole,
      },
      {
        Sid: "ProtectRootActivityMonitorRoles",
        Effect: "Deny",
        Action: GUARDED_ROLE_ACTIONS,
        Resource: guardedRoleArn(partition),
        Condition: unlessDeployRole,
      },
    ],
  };
}

/** The policy text as Organizations stores it (compact JSON: whitespace counts toward the limit). */
export function guardPolicyText(
  partition: string,
  memberRoleName: string,
  alsoExempt: string[] = [],
): string {
  return JSON.stringify(guardDocument(partition, memberRoleName, alsoExempt));
}

/** The SCP's name: one per spoke stack that owns a guard (stack names are unique in a project). */
export function guardPolicyName(stack: string): string {
  return `root-activity-monitor-guard-${stack}`.slice(0, 128);
}
