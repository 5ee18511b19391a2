// How bad is this root event? One table, exported as plain data so the docs can print it (docs/alerts.md) and the
// notifier can be read against it. Plain arrays and objects only (a module-level Set/Map would
// serialize empty).
import type { Severity } from "../records";

/** Most to least severe. */
export const SEVERITY_LEVELS: readonly Severity[] = ["critical", "high", "medium", "low"];

/** When a row applies, beyond the event name. Failed calls match too unless the condition says otherwise. */
export type SeverityCondition =
  | "always"
  | "keyForRootItself"
  | "keyForIamUser"
  | "loginSucceededWithoutMfa"
  | "loginSucceededWithMfa"
  | "loginFailed"
  | "failed"
  | "succeeded";

/** Human wording of each condition, for the docs and for log/alert reasons. */
export const SEVERITY_CONDITIONS: Record<SeverityCondition, string> = {
  always: "always, including failed attempts",
  keyForRootItself: "no requestParameters.userName: a key for the root user itself",
  keyForIamUser: "requestParameters.userName set: a key for an IAM user",
  loginSucceededWithoutMfa:
    "sign-in not failed and additionalEventData.MFAUsed not yes (case-insensitive; missing counts as no)",
  loginSucceededWithMfa: "sign-in not failed and additionalEventData.MFAUsed is yes (case-insensitive)",
  loginFailed: 'responseElements.ConsoleLogin is "Failure", or errorCode/errorMessage set',
  failed: "errorCode/errorMessage set: the call was refused",
  succeeded: "the call succeeded",
};

export interface SeverityRow {
  eventNames: readonly string[];
  when: SeverityCondition;
  /** AssumeRoot rows: the task policies (requestParameters.taskPolicyArn) the row is for. */
  taskPolicies?: readonly string[];
  severity: Severity;
  why: string;
  /** The "what to do now" line of the alert. */
  advice: string;
}

const ROTATE =
  "If nobody can vouch for it, treat root as compromised: reset the root password, check root MFA, delete root access keys.";
const ASSUME_ROOT_ADVICE =
  "Confirm with the caller that this root task was planned; if not, disable the caller's credentials.";
const assumeRoot = (
  when: SeverityCondition,
  severity: Severity,
  why: string,
  taskPolicies?: string[],
): SeverityRow => ({
  eventNames: ["AssumeRoot"],
  when,
  severity,
  why,
  advice: ASSUME_ROOT_ADVICE,
  taskPolicies,
});

const row = (
  eventNames: string[],
  when: SeverityCondition,
  severity: Severity,
  why: string,
  advice: string,
): SeverityRow => ({ eventNames, when, severity, why, advice });

