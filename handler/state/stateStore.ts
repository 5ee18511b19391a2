// The notifier's shared state (one DynamoDB table on AWS): which event IDs were already notified,
// failed root sign-ins per account, each account's latest minute of root activity, and storm-
// control buckets with their digest entries. Every item expires (TTL), so state cannot grow without
// bound. Any failure here makes the notifier send the alert anyway: a duplicate beats a miss. Every
// call takes the deadline's signal: once it fires, the call stops and writes nothing more.
import type { BucketRef, DigestEntry, RootSession } from "../records";

type Signal = AbortSignal | undefined;

/**
 * Who writes: a token unique to one delivery of one record (never reused), and the time. Every
 * conditional write stores the token, so that when the SDK retries a write whose first attempt was
 * applied but answered too late, the store recognises its own write instead of taking it for
 * another delivery's.
 */
export interface Writer {
  token: string;
  nowMs: number;
}

/** A writer that takes over claims older than `staleBeforeMs` (their invocation died). */
export interface Claimant extends Writer {
  staleBeforeMs: number;
}

/**
 * What a claim found. "claimed": this delivery holds the event now. "duplicate": it was already
 * notified (published alone, or its entry is in a digest that is scheduled or sent). "busy": another
 * delivery holds a live claim on it, which proves nothing was sent yet: the record must come back.
 */
export type ClaimOutcome = "claimed" | "duplicate" | "busy";

export interface StateStore {
  /**
   * Claims an event for notification. A live claim of another delivery (younger than the claimant's
   * `staleBeforeMs`) is "busy"; only a claim marked done, or an entry in a scheduled or sent digest,
   * is a "duplicate". `held` is where its entry would go if it is held.
   */
  claimEvent(key: string, by: Claimant, held: BucketRef | undefined, signal?: Signal): Promise<ClaimOutcome>;
  /**
   * The event was published alone: no digest lists it, even if an entry of it was held. (A held
   * event needs no mark: its entry, with its claim held in that bucket, is the proof.)
   */
  markEventDone(key: string, nowMs: number, signal?: Signal): Promise<void>;
  /** Notification failed: drop this delivery's claim so the redelivery is not taken for a duplicate. */
  releaseEvent(key: string, token: string, signal?: Signal): Promise<void>;
  /** Records a failed sign-in (idempotent per event key); returns the failures in [from, to]. */
  recordSignInFailure(
    accountId: string,
    eventKey: string,
    atMs: number,
    fromMs: number,
    signal?: Signal,
  ): Promise<number>;
  /** Notes root activity in the account's `bucket`; returns the bucket noted before, if any. */
  noteActivity(accountId: string, bucket: number, by: Writer, signal?: Signal): Promise<number | undefined>;
  /**
   * Takes back the note this writer (`token`) made, putting back the bucket noted before it (none:
   * `previous` undefined), unless later activity noted the account again since.
   */
  unnoteActivity(
    accountId: string,
    previous: number | undefined,
    token: string,
    signal?: Signal,
  ): Promise<void>;
  /**
   * Holds an event for its bucket's digest, atomically with the flush's closing: `closed` when the
   * digest is already being sent (the entry was not stored), `scheduled` when a flush was scheduled.
   */
  holdForDigest(
    ref: BucketRef,
    eventKey: string,
    entry: DigestEntry,
    nowMs: number,
    signal?: Signal,
  ): Promise<{ closed: boolean; scheduled: boolean }>;
  markScheduled(ref: BucketRef, signal?: Signal): Promise<void>;
  /**
   * Closes the bucket to new entries and claims the sending of its digest: the entries of events
   * whose claims are held in it, or "skip" when the digest was sent, or another flush is sending it
   * (a claim younger than `staleBeforeMs`). A retry of this claimant's own claim gets the entries.
   */
  claimFlush(ref: BucketRef, by: Claimant, signal?: Signal): Promise<DigestEntry[] | "skip">;
  markBucketSent(ref: BucketRef, signal?: Signal): Promise<void>;
  putRootSession(accessKeyId: string, session: RootSession, nowMs: number, signal?: Signal): Promise<void>;
  getRootSession(accessKeyId: string, signal?: Signal): Promise<RootSession | undefined>;
}

/** How long each kind of item lives (DynamoDB TTL). */
export const EVENT_TTL_SECONDS = 3 * 86_400;
export const SIGN_IN_FAILURE_TTL_SECONDS = 86_400;
export const BUCKET_TTL_SECONDS = 7 * 86_400;
/**
 * A root session lives 900 s at most, but its events can arrive a day late (EventBridge retries for
 * 24 h) or be redriven from the queue later: keep the record as long as duplicate suppression.
 */
export const ROOT_SESSION_TTL_SECONDS = EVENT_TTL_SECONDS;

/** Storm-control bucket length: about one digest per account per bucket. */
export const BUCKET_MS = 60_000;
/** A digest is flushed this long after its bucket ends, for events still in flight. */
export const FLUSH_GRACE_SECONDS = 5;
/** At most this many events per digest message (a longer digest is sent in parts). */
export const DIGEST_MAX_EVENTS_PER_MESSAGE = 200;

export function bucketOf(ms: number): number {
  return Math.floor(ms / BUCKET_MS);
}

/** Sort key of a time: fixed width, so string order is time order. */
export function timeKey(ms: number): string {
  return String(Math.max(0, Math.floor(ms))).padStart(15, "0");
}
