// The guard covers what the spoke creates: when a stack carries a service control policy (the
// spoke's guardMonitor), every EventBridge rule of a default bus and every IAM role the stack creates
// must be named by one of its Deny statements; a rule or role it misses (or one left to auto-naming)
// could be deleted or rewritten by anyone. A stack check, since it compares resources with each other.
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { T } from "./documents";
import { asList, globMatch, type Statement } from "./statements";

export const T_ORG = {
  policy: "aws:organizations/policy:Policy",
} as const;

/** The part after `rule/` or `role/` of each Resource of the Deny statements that deny `action`. */
function namePatterns(statements: Statement[], action: string, kind: "rule" | "role"): string[] {
  return statements
    .filter(
      (s) =>
        s.Effect === "Deny" && asList(s.Action).some((a) => typeof a === "string" && globMatch(a, action)),
    )
    .flatMap((s) => asList(s.Resource))
    .map((r) => (typeof r === "string" ? /:(?:rule|role)\/(.*)$/.exec(r) : null))
    .filter((m): m is RegExpExecArray => m !== null && m[0].startsWith(`:${kind}/`))
    .map((m) => m[1] as string);
}

function guardStatements(r: PolicyResource): Statement[] | undefined {
  if (r.type !== T_ORG.policy || r.props.type !== "SERVICE_CONTROL_POLICY") return undefined;
  try {
    return asList((JSON.parse(String(r.props.content)) as { Statement?: unknown }).Statement) as Statement[];
  } catch {
    return [];
  }
}

export const guardNamesMonitor: StackValidationPolicy = {
  name: "guard-names-every-monitor-resource",
  description:
    "When the stack creates a service control policy (guardMonitor), it names every default-bus EventBridge " +
    "rule and every IAM role the stack creates, so none of them can be deleted or rewritten unguarded.",
  enforcementLevel: "mandatory",
  severity: "high",
  validateStack: (args, reportViolation) => {
    const guards = args.resources.map(guardStatements).filter((s): s is Statement[] => s !== undefined);
    if (guards.length === 0) return;
    const statements = guards.flat();
    const rules = namePatterns(statements, "events:DeleteRule", "rule");
    const roles = namePatterns(statements, "iam:DeleteRole", "role");
    for (const r of args.resources) {
      const isRule = r.type === T.eventRule && (r.props.eventBusName ?? "default") === "default";
      if (!isRule && r.type !== T.role) continue;
      const what = isRule ? "rule" : "role";
      const name = r.props.name;
      if (typeof name !== "string" || name === "") {
        reportViolation(`${what} ${r.name} has no fixed name, so the guard cannot name it`, r.urn);
      } else if (!(isRule ? rules : roles).some((p) => globMatch(p, name))) {
        reportViolation(
          `${what} ${r.name} (${name}) is not named by the guard's service control policy`,
          r.urn,
        );
      }
    }
  },
};