/** Sensitive root events. First matching row wins; a listed event keeps its severity even if read-only or failed. */
export const SEVERITY_TABLE: readonly SeverityRow[] = [
  // By task policy. Any other (IAMCreateRootUserPassword, S3UnlockBucketPolicy, SQSUnlockQueuePolicy,
  // or one AWS adds later) is high.
  assumeRoot("failed", "medium", "A refused AssumeRoot: someone tried to open a root session."),
  assumeRoot("succeeded", "low", "A root session that can only audit or delete root credentials.", [
    "IAMAuditRootUserCredentials",
    "IAMDeleteRootUserCredentials",
  ]),
  assumeRoot("succeeded", "high", "A root session that can set a root password or unlock a resource policy."),
  row(
    ["EmailUpdated", "StartPrimaryEmailUpdate", "AcceptPrimaryEmailUpdate"],
    "always",
    "critical",
    "Root email changing: its owner can recover the root password.",
    "Unless the owner did this, recover the account with AWS Support now. " + ROTATE,
  ),
  row(
    ["CreateAccessKey", "UploadSigningCertificate", "UploadCloudFrontPublicKey"],
    "keyForRootItself",
    "critical",
    "A key for the root user itself: root keys should never exist, a new one is how stolen root access is kept.",
    "Unless this key was planned, delete it now (IAM > Security credentials, signed in as root). " + ROTATE,
  ),
  row(
    ["CreateAccessKey", "UploadSigningCertificate"],
    "keyForIamUser",
    "high",
    "Root created a key for an IAM user: minting credentials is a persistence technique.",
    "Confirm the key with its owner; deactivate it if nobody asked for it. " + ROTATE,
  ),
  row(
    ["DeactivateMFADevice", "DeleteVirtualMFADevice"],
    "always",
    "critical",
    "Removes the root user's MFA.",
    "Re-enable root MFA immediately. " + ROTATE,
  ),
  row(
    ["StopLogging", "DeleteTrail"],
    "always",
    "critical",
    "Blinds CloudTrail, and with it this monitor.",
    "Restart or recreate the trail now, then review what root did before and after. " + ROTATE,
  ),
  row(
    ["ConsoleLogin"],
    "loginSucceededWithoutMfa",
    "critical",
    "Root signed in with a password alone.",
    "Find out who signed in as root. " + ROTATE + " Then enforce root MFA.",
  ),
  row(
    ["PasswordUpdated", "PasswordRecoveryRequested", "PasswordRecoveryCompleted"],
    "always",
    "high",
    "Root password changed or being recovered: a takeover step.",
    "Confirm the account owner changed the root password; if not, recover the account and contact AWS.",
  ),
  row(
    [
      "PutContactInformation",
      // Redirecting the SECURITY or BILLING contact, or removing it (Account Management API names).
      "PutAlternateContact",
      "DeleteAlternateContact",
      "CreateVirtualMFADevice",
      "EnableMFADevice",
      "ResyncMFADevice",
    ],
    "always",
    "high",
    "Changes the contacts or MFA that reach or prove the owner: a takeover step.",
    "Unless the owner did this, revert it. " + ROTATE,
  ),
  row(
    ["CreateLoginProfile", "UpdateLoginProfile"],
    "always",
    "high",
    "Root giving an IAM user console access or a new password.",
    "Confirm the change with the user's owner; revert it if nobody asked for it. " + ROTATE,
  ),
  row(
    ["UpdateTrail", "PutEventSelectors"],
    "always",
    "high",
    "Can narrow or redirect what CloudTrail records.",
    "Compare the trail's settings with the intended ones and restore them. " + ROTATE,
  ),
  row(
    ["UpdateAccountPasswordPolicy", "DeleteAccountPasswordPolicy"],
    "always",
    "high",
    "Weakens the account's password rules.",
    "Restore the password policy. " + ROTATE,
  ),
  row(
    ["DisableRule", "DeleteRule", "RemoveTargets", "LeaveOrganization"],
    "always",
    "high",
    "Can cut the event forwarding or the organization membership this monitor relies on.",
    "Check that the account still forwards root events to the hub. " + ROTATE,
  ),
  row(
    ["ConsoleLogin"],
    "loginSucceededWithMfa",
    "medium",
    "Root signed in with MFA: legitimate root tasks look like this, so does stolen MFA.",
    "Confirm with the account owner that this root sign-in was planned. " + ROTATE,
  ),
  row(
    ["ConsoleLogin"],
    "loginFailed",
    "medium",
    "Someone tried the root password. Repeated failures mean guessing.",
    "Check for more failures from the same source IP; if nobody owns up, change the root password.",
  ),
];

/** Read-only call (readOnly true) not listed in the table. */
export const READ_ONLY_SEVERITY: Severity = "low";
/** Any other root call or sign-in. */
export const DEFAULT_SEVERITY: Severity = "medium";
/** A root-activity event the notifier could not read. */
export const UNREADABLE_SEVERITY: Severity = "high";

export const READ_ONLY_ADVICE = "Confirm with the account owner that this root use was planned. " + ROTATE;
export const DEFAULT_ADVICE = READ_ONLY_ADVICE;
export const UNREADABLE_ADVICE =
  "Treat it as root activity until proven otherwise: open CloudTrail Event history for the account " +
  "around the time shown and find the root event. Then fix whatever produced the malformed event.";

