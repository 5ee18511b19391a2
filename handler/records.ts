// The records several stages of the notifier share: a root session's attribution, a digest entry,
// where a held entry lives (its bucket) and the message that asks for that bucket's digest. A leaf:
// it imports nothing else of the handler, so no stage depends on another through it.
import { isAccountId } from "../common/awsNames";

/** How grave an event is (handler/severity.ts ranks events by its table). */
export type Severity = "critical" | "high" | "medium" | "low";

/** Who opened a root session with AssumeRoot: kept under the session's access key for attribution. */
export interface RootSession {
  by?: string | undefined;
  taskPolicy?: string | undefined;
  targetAccount?: string | undefined;
  at?: string | undefined;
}

/** One event as a digest lists it. Strings are sanitized (one line, capped) when stored. */
export interface DigestEntry {
  eventId: string;
  name: string;
  time: string;
  region: string;
  result: string;
  severity: Severity;
}

/** Where a held event's digest entry lives: its account's bucket. */
export interface BucketRef {
  accountId: string;
  bucket: number;
}

/** The body of the delayed SQS message that tells the notifier to send a bucket's digest. */
export interface FlushRequest extends BucketRef {
  rootActivityMonitor: "digest-flush";
}

export function isFlushRequest(v: unknown): v is FlushRequest {
  if (typeof v !== "object" || v === null) return false;
  const o = v as Record<string, unknown>;
  return (
    o.rootActivityMonitor === "digest-flush" &&
    isAccountId(o.accountId) &&
    typeof o.bucket === "number" &&
    Number.isInteger(o.bucket)
  );
}
