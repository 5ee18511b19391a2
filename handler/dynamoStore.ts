// StateStore on one DynamoDB table (pk, sk strings; TTL attribute expiresAt). Conditional writes make
// claims and bucket closing safe across concurrent notifier invocations. The SDK is required lazily
// (the Lambda runtime provides it). No Pulumi imports: serialized into the Lambda.
import type { AttributeValue, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DigestEntry } from "./digest";
import {
  BUCKET_TTL_SECONDS,
  EVENT_TTL_SECONDS,
  ROOT_SESSION_TTL_SECONDS,
  SIGN_IN_FAILURE_TTL_SECONDS,
  timeKey,
  type BucketState,
  type RootSession,
  type StateStore,
} from "./stateStore";

type Item = Record<string, AttributeValue>;
const S = (v: string): AttributeValue => ({ S: v });
const N = (v: number): AttributeValue => ({ N: String(v) });
const TRUE: AttributeValue = { BOOL: true };
const ONE = "-";

function expiry(nowMs: number, ttlSeconds: number): AttributeValue {
  return N(Math.floor(nowMs / 1000) + ttlSeconds);
}

function isConditionFailure(err: unknown): boolean {
  return err instanceof Error && err.name === "ConditionalCheckFailedException";
}

function bucketState(item: Item | undefined): BucketState {
  return {
    closed: item?.closed?.BOOL === true,
    scheduled: item?.scheduled?.BOOL === true,
    sent: item?.sent?.BOOL === true,
  };
}

