// StateStore on one DynamoDB table (pk, sk strings; TTL attribute expiresAt). Conditional writes make
// claims and bucket closing safe across concurrent notifier invocations; a held event's digest entry
// lives in its bucket's item, so holding it and the flush's closing are one atomic write each. The
// SDK is required lazily (the Lambda runtime provides it). No Pulumi imports: serialized into the
// Lambda.
import type { AttributeValue, BatchGetItemCommandOutput, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DigestEntry } from "./digest";
import {
  BUCKET_TTL_SECONDS,
  EVENT_TTL_SECONDS,
  ROOT_SESSION_TTL_SECONDS,
  SIGN_IN_FAILURE_TTL_SECONDS,
  timeKey,
  type BucketRef,
  type RootSession,
  type StateStore,
} from "./stateStore";

type Item = Record<string, AttributeValue>;
const S = (v: string): AttributeValue => ({ S: v });
const N = (v: number): AttributeValue => ({ N: String(v) });
const TRUE: AttributeValue = { BOOL: true };
const FALSE: AttributeValue = { BOOL: false };
const ONE = "-";
/** Digest entries are attributes of the bucket item, named by event key. */
const ENTRY = "e#";
/** The attributes of a digest entry's own item, before issue 15 (`sk`: its event ID). */
const LEGACY = ["sk", "name", "time", "region", "result", "severity"];

function expiry(nowMs: number, ttlSeconds: number): AttributeValue {
  return N(Math.floor(nowMs / 1000) + ttlSeconds);
}

/** Runs a conditional write: the attributes it returned when it was applied, undefined when its condition failed. */
async function applied(write: Promise<{ Attributes?: Item }>): Promise<Item | undefined> {
  try {
    return (await write).Attributes ?? {};
  } catch (err) {
    if (err instanceof Error && err.name === "ConditionalCheckFailedException") return undefined;
    throw err;
  }
}

/** The digest entries of a bucket item by event key, in key order (the flush sorts them by time). */
function entriesOf(item: Item): [string, DigestEntry][] {
  return Object.keys(item)
    .filter((k) => k.startsWith(ENTRY))
    .sort()
    .map((k) => [k.slice(ENTRY.length), JSON.parse(item[k]?.S ?? "{}") as DigestEntry]);
}

