// The CrossGuard policies of root-activity-monitor, as plain data: policy/index.ts puts them in a
// PolicyPack (which starts a gRPC server, so tests never construct one); tests/policy.test.ts calls
// each `validateResource` directly with the inputs the real program produces.
//
// Resource types are matched by their Pulumi type token, so this pack needs neither @pulumi/aws nor
// the project's code. Policy documents arrive as JSON strings. A value that is unknown during preview
// throws the engine's UnknownValueError when read; the engine then reports the policy as advisory
// for that resource, so nothing here catches errors around property reads.
import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";

export const T = {
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  iamPolicy: "aws:iam/policy:Policy",
  rolePolicyAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  key: "aws:kms/key:Key",
  topic: "aws:sns/topic:Topic",
  topicPolicy: "aws:sns/topicPolicy:TopicPolicy",
  queue: "aws:sqs/queue:Queue",
  queuePolicy: "aws:sqs/queuePolicy:QueuePolicy",
  busPolicy: "aws:cloudwatch/eventBusPolicy:EventBusPolicy",
  eventRule: "aws:cloudwatch/eventRule:EventRule",
  eventTarget: "aws:cloudwatch/eventTarget:EventTarget",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  lambdaFunction: "aws:lambda/function:Function",
  lambdaPermission: "aws:lambda/permission:Permission",
} as const;

/** What a policy document is for; decides which exceptions apply. */
export type DocumentKind = "identity" | "trust" | "key" | "resource";

export interface PolicyDocumentRef {
  /** Where it sits in the resource's inputs, for messages: "assumeRolePolicy", "inlinePolicies[0].policy". */
  path: string;
  kind: DocumentKind;
  /** As given: a JSON string (the usual case) or an object. */
  raw: unknown;
}