export function createDynamoStore(tableName: string, client: DynamoDBClient): StateStore {
  const sdk = require("@aws-sdk/client-dynamodb") as typeof import("@aws-sdk/client-dynamodb");
  const key = (pk: string, sk = ONE): Item => ({ pk: S(pk), sk: S(sk) });
  const bucketKey = (acct: string, b: number) => key(`bucket#${acct}#${b}`);
  const sessionKey = (accessKeyId: string) => key(`root-session#${accessKeyId}`);
  const update = (k: Item, expr: string, values?: Item) =>
    client.send(
      new sdk.UpdateItemCommand({
        TableName: tableName,
        Key: k,
        UpdateExpression: expr,
        ...(values ? { ExpressionAttributeValues: values } : {}),
      }),
    );
  /** A bucket item, read consistently (the storm-control decisions depend on the latest write). */
  const getBucket = async (acct: string, b: number): Promise<Item | undefined> =>
    (
      await client.send(
        new sdk.GetItemCommand({ TableName: tableName, Key: bucketKey(acct, b), ConsistentRead: true }),
      )
    ).Item;
  /** Every page of a consistent query on one partition, handed to `page` in order. */
  const queryAll = async (
    input: { KeyConditionExpression: string; ExpressionAttributeValues: Item; Select?: "COUNT" },
    page: (out: { Count?: number; Items?: Item[] }) => void,
  ): Promise<void> => {
    let start: Item | undefined;
    do {
      const out = await client.send(
        new sdk.QueryCommand({
          TableName: tableName,
          ...input,
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      page(out);
      start = out.LastEvaluatedKey;
    } while (start);
  };

  return {
    async claimEvent(eventKey, nowMs, staleBeforeMs) {
      try {
        await client.send(
          new sdk.PutItemCommand({
            TableName: tableName,
            Item: {
              ...key(`event#${eventKey}`),
              claimedAt: N(nowMs),
              done: { BOOL: false },
              expiresAt: expiry(nowMs, EVENT_TTL_SECONDS),
            },
            ConditionExpression: "attribute_not_exists(pk) OR (done = :no AND claimedAt < :stale)",
            ExpressionAttributeValues: { ":no": { BOOL: false }, ":stale": N(staleBeforeMs) },
          }),
        );
        return "claimed";
      } catch (err) {
        if (isConditionFailure(err)) return "duplicate";
        throw err;
      }
    },
    async markEventDone(eventKey) {
      await update(key(`event#${eventKey}`), "SET done = :yes", { ":yes": TRUE });
    },
    async releaseEvent(eventKey) {
      try {
        await client.send(
          new sdk.DeleteItemCommand({
            TableName: tableName,
            Key: key(`event#${eventKey}`),
            ConditionExpression: "done = :no",
            ExpressionAttributeValues: { ":no": { BOOL: false } },
          }),
        );
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
      }
    },
    async recordSignInFailure(accountId, eventKey, atMs, fromMs) {
      const pk = `signin-failures#${accountId}`;
      await client.send(
        new sdk.PutItemCommand({
          TableName: tableName,
          Item: {
            ...key(pk, `${timeKey(atMs)}#${eventKey}`),
            expiresAt: expiry(atMs, SIGN_IN_FAILURE_TTL_SECONDS),
          },
        }),
      );
      let count = 0;
      await queryAll(
        {
          KeyConditionExpression: "pk = :pk AND sk BETWEEN :lo AND :hi",
          ExpressionAttributeValues: {
            ":pk": S(pk),
            ":lo": S(timeKey(fromMs)),
            ":hi": S(`${timeKey(atMs)}#\uffff`),
          },
          Select: "COUNT",
        },
        (out) => (count += out.Count ?? 0),
      );
      return count;
    },
    async bumpBucket(accountId, bucket, nowMs) {
      try {
        const out = await client.send(
          new sdk.UpdateItemCommand({
            TableName: tableName,
            Key: bucketKey(accountId, bucket),
            UpdateExpression: "ADD n :one SET expiresAt = :exp",
            ConditionExpression: "attribute_not_exists(closed)",
            ExpressionAttributeValues: { ":one": N(1), ":exp": expiry(nowMs, BUCKET_TTL_SECONDS) },
            ReturnValues: "ALL_NEW",
          }),
        );
        return { n: Number(out.Attributes?.n?.N ?? "1"), closed: false };
      } catch (err) {
        if (isConditionFailure(err)) return { n: 0, closed: true };
        throw err;
      }
    },
    async bucketCount(accountId, bucket) {
      return Number((await getBucket(accountId, bucket))?.n?.N ?? "0");
    },
    async bucketState(accountId, bucket) {
      return bucketState(await getBucket(accountId, bucket));
    },
    async addDigestEntry(accountId, bucket, e, nowMs) {
      await client.send(
        new sdk.PutItemCommand({
          TableName: tableName,
          Item: {
            ...key(`digest#${accountId}#${bucket}`, e.eventId),
            name: S(e.name),
            time: S(e.time),
            region: S(e.region),
            result: S(e.result),
            severity: S(e.severity),
            expiresAt: expiry(nowMs, BUCKET_TTL_SECONDS),
          },
        }),
      );
    },
    async markScheduled(accountId, bucket) {
      await update(bucketKey(accountId, bucket), "SET scheduled = :yes", { ":yes": TRUE });
    },
    async claimFlush(accountId, bucket, nowMs, staleBeforeMs) {
      try {
        await client.send(
          new sdk.UpdateItemCommand({
            TableName: tableName,
            Key: bucketKey(accountId, bucket),
            UpdateExpression: "SET closed = :yes, flushingAt = :now, expiresAt = :exp",
            ConditionExpression:
              "attribute_not_exists(sent) AND (attribute_not_exists(flushingAt) OR flushingAt < :stale)",
            ExpressionAttributeValues: {
              ":yes": TRUE,
              ":now": N(nowMs),
              ":stale": N(staleBeforeMs),
              ":exp": expiry(nowMs, BUCKET_TTL_SECONDS),
            },
          }),
        );
        return "go";
      } catch (err) {
        if (isConditionFailure(err)) return "skip";
        throw err;
      }
    },
    async digestEntries(accountId, bucket) {
      const entries: DigestEntry[] = [];
      await queryAll(
        {
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": S(`digest#${accountId}#${bucket}`) },
        },
        (out) => {
          for (const it of out.Items ?? []) {
            entries.push({
              eventId: it.sk?.S ?? "",
              name: it.name?.S ?? "",
              time: it.time?.S ?? "",
              region: it.region?.S ?? "",
              result: it.result?.S ?? "",
              severity: (it.severity?.S ?? "medium") as DigestEntry["severity"],
            });
          }
        },
      );
      return entries;
    },
    async markBucketSent(accountId, bucket) {
      await update(bucketKey(accountId, bucket), "SET sent = :yes", { ":yes": TRUE });
    },
    async putRootSession(accessKeyId, s, nowMs) {
      await client.send(
        new sdk.PutItemCommand({
          TableName: tableName,
          Item: {
            ...sessionKey(accessKeyId),
            session: S(JSON.stringify(s)),
            expiresAt: expiry(nowMs, ROOT_SESSION_TTL_SECONDS),
          },
        }),
      );
    },
    async getRootSession(accessKeyId) {
      const out = await client.send(
        new sdk.GetItemCommand({ TableName: tableName, Key: sessionKey(accessKeyId), ConsistentRead: true }),
      );
      const json = out.Item?.session?.S;
      return json ? (JSON.parse(json) as RootSession) : undefined;
    },
  };
}