/** The cases outside the table, in the order they are tried, for the docs. */
export const SEVERITY_FALLBACKS: readonly { case: string; severity: Severity }[] = [
  { case: "read-only call (readOnly true) not listed above", severity: READ_ONLY_SEVERITY },
  { case: "any other root call or sign-in, successful or failed", severity: DEFAULT_SEVERITY },
  { case: "root-activity event that cannot be read (malformed)", severity: UNREADABLE_SEVERITY },
];

/** What the table needs to know about an event. */
export interface SeverityFacts {
  eventName: string;
  readOnly: boolean;
  /** True when errorCode/errorMessage is set or the sign-in result says Failure. */
  failed: boolean;
  /** additionalEventData.MFAUsed is yes (case-insensitive). Missing counts as false. */
  mfaUsed: boolean;
  /** requestParameters.userName, if any. */
  requestUserName?: string | undefined;
  /** AssumeRoot: the task policy's name (the last part of its ARN). */
  taskPolicy?: string | undefined;
}

export interface SeverityVerdict {
  severity: Severity;
  reason: string;
  advice: string;
}

function conditionHolds(when: SeverityCondition, f: SeverityFacts): boolean {
  switch (when) {
    case "always":
      return true;
    case "keyForRootItself":
      return f.requestUserName === undefined || f.requestUserName === "";
    case "keyForIamUser":
      return f.requestUserName !== undefined && f.requestUserName !== "";
    case "loginSucceededWithoutMfa":
      return !f.failed && !f.mfaUsed;
    case "loginSucceededWithMfa":
      return !f.failed && f.mfaUsed;
    case "loginFailed":
    case "failed":
      return f.failed;
    case "succeeded":
      return !f.failed;
  }
}

export function severityFor(f: SeverityFacts): SeverityVerdict {
  for (const row of SEVERITY_TABLE) {
    if (
      row.eventNames.includes(f.eventName) &&
      (!row.taskPolicies || row.taskPolicies.includes(f.taskPolicy ?? "")) &&
      conditionHolds(row.when, f)
    ) {
      return {
        severity: row.severity,
        reason: row.why,
        advice: row.advice,
      };
    }
  }
  if (f.readOnly) {
    return { severity: READ_ONLY_SEVERITY, reason: "read-only root call", advice: READ_ONLY_ADVICE };
  }
  return { severity: DEFAULT_SEVERITY, reason: "root call or sign-in", advice: DEFAULT_ADVICE };
}

/**
 * Repeated failed root sign-ins in one account: someone is guessing the password. The count covers
 * the failed sign-ins of the account whose event times fall within the window, this one included.
 * Highest threshold first.
 */
export const SIGN_IN_FAILURE_WINDOW_MINUTES = 15;
export const SIGN_IN_FAILURE_ESCALATION: readonly { atLeast: number; severity: Severity }[] = [
  { atLeast: 10, severity: "critical" },
  { atLeast: 3, severity: "high" },
];
export const GUESSING_ADVICE =
  "Someone is trying the root password: check the source IPs, make sure root MFA is on, and change the root password if nobody owns up.";

/** The verdict for a failed root sign-in that is number `count` in the window. */
export function escalateForFailures(verdict: SeverityVerdict, count: number): SeverityVerdict {
  for (const step of SIGN_IN_FAILURE_ESCALATION) {
    if (
      count >= step.atLeast &&
      atLeast(step.severity, verdict.severity) &&
      step.severity !== verdict.severity
    ) {
      return {
        severity: step.severity,
        reason: `${count} failed root sign-ins in this account within ${SIGN_IN_FAILURE_WINDOW_MINUTES} minutes: password guessing`,
        advice: GUESSING_ADVICE,
      };
    }
  }
  return verdict;
}

/** Is `a` at least as severe as `b`? */
export function atLeast(a: Severity, b: Severity): boolean {
  return SEVERITY_LEVELS.indexOf(a) <= SEVERITY_LEVELS.indexOf(b);
}