export interface Statement {
  Sid?: string;
  Effect?: string;
  Principal?: unknown;
  NotPrincipal?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** Every IAM policy document a resource carries, with its kind. */
export function policyDocumentsOf(type: string, props: Record<string, unknown>): PolicyDocumentRef[] {
  const out: PolicyDocumentRef[] = [];
  const add = (path: string, kind: DocumentKind, raw: unknown) => {
    if (raw !== undefined && raw !== null && raw !== "") out.push({ path, kind, raw });
  };
  switch (type) {
    case T.role: {
      add("assumeRolePolicy", "trust", props.assumeRolePolicy);
      const inline = props.inlinePolicies;
      if (Array.isArray(inline)) {
        inline.forEach((p: unknown, i) => {
          if (typeof p === "object" && p !== null) {
            add(`inlinePolicies[${i}].policy`, "identity", (p as Record<string, unknown>).policy);
          }
        });
      }
      break;
    }
    case T.rolePolicy:
    case T.iamPolicy:
      add("policy", "identity", props.policy);
      break;
    case T.key:
      add("policy", "key", props.policy);
      break;
    case T.topic:
    case T.queue:
    case T.topicPolicy:
    case T.queuePolicy:
    case T.busPolicy:
      add("policy", "resource", props.policy);
      break;
  }
  return out;
}

/** Parsed statements of a document, or a problem description. */
export function statementsOf(doc: PolicyDocumentRef): { statements: Statement[] } | { problem: string } {
  let parsed: unknown = doc.raw;
  if (typeof doc.raw === "string") {
    try {
      parsed = JSON.parse(doc.raw);
    } catch (err) {
      return {
        problem: `${doc.path} is not valid JSON (${err instanceof Error ? err.message : String(err)})`,
      };
    }
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return { problem: `${doc.path} is not a policy document object` };
  }
  const st = (parsed as { Statement?: unknown }).Statement;
  if (st === undefined) return { problem: `${doc.path} has no Statement` };
  const list = Array.isArray(st) ? st : [st];
  if (!list.every((s) => typeof s === "object" && s !== null && !Array.isArray(s))) {
    return { problem: `${doc.path} has a Statement that is not an object` };
  }
  return { statements: list as Statement[] };
}

const asList = (v: unknown): unknown[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);
const label = (doc: PolicyDocumentRef, s: Statement, i: number) =>
  `${doc.path} statement ${s.Sid ? `"${s.Sid}"` : `#${i}`}`;

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

/**
 * Calls `visit` for every Allow statement of `doc` (a Deny only takes access away), with a label for
 * messages. A document that cannot be read is itself the problem: returned, never skipped.
 */
function eachAllow(doc: PolicyDocumentRef, visit: (s: Statement, where: string) => void): string | undefined {
  const parsed = statementsOf(doc);
  if ("problem" in parsed) return parsed.problem;
  parsed.statements.forEach((s, i) => {
    if (s.Effect === "Allow") visit(s, label(doc, s, i));
  });
  return undefined;
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

/** The service principals of a statement ("events.amazonaws.com", ...). */
export function servicePrincipals(s: Statement): string[] {
  const p = s.Principal;
  if (typeof p !== "object" || p === null) return [];
  return asList((p as Record<string, unknown>).Service).filter((x): x is string => typeof x === "string");
}

/** Is the principal everyone ("*" or {AWS: "*"})? */
export function isAnyPrincipal(s: Statement): boolean {
  const p = s.Principal;
  if (p === "*") return true;
  if (typeof p !== "object" || p === null) return false;
  return asList((p as Record<string, unknown>).AWS).includes("*");
}

/** Condition keys used by a statement, lower-cased (IAM condition keys are case-insensitive). */
export function conditionKeys(s: Statement): string[] {
  const c = s.Condition;
  if (typeof c !== "object" || c === null) return [];
  const keys: string[] = [];
  for (const [operator, block] of Object.entries(c)) {
    // Negated operators, IfExists and Null do not pin the key to a value.
    if (/^(string|arn)not|ifexists$|^null$/i.test(operator)) continue;
    if (typeof block === "object" && block !== null)
      keys.push(...Object.keys(block).map((k) => k.toLowerCase()));
  }
  return keys;
}

export const CONFUSED_DEPUTY_KEYS = ["aws:sourceaccount", "aws:sourcearn"];
/** Keys that scope a statement open to any principal to a known set of principals. */
export const PRINCIPAL_SCOPE_KEYS = [
  "aws:principalorgid",
  "aws:principalaccount",
  "aws:principalarn",
  "aws:sourceaccount",
  "aws:sourcearn",
  "aws:sourceorgid",
];

function hasAny(s: Statement, keys: string[]): boolean {
  return conditionKeys(s).some((k) => keys.includes(k));
}

function report(problems: string[], reportViolation: ReportViolation): void {
  for (const p of problems) reportViolation(p);
}

const MANDATORY = "mandatory" as const;

export const noWildcardIamPolicy: ResourceValidationPolicy = {
  name: "iam-no-wildcard-action-or-resource",
  description:
    "IAM statements (role policies, trust policies, key/topic/queue/bus policies) allow no wildcard action " +
    'and no wildcard resource "*" (key policies may use Resource "*", which means "this key"). Roles attach ' +
    "no AWS managed policy that grants wildcard actions.",
  enforcementLevel: MANDATORY,
  severity: "high",
  validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
    for (const doc of policyDocumentsOf(args.type, args.props))
      report(wildcardProblems(doc), reportViolation);
    const arns: unknown[] = [];
    if (args.type === T.role) arns.push(...asList(args.props.managedPolicyArns));
    if (args.type === T.rolePolicyAttachment) arns.push(args.props.policyArn);
    for (const arn of arns) {
      if (typeof arn === "string" && isBroadManagedPolicy(arn)) {
        reportViolation(`attaches ${arn}, which grants wildcard actions; write a least-privilege policy`);
      }
    }
  },
};

export const serviceTrustConfusedDeputy: ResourceValidationPolicy = {
  name: "service-trust-confused-deputy",
  description:
    "Every role trust statement that lets an AWS service assume the role carries an aws:SourceAccount or " +
    "aws:SourceArn condition, so the service cannot be tricked into using it for another account.",
  enforcementLevel: MANDATORY,
  severity: "high",
  validateResource: (args, reportViolation) => {
    if (args.type !== T.role) return;
    for (const doc of policyDocumentsOf(args.type, args.props).filter((d) => d.kind === "trust")) {
      const unreadable = eachAllow(doc, (s, where) => {
        if (isAnyPrincipal(s)) reportViolation(`${where} lets any principal assume the role`);
        if (servicePrincipals(s).length > 0 && !hasAny(s, CONFUSED_DEPUTY_KEYS)) {
          reportViolation(
            `${where} trusts ${servicePrincipals(s).join(", ")} without an aws:SourceAccount or ` +
              "aws:SourceArn condition (confused deputy)",
          );
        }
      });
      if (unreadable !== undefined) reportViolation(unreadable);
    }
  },
};

export const resourcePolicyScoped: ResourceValidationPolicy = {
  name: "resource-policy-principals-scoped",
  description:
    "Every Allow in a resource-based policy (key, topic, queue, bus, Lambda permission) that names an AWS " +
    "service carries aws:SourceAccount or aws:SourceArn; one open to any principal carries a condition that " +
    "scopes it (aws:PrincipalOrgID, aws:PrincipalAccount, aws:PrincipalArn, aws:SourceAccount, aws:SourceArn).",
  enforcementLevel: MANDATORY,
  severity: "high",
  validateResource: (args, reportViolation) => {
    if (args.type === T.lambdaPermission) {
      const principal = args.props.principal;
      const scoped =
        (typeof args.props.sourceArn === "string" && args.props.sourceArn !== "") ||
        (typeof args.props.sourceAccount === "string" && args.props.sourceAccount !== "") ||
        (typeof args.props.principalOrgId === "string" && args.props.principalOrgId !== "");
      if (
        typeof principal === "string" &&
        (principal === "*" || principal.endsWith(".amazonaws.com")) &&
        !scoped
      ) {
        reportViolation(`lets ${principal} invoke the function without sourceArn or sourceAccount`);
      }
      return;
    }
    for (const doc of policyDocumentsOf(args.type, args.props)) {
      if (doc.kind !== "key" && doc.kind !== "resource") continue;
      const unreadable = eachAllow(doc, (s, where) => {
        if (s.NotPrincipal !== undefined) reportViolation(`${where} allows with NotPrincipal`);
        if (servicePrincipals(s).length > 0 && !hasAny(s, CONFUSED_DEPUTY_KEYS)) {
          reportViolation(
            `${where} lets ${servicePrincipals(s).join(", ")} in without an aws:SourceAccount or ` +
              "aws:SourceArn condition",
          );
        }
        if (isAnyPrincipal(s) && !hasAny(s, PRINCIPAL_SCOPE_KEYS)) {
          reportViolation(`${where} is open to any principal without a scoping condition`);
        }
      });
      if (unreadable !== undefined) reportViolation(unreadable);
    }
  },
};

export const topicsAndQueuesEncrypted: ResourceValidationPolicy = {
  name: "sns-sqs-encrypted-with-customer-key",
  description:
    "Every SNS topic and SQS queue is encrypted with a customer-managed KMS key (kmsMasterKeyId). AWS " +
    "managed keys (alias/aws/sns, alias/aws/sqs) are refused: their policies cannot grant EventBridge " +
    "or CloudWatch alarms, so deliveries to the topic or queue would fail silently.",
  enforcementLevel: MANDATORY,
  severity: "high",
  validateResource: (args, reportViolation) => {
    if (args.type !== T.topic && args.type !== T.queue) return;
    const key = args.props.kmsMasterKeyId;
    if (typeof key !== "string" || key.trim() === "") {
      reportViolation("is not encrypted: set kmsMasterKeyId to the hub's customer-managed KMS key");
    } else if (/^(arn:[^:]+:kms:[^:]*:[^:]*:)?alias\/aws\//.test(key)) {
      reportViolation(
        `uses the AWS managed key ${key}; use a customer-managed key whose policy grants the senders`,
      );
    }
  },
};

export const kmsKeyRotation: ResourceValidationPolicy = {
  name: "kms-key-rotation",
  description: "Every customer-managed symmetric KMS key has automatic rotation enabled.",
  enforcementLevel: MANDATORY,
  severity: "medium",
  validateResource: (args, reportViolation) => {
    if (args.type !== T.key) return;
    const spec = args.props.customerMasterKeySpec ?? args.props.keySpec;
    if (spec !== undefined && spec !== null && spec !== "SYMMETRIC_DEFAULT") return;
    if (args.props.enableKeyRotation !== true)
      reportViolation("does not enable key rotation (enableKeyRotation)");
  },
};

export const logGroupRetention: ResourceValidationPolicy = {
  name: "log-group-retention",
  description:
    "Every CloudWatch log group has a retention period (retentionInDays), so logs neither vanish nor pile up forever.",
  enforcementLevel: MANDATORY,
  severity: "low",
  validateResource: (args, reportViolation) => {
    if (args.type !== T.logGroup) return;
    const days = args.props.retentionInDays;
    if (typeof days !== "number" || !Number.isInteger(days) || days <= 0) {
      reportViolation("has no retention period: set retentionInDays");
    }
  },
};

export const eventTargetRetries: ResourceValidationPolicy = {
  name: "event-target-retry-or-dead-letter",
  description:
    "Every EventBridge rule target has a retry policy or a dead-letter queue, so a failed delivery of a " +
    "root event is retried or kept, never silently dropped.",
  enforcementLevel: MANDATORY,
  severity: "high",
  validateResource: (args, reportViolation) => {
    if (args.type !== T.eventTarget) return;
    const retry = args.props.retryPolicy;
    const dlq = args.props.deadLetterConfig;
    const hasRetry =
      typeof retry === "object" &&
      retry !== null &&
      ((retry as Record<string, unknown>).maximumRetryAttempts !== undefined ||
        (retry as Record<string, unknown>).maximumEventAgeInSeconds !== undefined);
    const hasDlq =
      typeof dlq === "object" && dlq !== null && typeof (dlq as Record<string, unknown>).arn === "string";
    if (!hasRetry && !hasDlq) reportViolation("has neither retryPolicy nor deadLetterConfig");
  },
};

export const lambdaDeadLetter: ResourceValidationPolicy = {
  name: "lambda-dead-letter",
  description:
    "Every Lambda function has a dead-letter queue (deadLetterConfig.targetArn), so a failed asynchronous " +
    "invocation is kept for inspection and redrive.",
  enforcementLevel: MANDATORY,
  severity: "high",
  validateResource: (args, reportViolation) => {
    if (args.type !== T.lambdaFunction) return;
    const dlq = args.props.deadLetterConfig;
    const target =
      typeof dlq === "object" && dlq !== null ? (dlq as Record<string, unknown>).targetArn : undefined;
    if (typeof target !== "string" || target === "") {
      reportViolation("has no dead-letter queue: set deadLetterConfig.targetArn");
    }
  },
};

/** The branches of an EventBridge pattern: each entry of a top-level `$or`, or the pattern itself. */
function patternBranches(pattern: Record<string, unknown>): Record<string, unknown>[] {
  const or = pattern.$or;
  if (!Array.isArray(or)) return [pattern];
  const { $or: _, ...rest } = pattern;
  return or.flatMap((b) => patternBranches({ ...rest, ...(b as Record<string, unknown>) }));
}

export const eventRuleAwsSources: ResourceValidationPolicy = {
  name: "event-rule-cloudtrail-from-aws-sources",
  description:
    "Every branch of an EventBridge rule pattern that can match CloudTrail events requires an aws.* " +
    "source. PutEvents refuses AWS-owned sources, so no account can forge an event that passes it.",
  enforcementLevel: MANDATORY,
  severity: "critical",
  validateResource: (args, reportViolation) => {
    if (args.type !== T.eventRule || typeof args.props.eventPattern !== "string") return;
    const branches = patternBranches(JSON.parse(args.props.eventPattern) as Record<string, unknown>);
    branches.forEach((b, i) => {
      const types = b["detail-type"];
      // Only a list of plain detail-types none of which is CloudTrail's keeps CloudTrail events out.
      const cloudTrail =
        !Array.isArray(types) || types.some((t) => typeof t !== "string" || t.includes("CloudTrail"));
      const source = b.source;
      const awsOnly =
        Array.isArray(source) &&
        source.length > 0 &&
        source.every((v) =>
          typeof v === "string"
            ? v.startsWith("aws.")
            : typeof (v as { prefix?: unknown })?.prefix === "string" &&
              (v as { prefix: string }).prefix.startsWith("aws."),
        );
      if (cloudTrail && !awsOnly) {
        reportViolation(
          `eventPattern branch ${i} can match CloudTrail events from a source other than aws.*: ${JSON.stringify(source ?? null)}`,
        );
      }
    });
  },
};

/** Every policy of the pack, in the order `pulumi preview` lists them. */
export const policies: ResourceValidationPolicy[] = [
  noWildcardIamPolicy,
  serviceTrustConfusedDeputy,
  resourcePolicyScoped,
  topicsAndQueuesEncrypted,
  kmsKeyRotation,
  logGroupRetention,
  eventTargetRetries,
  lambdaDeadLetter,
  eventRuleAwsSources,
];