export function createDynamoStore(tableName: string, client: DynamoDBClient): StateStore {
  const sdk = require("@aws-sdk/client-dynamodb") as typeof import("@aws-sdk/client-dynamodb");
  const TableName = tableName;
  const key = (pk: string, sk = ONE): Item => ({ pk: S(pk), sk: S(sk) });
  const eventItem = (eventKey: string) => key(`event#${eventKey}`);
  const bucketPk = (r: BucketRef) => `bucket#${r.accountId}#${r.bucket}`;
  const bucketKey = (r: BucketRef) => key(bucketPk(r));
  const activityKey = (acct: string) => key(`activity#${acct}`);
  const sessionKey = (accessKeyId: string) => key(`root-session#${accessKeyId}`);
  const opts = (signal: AbortSignal | undefined) => ({ abortSignal: signal });
  const update = (
    Key: Item,
    UpdateExpression: string,
    values: Item,
    signal: AbortSignal | undefined,
    more: Record<string, unknown> = {},
  ) =>
    client.send(
      new sdk.UpdateItemCommand({
        TableName,
        Key,
        UpdateExpression,
        ExpressionAttributeValues: values,
        ...more,
      }),
      opts(signal),
    );

  /** The items a consistent query finds, page after page; `only`: the attributes to return. */
  async function* items(condition: string, values: Item, signal: AbortSignal | undefined, only?: string) {
    const pages = sdk.paginateQuery(
      { client },
      {
        TableName,
        KeyConditionExpression: condition,
        ExpressionAttributeValues: values,
        ConsistentRead: true,
        ...(only ? { ProjectionExpression: only } : {}),
      },
      opts(signal),
    );
    for await (const page of pages) yield* page.Items ?? [];
  }

  /** Sets a flag (scheduled, sent) on an item. */
  const flag = (Key: Item, name: string, signal: AbortSignal | undefined) =>
    update(Key, `SET ${name} = :yes`, { ":yes": TRUE }, signal);

  return {
    async claimEvent(eventKey, nowMs, staleBeforeMs, held, signal) {
      // `wasIn` keeps a stale claim's bucket, in the same write that takes it over: the flush of that
      // bucket still lists the event's entry (see claimFlush).
      const old = await applied(
        update(
          eventItem(eventKey),
          "SET claimedAt = :now, done = :no, expiresAt = :exp, heldIn = :in, wasIn = if_not_exists(heldIn, :none)",
          {
            ":now": N(nowMs),
            ":no": FALSE,
            ":exp": expiry(nowMs, EVENT_TTL_SECONDS),
            ":in": S(held ? bucketPk(held) : ""),
            ":none": S(""),
            ":stale": N(staleBeforeMs),
          },
          signal,
          {
            ConditionExpression: "attribute_not_exists(pk) OR (done = :no AND claimedAt < :stale)",
            ReturnValues: "ALL_OLD",
          },
        ),
      );
      if (!old) return "duplicate";
      // A stale claim of an event that was held for a digest: its entry there means it was notified.
      const was = old.heldIn?.S;
      if (was) {
        const out = await client.send(
          new sdk.GetItemCommand({ TableName, Key: key(was), ConsistentRead: true }),
          opts(signal),
        );
        if (out.Item?.[ENTRY + eventKey]) {
          await update(eventItem(eventKey), "SET done = :yes, heldIn = wasIn", { ":yes": TRUE }, signal);
          return "duplicate";
        }
      }
      return "claimed";
    },
    async markEventDone(eventKey, signal) {
      // Published alone: held nowhere, so no digest lists it (see claimFlush).
      await update(eventItem(eventKey), "SET done = :yes REMOVE heldIn, wasIn", { ":yes": TRUE }, signal);
    },
    async releaseEvent(eventKey, signal) {
      await applied(
        client.send(
          new sdk.DeleteItemCommand({
            TableName,
            Key: eventItem(eventKey),
            ConditionExpression: "done = :no",
            ExpressionAttributeValues: { ":no": FALSE },
          }),
          opts(signal),
        ),
      );
    },
    async recordSignInFailure(accountId, eventKey, atMs, fromMs, signal) {
      const pk = `signin-failures#${accountId}`;
      const sk = `${timeKey(atMs)}#${eventKey}`;
      // The write and the count go side by side (one round trip): the count says whether it already
      // saw this failure, and adds it when it did not.
      const put = client.send(
        new sdk.PutItemCommand({
          TableName,
          Item: { ...key(pk, sk), expiresAt: expiry(atMs, SIGN_IN_FAILURE_TTL_SECONDS) },
        }),
        opts(signal),
      );
      const count = async () => {
        let n = 0;
        let mine = 0;
        const range = { ":pk": S(pk), ":lo": S(timeKey(fromMs)), ":hi": S(`${timeKey(atMs)}#\uffff`) };
        for await (const it of items("pk = :pk AND sk BETWEEN :lo AND :hi", range, signal, "sk")) {
          n++;
          if (it.sk?.S === sk) mine = 1;
        }
        return n + 1 - mine;
      };
      return (await Promise.all([count(), put]))[0];
    },
    async noteActivity(accountId, bucket, nowMs, signal) {
      const out = await update(
        activityKey(accountId),
        "SET lastBucket = :b, expiresAt = :exp",
        { ":b": N(bucket), ":exp": expiry(nowMs, BUCKET_TTL_SECONDS) },
        signal,
        { ReturnValues: "UPDATED_OLD" },
      );
      const last = out.Attributes?.lastBucket?.N;
      return last === undefined ? undefined : Number(last);
    },
    async unnoteActivity(accountId, bucket, previous, signal) {
      const none = previous === undefined;
      await applied(
        update(
          activityKey(accountId),
          none ? "REMOVE lastBucket" : "SET lastBucket = :p",
          { ":b": N(bucket), ...(none ? {} : { ":p": N(previous) }) },
          signal,
          { ConditionExpression: "lastBucket = :b" },
        ),
      );
    },
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
    async claimFlush(ref, nowMs, staleBeforeMs, signal) {
      const item = await applied(
        update(
          bucketKey(ref),
          "SET closed = :yes, flushingAt = :now, expiresAt = :exp",
          {
            ":yes": TRUE,
            ":now": N(nowMs),
            ":stale": N(staleBeforeMs),
            ":exp": expiry(nowMs, BUCKET_TTL_SECONDS),
          },
          signal,
          {
            ConditionExpression:
              "attribute_not_exists(sent) AND (attribute_not_exists(flushingAt) OR flushingAt < :stale)",
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
    async putRootSession(accessKeyId, s, nowMs, signal) {
      await client.send(
        new sdk.PutItemCommand({
          TableName,
          Item: {
            ...sessionKey(accessKeyId),
            session: S(JSON.stringify(s)),
            expiresAt: expiry(nowMs, ROOT_SESSION_TTL_SECONDS),
          },
        }),
        opts(signal),
      );
    },
    async getRootSession(accessKeyId, signal) {
      const out = await client.send(
        new sdk.GetItemCommand({ TableName, Key: sessionKey(accessKeyId), ConsistentRead: true }),
        opts(signal),
      );
      const json = out.Item?.session?.S;
      return json ? (JSON.parse(json) as RootSession) : undefined;
    },
  };
}
