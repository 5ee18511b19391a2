// The single definition of "a tamper event": a change to the monitor's own forwarding rules, their
// targets, or its roles, by anyone but the deploy role, whether it went through or was refused. The
// spoke forwarding rules, the hub rule and the notifier all build on this module, as they do on
// rootEvent.ts for root events.
import { DEPLOY_SESSION_NAME, MONITOR_PREFIX } from "../../common/monitorNames";
import { fromAws, ROOT_DETAIL_TYPES } from "./rootEvent";

export const EVENTS_EVENT_SOURCE = "events.amazonaws.com";
/** IAM records in us-east-1 only, so the role branch only ever matches there. */
export const IAM_EVENT_SOURCE = "iam.amazonaws.com";

/**
 * Where a call names the monitor's rule or role: `name` (DeleteRule, DisableRule, PutRule, ...),
 * `rule` (PutTargets, RemoveTargets), `roleName` (every IAM role call). Any write call that names
 * them is tampering: a superset of what the guard denies (common/guardPolicy.ts), as a shorter
 * pattern than listing the calls (the rule's pattern must stay under 2,048 characters).
 */
const NAME_FIELDS: Record<string, "rule" | "role"> = { name: "rule", rule: "rule", roleName: "role" };

/** A refusal: AccessDenied (IAM, SCPs) or AccessDeniedException (EventBridge). */
export const ACCESS_DENIED_PREFIX = "AccessDenied";

/** Who a spoke rule leaves out: one ARN, or every ARN with a prefix (EventBridge `anything-but`). */
export type Deployer = string | { prefix: string };

/**
 * The deploy role's own session in a member account: the spoke assumes `memberRoleName` with this
 * session name, so its changes are left out. A person using the same role under another session
 * name is not (the guard lets the role through, so the alert is all there is). An exact ARN, not a
 * wildcard: EventBridge allows only 30 rules with wildcards per bus.
 */
export function deploySessionArn(partition: string, accountId: string, memberRoleName: string): string {
  return `arn:${partition}:sts::${accountId}:assumed-role/${memberRoleName}/${DEPLOY_SESSION_NAME}`;
}

/**
 * The stack's own identity, in the account whose credentials run it (reached without the member
 * role): any session of its role, or the IAM user itself. Root is never left out.
 */
export function callerDeployer(callerArn: string | undefined): Deployer | undefined {
  const m = /^(arn:[a-z-]+:sts::\d{12}:assumed-role\/[^/]+\/)[^/]+$/.exec(callerArn ?? "");
  if (m) return { prefix: m[1] as string };
  return callerArn && /:user\//.test(callerArn) ? callerArn : undefined;
}

/**
 * The tamper branch: a write call (`readOnly` false) of EventBridge or IAM that names the monitor's
 * rule or role. `deployer` (matched against `userIdentity.arn`) is left out; the spoke rules pass it,
 * the hub rule does not (the spokes already left it out, and the hub does not know the member
 * role). Every outcome is matched, refused calls included: a refusal by the guard is exactly the
 * attempt to see.
 */
export function tamperBranches(deployer?: Deployer): Record<string, unknown>[] {
  const who = deployer ? { userIdentity: { arn: [{ "anything-but": deployer }] } } : {};
  const ours = [{ prefix: MONITOR_PREFIX }];
  return [
    fromAws([ROOT_DETAIL_TYPES[0] as string], {
      eventSource: [EVENTS_EVENT_SOURCE, IAM_EVENT_SOURCE],
      readOnly: [false],
      ...who,
      requestParameters: { $or: Object.keys(NAME_FIELDS).map((field) => ({ [field]: ours })) },
    }),
  ];
}

/** `pattern` (an `$or` pattern, like rootEventPattern()) with the tamper branches added. */
export function withTamper(pattern: Record<string, unknown>, deployer?: Deployer): Record<string, unknown> {
  const or = Array.isArray(pattern.$or) ? (pattern.$or as unknown[]) : [];
  return { ...pattern, $or: [...or, ...tamperBranches(deployer)] };
}

export type TamperTarget = { kind: "rule" | "role"; name: string };

/** Which of the monitor's rules or roles a CloudTrail write call names, if any (as the pattern reads it). */
export function tamperTargetOf(
  eventSource: string | undefined,
  readOnly: boolean | undefined,
  request: Record<string, unknown> | undefined,
): TamperTarget | undefined {
  if (!request || readOnly !== false) return undefined;
  if (eventSource !== EVENTS_EVENT_SOURCE && eventSource !== IAM_EVENT_SOURCE) return undefined;
  for (const field in NAME_FIELDS) {
    const v = request[field];
    if (typeof v === "string" && v.startsWith(MONITOR_PREFIX))
      return { kind: NAME_FIELDS[field] as "rule" | "role", name: v };
  }
  return undefined;
}

export type TamperOutcome = "changed" | "denied" | "failed";

/** Went through (no error), refused (AccessDenied...), or failed for another reason. */
export function tamperOutcome(
  errorCode: string | undefined,
  errorMessage: string | undefined,
): TamperOutcome {
  if (errorCode?.startsWith(ACCESS_DENIED_PREFIX)) return "denied";
  return errorCode || errorMessage ? "failed" : "changed";
}

/** CloudTrail's message for a call an SCP refused says so ("... in a service control policy"). */
export function deniedBySCP(errorMessage: string | undefined): boolean {
  return /service control polic/i.test(errorMessage ?? "");
}
