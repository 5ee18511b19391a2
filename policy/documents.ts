// Where a resource carries IAM policy documents, and how the policies read them. Resource types are
// matched by their Pulumi type token, so this pack needs neither @pulumi/aws nor the project's code.
import type { ResourceValidationArgs, ResourceValidationPolicy, ReportViolation } from "@pulumi/policy";
import type { Statement } from "./statements";

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

const label = (doc: PolicyDocumentRef, s: Statement, i: number) =>
  `${doc.path} statement ${s.Sid ? `"${s.Sid}"` : `#${i}`}`;

/**
 * Calls `visit` for every Allow statement of `doc` (a Deny only takes access away), with a label for
 * messages. A document that cannot be read is itself the problem: returned, never skipped.
 */
export function eachAllow(
  doc: PolicyDocumentRef,
  visit: (s: Statement, where: string) => void,
): string | undefined {
  const parsed = statementsOf(doc);
  if ("problem" in parsed) return parsed.problem;
  parsed.statements.forEach((s, i) => {
    if (s.Effect === "Allow") visit(s, label(doc, s, i));
  });
  return undefined;
}

/**
 * A mandatory policy. With `types`, the check runs only for resources of those types; a value
 * unknown during preview throws the engine's UnknownValueError when read, and the engine then
 * reports the policy as advisory for that resource, so nothing here catches errors.
 */
export function mandatoryPolicy(
  meta: { name: string; severity: ResourceValidationPolicy["severity"]; types?: readonly string[] },
  description: string,
  check: (args: ResourceValidationArgs, reportViolation: ReportViolation) => void,
): ResourceValidationPolicy {
  return {
    name: meta.name,
    description,
    enforcementLevel: "mandatory",
    severity: meta.severity,
    validateResource: (args, reportViolation) => {
      if (meta.types && !meta.types.includes(args.type)) return;
      check(args, reportViolation);
    },
  };
}
