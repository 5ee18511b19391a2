// The state table as the store's parts use it: its keys, typed attribute values, and the calls each
// part makes (a conditional update, a consistent read, a consistent query), every one taking the
// deadline's signal. The SDK is required lazily (the Lambda runtime provides it).
import type { AttributeValue, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { BucketRef } from "../records";

export type Item = Record<string, AttributeValue>;
export type Signal = AbortSignal | undefined;
export const S = (v: string): AttributeValue => ({ S: v });
export const N = (v: number): AttributeValue => ({ N: String(v) });
export const TRUE: AttributeValue = { BOOL: true };
export const FALSE: AttributeValue = { BOOL: false };
const ONE = "-";

export function expiry(nowMs: number, ttlSeconds: number): AttributeValue {
  return N(Math.floor(nowMs / 1000) + ttlSeconds);
}

/** Runs a conditional write: the attributes it returned when it was applied, undefined when its condition failed. */
export async function applied(write: Promise<{ Attributes?: Item }>): Promise<Item | undefined> {
  try {
    return (await write).Attributes ?? {};
  } catch (err) {
    if (err instanceof Error && err.name === "ConditionalCheckFailedException") return undefined;
    throw err;
  }
}

export type DynamoTable = ReturnType<typeof dynamoTable>;

export function dynamoTable(TableName: string, client: DynamoDBClient) {
  const sdk = require("@aws-sdk/client-dynamodb") as typeof import("@aws-sdk/client-dynamodb");
  const key = (pk: string, sk = ONE): Item => ({ pk: S(pk), sk: S(sk) });
  const bucketPk = (r: BucketRef) => `bucket#${r.accountId}#${r.bucket}`;
  const opts = (signal: Signal) => ({ abortSignal: signal });
  const update = (
    Key: Item,
    UpdateExpression: string,
    values: Item,
    signal: Signal,
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
  async function* items(condition: string, values: Item, signal: Signal, only?: string) {
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

  return {
    client,
    sdk,
    TableName,
    key,
    eventItem: (eventKey: string) => key(`event#${eventKey}`),
    bucketPk,
    bucketKey: (r: BucketRef) => key(bucketPk(r)),
    activityKey: (acct: string) => key(`activity#${acct}`),
    sessionKey: (accessKeyId: string) => key(`root-session#${accessKeyId}`),
    opts,
    update,
    items,
    /** Sets a flag (scheduled, sent) on an item. */
    flag: (Key: Item, name: string, signal: Signal) =>
      update(Key, `SET ${name} = :yes`, { ":yes": TRUE }, signal),
    /** The item as it is now (a consistent read): what a failed condition met. */
    read: async (Key: Item, signal: Signal): Promise<Item | undefined> =>
      (await client.send(new sdk.GetItemCommand({ TableName, Key, ConsistentRead: true }), opts(signal)))
        .Item,
  };
}
