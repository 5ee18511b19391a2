// Where a root event goes: a duplicate (already notified), on its own, or held for its account's
// digest (storm control). Before the first publish of a burst there is one state round trip: the
// claim, the account's activity note and (for a failed sign-in) the failure count run side by side;
// mid-storm, the claim and the hold do. The whole phase is capped and cancels at the cap: whatever
// answers later writes nothing more. Any store failure sends the alert on its own: a duplicate
// beats a miss.
import { isAccountId } from "../../common/awsNames";
import { NOTIFIER_TIMEOUT_SECONDS, STATE_DONE_CAP_MS, STATE_PHASE_CAP_MS } from "../support/budget";
import type { RootEventFacts } from "../classify/facts";
import { withDeadline } from "../support/deadline";
import type { Kit } from "../support/deps";
import type { DigestEntry } from "../records";
import { resultOf } from "../classify/facts";
import {
  escalateForFailures,
  SIGN_IN_FAILURE_WINDOW_MINUTES,
  type SeverityVerdict,
} from "../classify/severity";
import { BUCKET_MS, bucketOf, FLUSH_GRACE_SECONDS } from "../state/stateStore";
import { type BucketRef } from "../records";
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

export function createRouter(kit: Kit): Router {
  const { deps, now } = kit;
  const cap = deps.statePhaseCapMs ?? STATE_PHASE_CAP_MS;
  /** Account -> the bucket this container last noted for it (the store holds that bucket or later). */
  const noted = deps.activityNoted ?? {};

  function entryOf(f: RootEventFacts, verdict: SeverityVerdict, key: string): DigestEntry {
    return {
      eventId: oneLine(f.eventId ?? key, 64),
      name: oneLine(f.eventName, 100),
      time: oneLine(f.eventTime ?? now().toISOString(), 32),
      region: oneLine(f.region ?? "unknown", 32),
      result: resultOf(f),
      severity: verdict.severity,
    };
  }

  async function route(
    f: RootEventFacts,
    initial: SeverityVerdict,
    base: Record<string, unknown>,
  ): Promise<Route> {
    const store = deps.store;
    const key = eventKey(f);
    if (!store || !key) return { route: "alone", verdict: initial };
    const schedule = deps.scheduleFlush;
    const acct = f.accountId;
    const t = now().getTime();
    const bucket = bucketOf(t);
    // Only an event of a real account, with flushes possible, can be held for a digest.
    const ref: BucketRef | undefined =
      isAccountId(acct) && schedule ? { accountId: acct, bucket } : undefined;
    const token = deliveryToken();
    // Settled by the claim's answer: "duplicate" and "busy" end the route whatever happens after.
    let answered: "duplicate" | "busy" | undefined;
    let verdict = initial;
    // The claim may have been applied even when its answer never came: settle it either way (done
    // after the publish is true then; a release only removes this delivery's own claim).
    const alone = (note?: string): Route => ({
      route: "alone",
      verdict,
      claim: { key, token },
      ...(note ? { note } : {}),
    });

    const work = async (signal: AbortSignal): Promise<Route> => {
      const claim = store.claimEvent(
        key,
        { token, nowMs: t, staleBeforeMs: t - CLAIM_STALE_MS },
        ref,
        signal,
      );
      void claim.then((c) => (answered = c === "claimed" ? undefined : c)).catch(() => undefined);
      // This container noted this account in this bucket already: noting it again changes nothing.
      const known = acct !== undefined && noted[acct] === bucket;
      // Its failure matters only if the event could be held: caught here, judged below.
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
        const from = atMs - SIGN_IN_FAILURE_WINDOW_MINUTES * 60_000;
        failures = store.recordSignInFailure(acct, key, atMs, from, signal);
      }
      // Mid-storm (noted here already, nothing to escalate it) the event will most likely be held:
      // hold it beside the claim. The flush lists an entry only if its claim is held in that bucket,
      // so the entry of a duplicate, or of an event that goes out alone after all, is never listed.
      const early =
        known && ref && !failures && initial.severity !== "critical"
          ? store.holdForDigest(ref, key, entryOf(f, initial, key), t, signal)
          : undefined;
      const [claimedAs, before, count, heldEarly] = await Promise.all([claim, note, failures, early]);
      if (claimedAs !== "claimed") {
        // A late copy is not new activity: it must not send the account's next event to a digest.
        // Best effort (a failure only digests that event), and a duplicate whatever happens to it.
        if (acct && !known && typeof before !== "object" && before !== bucket) {
          delete noted[acct];
          await store
            .unnoteActivity(acct, before, token, signal)
            .catch((err: unknown) =>
              kit.stateFailed(base, "could not take back a late copy's activity note", err),
            );
        }
        return { route: claimedAs };
      }
      if (count !== undefined) verdict = escalateForFailures(verdict, count);
      // Critical events, and those that cannot be held, go out alone whatever the note says.
      if (verdict.severity === "critical" || !ref || !schedule) return alone();
      if (typeof before === "object") throw before.error;
      // The first event of a burst: no activity in this account in this bucket or the one before.
      if (before === undefined || before < bucket - 1) return alone();
      // Past the cap each call below rejects at once (its signal is aborted): nothing more is written.
      const held = heldEarly ?? (await store.holdForDigest(ref, key, entryOf(f, verdict, key), t, signal));
      if (held.closed) return alone("digest already sent");
      if (!held.scheduled) {
        const delay = Math.ceil(((bucket + 1) * BUCKET_MS - t) / 1000) + FLUSH_GRACE_SECONDS;
        await schedule({ rootActivityMonitor: "digest-flush", ...ref }, delay, signal);
        await store.markScheduled(ref, signal);
      }
      return { route: "digested", bucket, verdict };
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

  async function settle(claim: ClaimRef | undefined, published: boolean): Promise<void> {
    const store = deps.store;
    if (!store || !claim) return;
    try {
      await withDeadline(STATE_DONE_CAP_MS, "state store", (signal) =>
        published
          ? store.markEventDone(claim.key, now().getTime(), signal)
          : store.releaseEvent(claim.key, claim.token, signal),
      );
    } catch (err) {
      kit.stateFailed({ eventKey: claim.key }, "could not record the event's state", err);
    }
  }

  return { route, settle };
}
