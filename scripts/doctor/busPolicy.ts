// Does the hub bus's resource policy let the organization put events on it? Read with the policy
// pack's statement helpers (policy/statements.ts), so both read IAM statements the same way.
import { asList, conditionValues, globMatch, isAnyPrincipal, type Statement } from "../../policy/statements";

const PUT_EVENTS = ["events:putevents", "events:*", "*"];
/** Operators under which a value pins aws:PrincipalOrgID (negated and IfExists ones do not). */
const PINNING = /^(ForAnyValue:)?String(Equals|Like)(IgnoreCase)?$/;

function pinsOrganization(condition: unknown, organizationId: string): boolean {
  return conditionValues(condition, "aws:principalorgid").some(
    ({ operator, values }) =>
      PINNING.test(operator) &&
      values
        .map(String)
        .some((v) => (operator.includes("Like") ? globMatch(v, organizationId) : v === organizationId)),
  );
}

/**
 * Whether a bus resource policy has an Allow statement for events:PutEvents by any principal whose
 * aws:PrincipalOrgID is `organizationId`, on `busArn`.
 */
export function policyAdmitsOrganization(
  policyJson: string | undefined,
  organizationId: string,
  busArn: string,
): { ok: boolean; reason: string } {
  if (!policyJson) return { ok: false, reason: "the bus has no resource policy" };
  let policy: { Statement?: unknown };
  try {
    policy = JSON.parse(policyJson) as { Statement?: unknown };
  } catch {
    return { ok: false, reason: "the bus policy is not valid JSON" };
  }
  const statements = asList(policy.Statement) as (Statement | null)[];
  const match = statements.find(
    (s) =>
      s &&
      s.Effect === "Allow" &&
      isAnyPrincipal(s) &&
      asList(s.Action).some((a) => PUT_EVENTS.includes(String(a).toLowerCase())) &&
      (s.Resource === undefined || asList(s.Resource).some((r) => globMatch(String(r), busArn))) &&
      pinsOrganization(s.Condition, organizationId),
  );
  return match
    ? { ok: true, reason: `the bus policy allows events:PutEvents for aws:PrincipalOrgID ${organizationId}` }
    : {
        ok: false,
        reason: `no statement of the bus policy allows events:PutEvents with condition aws:PrincipalOrgID = ${organizationId}`,
      };
}
