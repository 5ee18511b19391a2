// Sends the digest of one account's bucket, when its delayed flush message arrives: every held
// event, in parts if long. Throws on failure, so SQS retries.
import type { AccountNames } from "../alerts/accountNames";
import type { Kit } from "../support/deps";
import { buildDigest, sortEntries } from "../alerts/digestAlert";
import { type DigestEntry } from "../records";
import type { Publisher } from "../publish/publisher";
import { FLUSH_STATE_CAP_MS, STATE_DONE_CAP_MS } from "../support/budget";
import { withDeadline } from "../support/deadline";
import { CLAIM_STALE_MS, deliveryToken } from "./router";
import { BUCKET_MS, DIGEST_MAX_EVENTS_PER_MESSAGE } from "../state/stateStore";
import { type FlushRequest } from "../records";

export type Flusher = (req: FlushRequest, sqsMessageId: string | undefined) => Promise<void>;

export function createFlusher(kit: Kit, accountName: AccountNames, publish: Publisher): Flusher {
  const { deps, now } = kit;
  return async (req, sqsMessageId) => {
    // The flush has time the alert path has not: a patient store when one is given (lambda.ts).
    const store = deps.flushStore ?? deps.store;
    const base = { msg: "digest", accountId: req.accountId, bucket: req.bucket, sqsMessageId };
    if (!store) throw new Error("a digest flush arrived but the notifier has no state store configured");
    const t = now().getTime();
    const claimant = { token: deliveryToken(), nowMs: t, staleBeforeMs: t - CLAIM_STALE_MS };
    // The name lookup (it never rejects) runs beside the claim: the flush's budget counts only the
    // longer of the two, and no lookup is left pending when the claim fails.
    const [held, name] = await Promise.all([
      withDeadline(deps.flushStateCapMs ?? FLUSH_STATE_CAP_MS, "state store", (signal) =>
        store.claimFlush(req, claimant, signal),
      ).catch((error: unknown) => ({ error })),
      accountName(req.accountId),
    ]);
    if (!Array.isArray(held) && held !== "skip") throw held.error;
    if (held === "skip") {
      kit.log({ ...base, level: "info", msg: "digest already sent, or being sent by another flush" });
      return;
    }
    const entries = sortEntries(held);
    if (entries.length > 0) {
      const window = { start: new Date(req.bucket * BUCKET_MS), end: new Date((req.bucket + 1) * BUCKET_MS) };
      const parts: DigestEntry[][] = [];
      for (let i = 0; i < entries.length; i += DIGEST_MAX_EVENTS_PER_MESSAGE) {
        parts.push(entries.slice(i, i + DIGEST_MAX_EVENTS_PER_MESSAGE));
      }
      await Promise.all(
        parts.map(async (part, i) => {
          const which = { index: i + 1, count: parts.length };
          await publish(
            (caps) =>
              buildDigest({
                accountId: req.accountId,
                name,
                entries: part,
                window,
                part: which,
                now: now(),
                caps,
              }),
            {
              ...base,
              events: part.length,
            },
          );
          kit.metric("Digests");
        }),
      );
    }
    // The digest is out: a failure to mark it sent is logged, not retried (a retry would send it
    // again; the bucket's flush claim still keeps other flushes off it until it is stale).
    await withDeadline(STATE_DONE_CAP_MS, "state store", (signal) => store.markBucketSent(req, signal)).catch(
      (err: unknown) => kit.stateFailed(base, "could not mark the digest sent", err),
    );
    kit.log({ ...base, level: "info", msg: "digest sent", events: entries.length });
  };
}
