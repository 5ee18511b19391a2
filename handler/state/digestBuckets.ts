// Storm-control buckets: a held event's digest entry lives in its bucket's item, so holding it and
// the flush's closing are one atomic write each.
import type { BatchGetItemCommandOutput } from "@aws-sdk/client-dynamodb";
import type { DigestEntry } from "../records";
import { applied, expiry, FALSE, N, S, TRUE, type DynamoTable, type Item } from "./dynamoTable";
import { BUCKET_TTL_SECONDS, type StateStore } from "./stateStore";

/** Digest entries are attributes of the bucket item, named by event key. */
export const ENTRY = "e#";
/** The attributes of a digest entry's own item, before issue 15 (`sk`: its event ID). */
const LEGACY = ["sk", "name", "time", "region", "result", "severity"];

/** The digest entries of a bucket item by event key, in key order (the flush sorts them by time). */
function entriesOf(item: Item): [string, DigestEntry][] {
  return Object.keys(item)
    .filter((k) => k.startsWith(ENTRY))
    .sort()
    .map((k) => [k.slice(ENTRY.length), JSON.parse(item[k]?.S ?? "{}") as DigestEntry]);
}

export function digestBuckets(
  t: DynamoTable,
): Pick<StateStore, "holdForDigest" | "markScheduled" | "claimFlush" | "markBucketSent"> {
  const { client, sdk, TableName, eventItem, bucketPk, bucketKey, opts, update, items, flag } = t;
  return {
    async holdForDigest(ref, eventKey, entry, nowMs, signal) {
      const old = await applied(
        update(
          bucketKey(ref),
          "SET #e = :e, expiresAt = :exp, scheduled = if_not_exists(scheduled, :no)",
          { ":e": S(JSON.stringify(entry)), ":exp": expiry(nowMs, BUCKET_TTL_SECONDS), ":no": FALSE },
          signal,
          {
            ExpressionAttributeNames: { "#e": ENTRY + eventKey },
            ConditionExpression: "attribute_not_exists(closed)",
            ReturnValues: "UPDATED_OLD",
          },
        ),
      );
      return { closed: !old, scheduled: old?.scheduled?.BOOL === true };
    },
    async markScheduled(ref, signal) {
      await flag(bucketKey(ref), "scheduled", signal);
    },
    async claimFlush(ref, by, signal) {
      // The flush's own token lets a retried attempt through: a refusal of our own claim would drop
      // the digest (its SQS message is deleted on "skip").
      const item = await applied(
        update(
          bucketKey(ref),
          "SET closed = :yes, flushingAt = :now, flushTok = :tok, expiresAt = :exp",
          {
            ":yes": TRUE,
            ":now": N(by.nowMs),
            ":stale": N(by.staleBeforeMs),
            ":tok": S(by.token),
            ":exp": expiry(by.nowMs, BUCKET_TTL_SECONDS),
          },
          signal,
          {
            ConditionExpression:
              "attribute_not_exists(sent) AND (attribute_not_exists(flushingAt) OR flushingAt < :stale OR flushTok = :tok)",
            ReturnValues: "ALL_NEW",
          },
        ),
      );
      if (!item) return "skip";
      // An entry counts only while its event's claim is held in this bucket: a duplicate's entry, or
      // that of an event published alone after all, does not (the router holds beside the claim).
      const pk = bucketPk(ref);
      const held = entriesOf(item);
      const ours: Record<string, boolean> = {};
      for (let i = 0; i < held.length; i += 100) {
        let Keys: Item[] | undefined = held.slice(i, i + 100).map(([k]) => eventItem(k));
        for (let round = 0; Keys?.length; round++) {
          if (round > 0) await new Promise((r) => setTimeout(r, 50 * round));
          const out: BatchGetItemCommandOutput = await client.send(
            new sdk.BatchGetItemCommand({
              RequestItems: {
                [TableName]: { Keys, ConsistentRead: true, ProjectionExpression: "pk, heldIn, wasIn" },
              },
            }),
            opts(signal),
          );
          for (const it of out.Responses?.[TableName] ?? [])
            ours[it.pk?.S ?? ""] = it.heldIn?.S === pk || it.wasIn?.S === pk;
          Keys = out.UnprocessedKeys?.[TableName]?.Keys;
        }
      }
      const entries = held.filter(([k]) => ours[`event#${k}`]).map(([, e]) => e);
      // A bucket of the notifier before issue 15 (it counted events in \`n\`) kept each entry as an
      // item of its own: a deploy in mid-storm must not lose them.
      if (item.n) {
        const legacy = { ":pk": S(`digest#${ref.accountId}#${ref.bucket}`) };
        for await (const it of items("pk = :pk", legacy, signal)) {
          const [eventId, name, time, region, result, severity] = LEGACY.map((k) => it[k]?.S ?? "");
          entries.push({ eventId, name, time, region, result, severity } as DigestEntry);
        }
      }
      return entries;
    },
    async markBucketSent(ref, signal) {
      await flag(bucketKey(ref), "sent", signal);
    },
  };
}
