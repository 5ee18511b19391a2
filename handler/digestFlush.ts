// Sends the digest of one account's bucket, when its delayed flush message arrives: every held
// event, in parts if long. Throws on failure, so SQS retries. No Pulumi imports: serialized into
// the Lambda.
import type { AccountNames } from "./accountNames";
import type { Kit } from "./deps";
import { buildDigest, sortEntries, type DigestEntry } from "./digest";
import type { Publisher } from "./publisher";
import { CLAIM_STALE_MS } from "./router";
import { BUCKET_MS, DIGEST_MAX_EVENTS_PER_MESSAGE, type FlushRequest } from "./stateStore";

export type Flusher = (req: FlushRequest, sqsMessageId: string | undefined) => Promise<void>;

export function createFlusher(kit: Kit, accountName: AccountNames, publish: Publisher): Flusher {
  const { deps, now } = kit;
  return async (req, sqsMessageId) => {
    const store = deps.store;
    const base = { msg: "digest", accountId: req.accountId, bucket: req.bucket, sqsMessageId };
    if (!store) throw new Error("a digest flush arrived but the notifier has no state store configured");
    const t = now().getTime();
    const held = await store.claimFlush(req, t, t - CLAIM_STALE_MS);
    if (held === "skip") {
      kit.log({ ...base, level: "info", msg: "digest already sent, or being sent by another flush" });
      return;
    }
    const entries = sortEntries(held);
    if (entries.length > 0) {
      const name = await accountName(req.accountId);
      const window = { start: new Date(req.bucket * BUCKET_MS), end: new Date((req.bucket + 1) * BUCKET_MS) };
      const parts: DigestEntry[][] = [];
      for (let i = 0; i < entries.length; i += DIGEST_MAX_EVENTS_PER_MESSAGE) {
        parts.push(entries.slice(i, i + DIGEST_MAX_EVENTS_PER_MESSAGE));
      }
      await Promise.all(
        parts.map(async (part, i) => {
          const which = { index: i + 1, count: parts.length };
          await publish((caps) => buildDigest(req.accountId, name, part, window, which, now(), caps), {
            ...base,
            events: part.length,
          });
          kit.metric("Digests");
        }),
      );
    }
    await store.markBucketSent(req);
    kit.log({ ...base, level: "info", msg: "digest sent", events: entries.length });
  };
}
