// Who may use a role or a resource: service principals carry confused-deputy conditions, and a
// statement open to any principal is scoped by a condition.
import { eachAllow, mandatoryPolicy, policyDocumentsOf, T } from "./documents";
import { conditionKeys, isAnyPrincipal, servicePrincipals, type Statement } from "./statements";

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

export const serviceTrustConfusedDeputy = mandatoryPolicy(
  { name: "service-trust-confused-deputy", severity: "high", types: [T.role] },
  "Every role trust statement that lets an AWS service assume the role carries an aws:SourceAccount or " +
    "aws:SourceArn condition, so the service cannot be tricked into using it for another account.",
  (args, reportViolation) => {
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
);

export const resourcePolicyScoped = mandatoryPolicy(
  { name: "resource-policy-principals-scoped", severity: "high" },
  "Every Allow in a resource-based policy (key, topic, queue, bus, Lambda permission) that names an AWS " +
    "service carries aws:SourceAccount or aws:SourceArn; one open to any principal carries a condition that " +
    "scopes it (aws:PrincipalOrgID, aws:PrincipalAccount, aws:PrincipalArn, aws:SourceAccount, aws:SourceArn).",
  (args, reportViolation) => {
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
);
