// StateStore on one DynamoDB table (pk, sk strings; TTL attribute expiresAt). Conditional writes make
// claims and bucket closing safe across concurrent notifier invocations; a held event's digest entry
// lives in its bucket's item, so holding it and the flush's closing are one atomic write each. The
// SDK is required lazily (the Lambda runtime provides it). No Pulumi imports: serialized into the
// Lambda.
import type { AttributeValue, DynamoDBClient } from "@aws-sdk/client-dynamodb";
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

function expiry(nowMs: number, ttlSeconds: number): AttributeValue {
  return N(Math.floor(nowMs / 1000) + ttlSeconds);
}

function isConditionFailure(err: unknown): boolean {
  return err instanceof Error && err.name === "ConditionalCheckFailedException";
}

/** Runs a conditional write: the attributes it returned when it was applied, undefined when its condition failed. */
async function applied(write: Promise<{ Attributes?: Item }>): Promise<Item | undefined> {
  try {
    return (await write).Attributes ?? {};
  } catch (err) {
    if (isConditionFailure(err)) return undefined;
    throw err;
  }
}

/** The digest entries of a bucket item, in event-key order (the flush sorts them by time). */
function entriesOf(item: Item): DigestEntry[] {
  return Object.keys(item)
    .filter((k) => k.startsWith(ENTRY))
    .sort()
    .map((k) => JSON.parse(item[k]?.S ?? "{}") as DigestEntry);
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

  /** Sets a flag (done, scheduled, sent) on an item. */
  const flag = (Key: Item, name: string, signal: AbortSignal | undefined) =>
    update(Key, `SET ${name} = :yes`, { ":yes": TRUE }, signal);

  return {
    async claimEvent(eventKey, nowMs, staleBeforeMs, held, signal) {
      const old = await applied(
        client.send(
          new sdk.PutItemCommand({
            TableName,
            Item: {
              ...eventItem(eventKey),
              claimedAt: N(nowMs),
              done: FALSE,
              expiresAt: expiry(nowMs, EVENT_TTL_SECONDS),
              ...(held ? { heldIn: S(bucketPk(held)) } : {}),
            },
            ConditionExpression: "attribute_not_exists(pk) OR (done = :no AND claimedAt < :stale)",
            ExpressionAttributeValues: { ":no": FALSE, ":stale": N(staleBeforeMs) },
            ReturnValues: "ALL_OLD",
          }),
          opts(signal),
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
          await flag(eventItem(eventKey), "done", signal);
          return "duplicate";
        }
      }
      return "claimed";
    },
    async markEventDone(eventKey, signal) {
      await flag(eventItem(eventKey), "done", signal);
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
      await client.send(
        new sdk.PutItemCommand({
          TableName,
          Item: {
            ...key(pk, `${timeKey(atMs)}#${eventKey}`),
            expiresAt: expiry(atMs, SIGN_IN_FAILURE_TTL_SECONDS),
          },
        }),
        opts(signal),
      );
      let count = 0;
      const pages = sdk.paginateQuery(
        { client },
        {
          TableName,
          KeyConditionExpression: "pk = :pk AND sk BETWEEN :lo AND :hi",
          ExpressionAttributeValues: {
            ":pk": S(pk),
            ":lo": S(timeKey(fromMs)),
            ":hi": S(`${timeKey(atMs)}#\uffff`),
          },
          Select: "COUNT",
          ConsistentRead: true,
        },
        opts(signal),
      );
      for await (const page of pages) count += page.Count ?? 0;
      return count;
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
      return item ? entriesOf(item) : "skip";
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
