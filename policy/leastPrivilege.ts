// Least privilege: no wildcard action or resource in any IAM statement, no broad managed policy.
import type { ResourceValidationArgs, ReportViolation } from "@pulumi/policy";
import { eachAllow, mandatoryPolicy, policyDocumentsOf, T, type PolicyDocumentRef } from "./documents";
import { asList } from "./statements";

/**
 * Actions that do not support resource-level permissions, where Resource "*" is the only option.
 * Kept to what a project like this could plausibly need; anything else with "*" is flagged.
 */
export const ACTIONS_WITHOUT_RESOURCE_LEVEL = [
  "sts:GetCallerIdentity",
  "organizations:DescribeOrganization",
  "organizations:ListAccounts",
  "organizations:ListRoots",
  "cloudwatch:PutMetricData",
  "logs:DescribeLogGroups",
  "xray:PutTraceSegments",
  "xray:PutTelemetryRecords",
  "ec2:CreateNetworkInterface",
  "ec2:DescribeNetworkInterfaces",
  "ec2:DeleteNetworkInterface",
];

/** AWS managed policies that grant wildcard actions; a role must not attach them. */
export function isBroadManagedPolicy(arn: string): boolean {
  const m = /^arn:[^:]+:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(arn);
  if (!m) return false;
  const name = m[1] ?? "";
  return name === "AdministratorAccess" || name === "PowerUserAccess" || /FullAccess/.test(name);
}

/** A resource that means "everything": "*", or an ARN whose resource part is "*". */
export function isWildcardResource(r: string): boolean {
  if (r === "*") return true;
  const parts = r.split(":");
  return parts.length >= 6 && parts[0] === "arn" && parts.slice(5).join(":") === "*";
}

/** Violations of "no wildcard action, no wildcard resource" in one document. */
export function wildcardProblems(doc: PolicyDocumentRef): string[] {
  const problems: string[] = [];
  const unreadable = eachAllow(doc, (s, where) => {
    if (s.NotAction !== undefined) problems.push(`${where} uses NotAction (allows every other action)`);
    if (s.NotResource !== undefined) problems.push(`${where} uses NotResource (allows every other resource)`);
    const actions = asList(s.Action);
    if (actions.length === 0 && s.NotAction === undefined) problems.push(`${where} has no Action`);
    for (const a of actions) {
      if (typeof a !== "string") problems.push(`${where} has a non-string Action`);
      else if (a.includes("*")) problems.push(`${where} allows wildcard action "${a}"`);
    }
    // Key policies: Resource "*" means "this key" and is the only valid form.
    if (doc.kind === "key" || doc.kind === "trust") return;
    for (const r of asList(s.Resource)) {
      if (typeof r !== "string" || !isWildcardResource(r)) continue;
      const needy = actions.filter(
        (a) => typeof a !== "string" || !ACTIONS_WITHOUT_RESOURCE_LEVEL.includes(a),
      );
      if (needy.length > 0) {
        problems.push(
          `${where} allows ${needy.map(String).join(", ")} on wildcard resource "${r}"; name the resource`,
        );
      }
    }
  });
  return unreadable !== undefined ? [unreadable] : problems;
}

export const noWildcardIamPolicy = mandatoryPolicy(
  { name: "iam-no-wildcard-action-or-resource", severity: "high" },
  "IAM statements (role policies, trust policies, key/topic/queue/bus policies) allow no wildcard action " +
    'and no wildcard resource "*" (key policies may use Resource "*", which means "this key"). Roles attach ' +
    "no AWS managed policy that grants wildcard actions.",
  (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
    for (const doc of policyDocumentsOf(args.type, args.props)) {
      for (const p of wildcardProblems(doc)) reportViolation(p);
    }
    const arns: unknown[] = [];
    if (args.type === T.role) arns.push(...asList(args.props.managedPolicyArns));
    if (args.type === T.rolePolicyAttachment) arns.push(args.props.policyArn);
    for (const arn of arns) {
      if (typeof arn === "string" && isBroadManagedPolicy(arn)) {
        reportViolation(`attaches ${arn}, which grants wildcard actions; write a least-privilege policy`);
      }
    }
  },
);
