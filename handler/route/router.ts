// Where a root event goes: a duplicate (already notified), on its own, or held for its account's
// digest (storm control). Before the first publish of a burst there is one state round trip: the
// claim, the account's activity note and (for a failed sign-in) the failure count run side by side;
// mid-storm, the claim and the hold do. The whole phase is capped and cancels at the cap: whatever
// answers later writes nothing more. Any store failure sends the alert on its own: a duplicate
// beats a miss.
import { isAccountId } from "../../common/awsNames";
import { NOTIFIER_TIMEOUT_SECONDS, STATE_DONE_CAP_MS, STATE_PHASE_CAP_MS } from "../support/budget";
import { withDeadline } from "../support/deadline";
import type { Kit } from "../support/deps";
import { resultOf, type RootEventFacts } from "../classify/facts";
import {
  escalateForFailures,
  SIGN_IN_FAILURE_WINDOW_MINUTES,
  type SeverityVerdict,
} from "../classify/severity";
import { BUCKET_MS, bucketOf, FLUSH_GRACE_SECONDS, type StateStore } from "../state/stateStore";
import type { BucketRef, DigestEntry } from "../records";
import { oneLine } from "../support/text";

/** A claim older than this is taken to be from an invocation that died (twice the function timeout). */
export const CLAIM_STALE_MS = 2 * NOTIFIER_TIMEOUT_SECONDS * 1000;

/** The claim to settle after the publish: the event's key and this delivery's token. */
export interface ClaimRef {
  key: string;
  token: string;
}

/**
 * What the state phase decided for one root event. "busy": another delivery holds a live claim on
 * it, so nothing proves it was notified yet: its record goes back to SQS (see rootEventFlow.ts).
 */
export type Route =
  | { route: "alone"; verdict: SeverityVerdict; claim?: ClaimRef; note?: string }
  | { route: "duplicate" }
  | { route: "busy" }
  | { route: "digested"; bucket: number; verdict: SeverityVerdict };

export interface Router {
  route(f: RootEventFacts, initial: SeverityVerdict, base: Record<string, unknown>): Promise<Route>;
  /** After the publish: marks the claim done, or releases it when the publish failed. Never throws. */
  settle(claim: ClaimRef | undefined, published: boolean): Promise<void>;
}

/** A token no other delivery has: the conditional writes of this one recognise each other by it. */
export function deliveryToken(): string {
  return globalThis.crypto.randomUUID();
}

/** The event's duplicate-suppression key: per account, by CloudTrail event ID (else envelope ID). */
export function eventKey(f: RootEventFacts): string | undefined {
  const id = f.eventId ?? f.envelopeId;
  if (!id) return undefined;
  return `${f.accountId ?? "unknown"}#${oneLine(id, 200)}`;
}

/** The event as its bucket's digest lists it. */
function entryOf(f: RootEventFacts, verdict: SeverityVerdict, key: string, nowMs: number): DigestEntry {
  return {
    eventId: oneLine(f.eventId ?? key, 64),
    name: oneLine(f.eventName, 100),
    time: oneLine(f.eventTime ?? new Date(nowMs).toISOString(), 32),
    region: oneLine(f.region ?? "unknown", 32),
    result: resultOf(f),
    severity: verdict.severity,
  };
}

/** One event's state work: its key, its delivery's token, its account's bucket. */
interface Attempt {
  kit: Kit;
  /** Account -> the bucket this container last noted for it (the store holds that bucket or later). */
  noted: Record<string, number>;
  f: RootEventFacts;
  store: StateStore;
  key: string;
  token: string;
  acct: string | undefined;
  t: number;
  bucket: number;
  /** Where its entry goes if it is held; none when it cannot be held. */
  ref: BucketRef | undefined;
  /** This container noted the account in this bucket already. */
  known: boolean;
  base: Record<string, unknown>;
}

/**
 * The one round trip before the first publish of a burst: the claim, the account's activity note
 * and (for a failed sign-in) the failure count, side by side; mid-storm, the claim and the hold.
 */
function firstRoundTrip(a: Attempt, initial: SeverityVerdict, signal: AbortSignal) {
  const { f, store, key, token, acct, t, bucket, ref, known, noted } = a;
  const claim = store.claimEvent(key, { token, nowMs: t, staleBeforeMs: t - CLAIM_STALE_MS }, ref, signal);
  // Its failure matters only if the event could be held: caught here, judged later.
  const note =
    acct && !known
      ? store.noteActivity(acct, bucket, { token, nowMs: t }, signal).then(
          (before) => ((noted[acct] = bucket), before),
          (error: unknown) => ({ error }),
        )
      : known
        ? bucket
        : undefined;
  let failures: Promise<number> | undefined;
  if (f.isSignIn && f.failed && acct) {
    const at = Date.parse(f.eventTime ?? "");
    const atMs = Number.isNaN(at) ? t : at;
    failures = store.recordSignInFailure(
      acct,
      key,
      atMs,
      atMs - SIGN_IN_FAILURE_WINDOW_MINUTES * 60_000,
      signal,
    );
  }
  // Mid-storm (noted here already, nothing to escalate it) the event will most likely be held:
  // hold it beside the claim. The flush lists an entry only if its claim is held in that bucket,
  // so the entry of a duplicate, or of an event that goes out alone after all, is never listed.
  const early =
    known && ref && !failures && initial.severity !== "critical"
      ? store.holdForDigest(ref, key, entryOf(f, initial, key, t), t, signal)
      : undefined;
  return { claim, answers: Promise.all([claim, note, failures, early]) };
}

