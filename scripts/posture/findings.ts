// The findings that the facts read about an account (its trail, its root credentials) and about the
// organization lead to, each with a severity and a one-line fix.
import { SEVERITY_LEVELS } from "../../handler/classify/severity";
import type { AccountTrail } from "../trail/checkTrails";
import type { OrganizationFeatures, RootCredentials } from "./rootCredentials";
import type { AccountPosture, Finding, PostureReport } from "./types";

const ROOT_SIGN_IN = "sign in as root > Security credentials";
const DELETE_CENTRALLY = "sts:AssumeRoot with task policy IAMDeleteRootUserCredentials";

function trailFindings(trail: AccountTrail): Finding[] {
  const fix = trail.fix ?? "";
  switch (trail.status) {
    case "missing":
    case "stopped":
      return [
        {
          severity: "critical",
          text: `CloudTrail ${trail.status} where the spoke watches (${trail.detail}): root activity there is invisible`,
          fix,
        },
      ];
    case "write-only":
      return [
        {
          severity: "medium",
          text: `read-only management events are not logged while the monitor expects them (${trail.detail})`,
          fix,
        },
      ];
    case "unknown":
      return [{ severity: "medium", text: `the trail could not be read (${trail.detail})`, fix }];
    default:
      return [];
  }
}

function rootFindings(root: RootCredentials, org: OrganizationFeatures, isManagement: boolean): Finding[] {
  const findings: Finding[] = [];
  if (root.accessKeysPresent) {
    findings.push({
      severity: "critical",
      text: "the root user has access keys",
      fix: `delete the root access keys (${ROOT_SIGN_IN}${isManagement ? "" : `, or ${DELETE_CENTRALLY}`})`,
    });
  }
  if (root.mfaEnabled === false) {
    // Centralized root credentials management covers member accounts only; with it, a member that
    // has no root password, keys or certificates cannot sign in as root, so MFA is moot.
    const managed = !isManagement && org.rootCredentialsManagement === true;
    const noCredentials =
      root.passwordPresent === false &&
      root.accessKeysPresent === false &&
      root.signingCertificatesPresent === false;
    if (!(managed && noCredentials)) {
      findings.push({
        severity: "high",
        text: managed ? "root MFA is off and the root user still has credentials" : "root MFA is off",
        fix: managed
          ? `delete the root credentials (${DELETE_CENTRALLY}), or assign a root MFA device (${ROOT_SIGN_IN})`
          : `assign a root MFA device (${ROOT_SIGN_IN})` +
            (isManagement
              ? ""
              : ", or enable centralized root access (aws iam enable-organizations-root-credentials-management) and delete the root credentials"),
      });
    }
  }
  if (root.signingCertificatesPresent) {
    findings.push({
      severity: "medium",
      text: "the root user has signing certificates (long-lived root credentials)",
      fix: `delete them (${ROOT_SIGN_IN} > X.509 certificates${isManagement ? "" : `, or ${DELETE_CENTRALLY}`})`,
    });
  }
  return findings;
}

export function bySeverity(a: Finding, b: Finding): number {
  return SEVERITY_LEVELS.indexOf(a.severity) - SEVERITY_LEVELS.indexOf(b.severity);
}

export function accountPosture(
  account: { id: string; name: string },
  trail: AccountTrail,
  root: RootCredentials,
  org: OrganizationFeatures,
  managementAccountId: string | undefined,
): AccountPosture {
  const findings = [...trailFindings(trail), ...rootFindings(root, org, account.id === managementAccountId)];
  if (root.error) {
    // One finding when the account could not be reached at all, not one per thing read.
    const same = findings.find((f) => f.severity === "medium" && f.fix === root.error?.fix);
    if (same) same.text = `the account could not be read (${root.error.text})`;
    else
      findings.push({
        severity: "medium",
        text: `root credentials could not be read (${root.error.text})`,
        fix: root.error.fix,
      });
  }
  return {
    id: account.id,
    name: account.name,
    trail: trail.status,
    trailDetail: trail.detail,
    rootMfaEnabled: root.mfaEnabled,
    rootAccessKeysPresent: root.accessKeysPresent,
    rootSigningCertificatesPresent: root.signingCertificatesPresent,
    findings: findings.sort(bySeverity),
  };
}

export function organizationPosture(org: OrganizationFeatures): PostureReport["organization"] {
  return {
    id: org.id,
    rootCredentialsManagement: org.rootCredentialsManagement,
    rootSessions: org.rootSessions,
    findings: org.error ? [{ severity: "medium", text: org.error.text, fix: org.error.fix }] : [],
  };
}

/** Exit code 1 when any finding is high or critical. */
export function hasSeriousFinding(report: PostureReport): boolean {
  return [...report.organization.findings, ...report.accounts.flatMap((a) => a.findings)].some(
    (f) => f.severity === "critical" || f.severity === "high",
  );
}
