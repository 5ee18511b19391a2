// StateStore on one DynamoDB table (pk, sk strings; TTL attribute expiresAt). Conditional writes
// make claims and bucket closing safe across concurrent notifier invocations; a held event's digest
// entry lives in its bucket's item, so holding it and the flush's closing are one atomic write
// each. The SDK is required lazily (the Lambda runtime provides it).
import type { AttributeValue, BatchGetItemCommandOutput, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DigestEntry } from "../records";
import {
  BUCKET_TTL_SECONDS,
  EVENT_TTL_SECONDS,
  ROOT_SESSION_TTL_SECONDS,
  SIGN_IN_FAILURE_TTL_SECONDS,
  timeKey,
  type Claimant,
  type StateStore,
} from "./stateStore";
import { type BucketRef, type RootSession } from "../records";

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

  /** The item as it is now (a consistent read): what a failed condition met. */
  const read = async (Key: Item, signal: AbortSignal | undefined): Promise<Item | undefined> =>
    (await client.send(new sdk.GetItemCommand({ TableName, Key, ConsistentRead: true }), opts(signal))).Item;

  /** Takes an event's claim when it is free or stale: the attributes it took over, undefined when refused. */
  const takeClaim = (
    eventKey: string,
    by: Claimant,
    held: BucketRef | undefined,
    signal: AbortSignal | undefined,
  ) =>
    // `wasIn` keeps a stale claim's bucket, in the same write that takes it over: the flush of that
    // bucket still lists the event's entry (see claimFlush).
    applied(
      update(
        eventItem(eventKey),
        "SET claimedAt = :now, done = :no, expiresAt = :exp, heldIn = :in, wasIn = if_not_exists(heldIn, :none), tok = :tok",
        {
          ":now": N(by.nowMs),
          ":no": FALSE,
          ":exp": expiry(by.nowMs, EVENT_TTL_SECONDS),
          ":in": S(held ? bucketPk(held) : ""),
          ":none": S(""),
          ":stale": N(by.staleBeforeMs),
          ":tok": S(by.token),
        },
        signal,
        {
          ConditionExpression: "attribute_not_exists(pk) OR (done = :no AND claimedAt < :stale)",
          ReturnValues: "ALL_OLD",
        },
      ),
    );

  return {
    async claimEvent(eventKey, by, held, signal) {
      let old = await takeClaim(eventKey, by, held, signal);
      if (!old) {
        // Refused: a consistent read tells ours (the SDK retried a write whose first attempt was
        // applied and answered too late), another's and done, another's and live, or gone since.
        const now = await read(eventItem(eventKey), signal);
        if (now?.tok?.S === by.token) old = { heldIn: now.wasIn ?? S("") };
        else if (now?.done?.BOOL === true) return "duplicate";
        else if (now && Number(now.claimedAt?.N ?? 0) >= by.staleBeforeMs) return "busy";
        // Released or gone stale since the refusal: one more try, and a refusal then waits for SQS.
        else old = await takeClaim(eventKey, by, held, signal);
        if (!old) return "busy";
      }
      // A stale claim of an event that was held for a digest: its entry there is the proof it was
      // notified, once that digest is scheduled or sent (a flush will list it).
      const was = old.heldIn?.S;
      if (was) {
        const bucket = await read(key(was), signal);
        if (bucket?.[ENTRY + eventKey] && (bucket.scheduled?.BOOL === true || bucket.sent)) {
          await update(eventItem(eventKey), "SET done = :yes, heldIn = wasIn", { ":yes": TRUE }, signal);
          return "duplicate";
        }
      }
      return "claimed";
    },
    async markEventDone(eventKey, nowMs, signal) {
      // Published alone: held nowhere, so no digest lists it (see claimFlush). Idempotent. The item
      // may be new (its claim's answer never came): it expires like a claim.
      await update(
        eventItem(eventKey),
        "SET done = :yes, expiresAt = if_not_exists(expiresAt, :exp) REMOVE heldIn, wasIn",
        { ":yes": TRUE, ":exp": expiry(nowMs, EVENT_TTL_SECONDS) },
        signal,
      );
    },
    async releaseEvent(eventKey, token, signal) {
      // Only this delivery's own claim: another's may be about to publish.
      await applied(
        client.send(
          new sdk.DeleteItemCommand({
            TableName,
            Key: eventItem(eventKey),
            ConditionExpression: "done = :no AND tok = :tok",
            ExpressionAttributeValues: { ":no": FALSE, ":tok": S(token) },
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
    async noteActivity(accountId, bucket, by, signal) {
      // The note keeps the bucket it replaced and its writer's token. A retry of a note whose first
      // attempt was applied is refused (same token), and the read gives back what that attempt
      // replaced: a retried note never sees itself as earlier activity.
      // Relies on UPDATED_OLD returning every attribute the update names even when its value did not
      // change (lastBucket, set again to the same bucket mid-storm), as DynamoDB does (and dynalite);
      // an emulator that returns only changed values makes every event look like a burst's first.
      const out = await applied(
        update(
          activityKey(accountId),
          "SET prevBucket = if_not_exists(lastBucket, :none), lastBucket = :b, noteTok = :tok, expiresAt = :exp",
          {
            ":b": N(bucket),
            ":none": N(-1),
            ":tok": S(by.token),
            ":exp": expiry(by.nowMs, BUCKET_TTL_SECONDS),
          },
          signal,
          {
            ConditionExpression: "attribute_not_exists(noteTok) OR noteTok <> :tok",
            ReturnValues: "UPDATED_OLD",
          },
        ),
      );
      let last = out?.lastBucket?.N;
      if (!out) {
        const now = await read(activityKey(accountId), signal);
        // Noted again by another since: what our note replaced is lost; say "none" (alone), never
        // "ours" (a digest that might not come).
        last = now?.noteTok?.S === by.token ? now.prevBucket?.N : undefined;
      }
      return last === undefined || Number(last) < 0 ? undefined : Number(last);
    },
    async unnoteActivity(accountId, previous, token, signal) {
      const none = previous === undefined;
      await applied(
        update(
          activityKey(accountId),
          `${none ? "REMOVE lastBucket, noteTok" : "SET lastBucket = :p REMOVE noteTok"}`,
          { ":tok": S(token), ...(none ? {} : { ":p": N(previous) }) },
          signal,
          { ConditionExpression: "noteTok = :tok" },
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
