// What the notifier reads from an event and what it decides: the facts of a readable root event,
// what could be read of an unreadable one, a self-test, and the decision. Types only.
import type { SeverityVerdict } from "./severity";

/**
 * How root was reached: its own credentials (password, long-term key, or a federated session root
 * minted with them), a temporary root session (ASIA key), or the AssumeRoot call that opens one.
 */
export type RootAccess = "root-credentials" | "root-session" | "assume-root";

/** Everything the alert shows about a readable event. Strings are raw; the message sanitizes them. */
export interface RootEventFacts {
  access: RootAccess;
  /** userIdentity.sessionContext.sessionIssuer: type Root for sessions root minted with GetFederationToken. */
  issuerType?: string;
  issuerArn?: string;
  sourceIdentity?: string;
  /** AssumeRoot: requestParameters.targetPrincipal, the task policy's name and the session's access key. */
  targetAccount?: string;
  taskPolicy?: string;
  issuedKey?: string;
  envelopeId?: string;
  eventId?: string;
  eventName: string;
  eventSource?: string;
  eventType?: string;
  identityType?: string;
  invokedBy?: string;
  accountId?: string;
  region?: string;
  eventTime?: string;
  sourceIp?: string;
  userAgent?: string;
  arn?: string;
  accessKeyId?: string;
  sessionMfaAuthenticated?: string;
  errorCode?: string;
  errorMessage?: string;
  /** undefined when the record does not say. */
  readOnly?: boolean;
  /** A sign-in event (AwsConsoleSignIn, or eventSource signin.amazonaws.com). */
  isSignIn: boolean;
  /** For sign-in events: responseElements[eventName], e.g. "Success" / "Failure". */
  signInResult?: string;
  /** additionalEventData.MFAUsed as recorded ("Yes", "YES", "No"). */
  mfaUsedRaw?: string;
  mfaUsed: boolean;
  failed: boolean;
  requestUserName?: string;
  requestParameters?: unknown;
  /** A change to the monitor's own rules or roles (tamperEvent.ts): alerted as tamper, root or not. */
  tamper?: TamperFacts;
}

/** What a tamper event touched, how it ended, and whether root did it. */
export interface TamperFacts {
  kind: "rule" | "role";
  name: string;
  outcome: "changed" | "denied" | "failed";
  /** The errorMessage says a service control policy refused it: the guard, or another SCP. */
  bySCP: boolean;
  /** Root (or a session root issued) made the call: noted on the one alert it gets. */
  byRoot: boolean;
}

/** What could be read of an unreadable event. */
export interface PartialFacts {
  envelopeId?: string;
  eventId?: string;
  eventName?: string;
  accountId?: string;
  region?: string;
  eventTime?: string;
}

/** A self-test event. `accountId` is the envelope's account: set by EventBridge, not by the sender. */
export interface SelfTestFacts {
  envelopeId?: string;
  testId?: string;
  accountId?: string;
  region?: string;
  time?: string;
  requestedBy?: string;
  via?: string;
}

export type Decision =
  | { decision: "alert"; facts: RootEventFacts; verdict: SeverityVerdict }
  | { decision: "test"; test: SelfTestFacts }
  | { decision: "skip"; reason: string; facts: RootEventFacts | PartialFacts }
  | { decision: "unreadable"; problem: string; partial: PartialFacts };

/** "success", "failed" or "unknown", for digests and the JSON document. */
export function resultOf(f: RootEventFacts): "success" | "failed" | "unknown" {
  if (f.failed) return "failed";
  if (f.isSignIn && f.signInResult?.trim().toLowerCase() !== "success") return "unknown";
  return "success";
}