/** A late copy is not new activity: it must not send the account's next event to a digest. */
async function takeBackNote(a: Attempt, before: number | undefined, signal: AbortSignal): Promise<void> {
  if (!a.acct || a.known || before === a.bucket) return;
  delete a.noted[a.acct];
  // Best effort (a failure only digests that event), and a duplicate whatever happens to it.
  await a.store
    .unnoteActivity(a.acct, before, a.token, signal)
    .catch((err: unknown) =>
      a.kit.stateFailed(a.base, "could not take back a late copy's activity note", err),
    );
}

/** A claimed event that is not critical and can be held: held for its bucket's digest, or alone. */
async function holdForDigest(
  a: Attempt & { ref: BucketRef },
  verdict: SeverityVerdict,
  heldEarly: { closed: boolean; scheduled: boolean } | undefined,
  alone: (note?: string) => Route,
  signal: AbortSignal,
): Promise<Route> {
  const { store, key, t, bucket, ref } = a;
  const schedule = a.kit.deps.scheduleFlush;
  if (!schedule) return alone();
  // Past the cap each call below rejects at once (its signal is aborted): nothing more is written.
  const held = heldEarly ?? (await store.holdForDigest(ref, key, entryOf(a.f, verdict, key, t), t, signal));
  if (held.closed) return alone("digest already sent");
  if (!held.scheduled) {
    const delay = Math.ceil(((bucket + 1) * BUCKET_MS - t) / 1000) + FLUSH_GRACE_SECONDS;
    await schedule({ rootActivityMonitor: "digest-flush", ...ref }, delay, signal);
    await store.markScheduled(ref, signal);
  }
  return { route: "digested", bucket, verdict };
}

/** After the publish: marks the claim done, or releases it when the publish failed. Never throws. */
async function settleClaim(kit: Kit, claim: ClaimRef | undefined, published: boolean): Promise<void> {
  const store = kit.deps.store;
  if (!store || !claim) return;
  try {
    await withDeadline(STATE_DONE_CAP_MS, "state store", (signal) =>
      published
        ? store.markEventDone(claim.key, kit.now().getTime(), signal)
        : store.releaseEvent(claim.key, claim.token, signal),
    );
  } catch (err) {
    kit.stateFailed({ eventKey: claim.key }, "could not record the event's state", err);
  }
}

export function createRouter(kit: Kit): Router {
  const { deps, now } = kit;
  const cap = deps.statePhaseCapMs ?? STATE_PHASE_CAP_MS;
  const noted = deps.activityNoted ?? {};

  async function route(
    f: RootEventFacts,
    initial: SeverityVerdict,
    base: Record<string, unknown>,
  ): Promise<Route> {
    const store = deps.store;
    const key = eventKey(f);
    if (!store || !key) return { route: "alone", verdict: initial };
    const acct = f.accountId;
    const t = now().getTime();
    const bucket = bucketOf(t);
    // Only an event of a real account, with flushes possible, can be held for a digest.
    const ref = isAccountId(acct) && deps.scheduleFlush ? { accountId: acct, bucket } : undefined;
    const known = acct !== undefined && noted[acct] === bucket;
    const a: Attempt = {
      kit,
      noted,
      f,
      store,
      key,
      token: deliveryToken(),
      acct,
      t,
      bucket,
      ref,
      known,
      base,
    };
    // Settled by the claim's answer: "duplicate" and "busy" end the route whatever happens after.
    let answered: "duplicate" | "busy" | undefined;
    let verdict = initial;
    // The claim may have been applied even when its answer never came: settle it either way (done
    // after the publish is true then; a release only removes this delivery's own claim).
    const alone = (note?: string): Route => ({
      route: "alone",
      verdict,
      claim: { key, token: a.token },
      ...(note ? { note } : {}),
    });

    const work = async (signal: AbortSignal): Promise<Route> => {
      const { claim, answers } = firstRoundTrip(a, initial, signal);
      void claim.then((c) => (answered = c === "claimed" ? undefined : c)).catch(() => undefined);
      const [claimedAs, before, count, heldEarly] = await answers;
      if (claimedAs !== "claimed") {
        if (typeof before !== "object") await takeBackNote(a, before, signal);
        return { route: claimedAs };
      }
      if (count !== undefined) verdict = escalateForFailures(verdict, count);
      // Critical events, and those that cannot be held, go out alone whatever the note says.
      if (verdict.severity === "critical" || !ref) return alone();
      if (typeof before === "object") throw before.error;
      // The first event of a burst: no activity in this account in this bucket or the one before.
      if (before === undefined || before < bucket - 1) return alone();
      return holdForDigest({ ...a, ref }, verdict, heldEarly, alone, signal);
    };

    try {
      return await withDeadline(cap, "state store", work);
    } catch (err) {
      if (answered) return { route: answered };
      // Unknown is never "someone else's": whatever was written, the alert goes out on its own.
      kit.stateFailed(base, "state store failed; sending the alert on its own", err);
      return alone();
    }
  }

  const settle = (claim: ClaimRef | undefined, published: boolean) => settleClaim(kit, claim, published);

  return { route, settle };
}
