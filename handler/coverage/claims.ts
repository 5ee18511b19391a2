// At most one update per account, stack and window, through the hub's state table: a conditional
// write claims the (account, stack, window) before the trigger runs. The claim carries a token that
// is the same for every delivery of one event (its EventBridge ID), so a write the SDK retried
// after its first attempt had landed, or an SQS redelivery of the same event, finds its own claim
// and carries on where it stopped, while a second event (CreateAccountResult and then
// AccountJoinedOrganization for one account) finds another's and starts nothing. The SDK module is
// passed in (lambda.ts requires it lazily).
import type * as Dynamo from "@aws-sdk/client-dynamodb";

/** Keys of the coverage function's items all start so (its role may touch no other item). */
export const CLAIM_KEY_PREFIX = "coverage#";
/** One update per account and stack within this window. */
export const CLAIM_WINDOW_MS = 60 * 60_000;

type Sdk = Pick<
  typeof Dynamo,
  "PutItemCommand" | "GetItemCommand" | "UpdateItemCommand" | "DeleteItemCommand"
>;
type Client = Pick<Dynamo.DynamoDBClient, "send">;

export interface ClaimKey {
  accountId?: string;
  stack: string;
  now: Date;
}

export type ClaimResult =
  /** Ours: start the update. */
  | { status: "claimed" }
  /** Ours from an earlier attempt that started nothing yet: start it. */
  | { status: "resumed" }
  /** Ours, and the update was started: nothing to do. */
  | { status: "done"; deploymentId?: string }
  /** Another event's: nothing to do. */
  | { status: "taken"; deploymentId?: string };

type Item = Record<string, Dynamo.AttributeValue>;

function keyOf(k: ClaimKey): Item {
  const window = Math.floor(k.now.getTime() / CLAIM_WINDOW_MS) * CLAIM_WINDOW_MS;
  return {
    pk: { S: `${CLAIM_KEY_PREFIX}${k.accountId ?? "unknown"}#${k.stack}` },
    sk: { S: `window#${new Date(window).toISOString()}` },
  };
}

function isConditionFailure(err: unknown): err is { name: string; Item?: Item } {
  return (err as { name?: string } | null)?.name === "ConditionalCheckFailedException";
}

export interface Claims {
  claim(k: ClaimKey, token: string): Promise<ClaimResult>;
  /** Records the started update on our claim. */
  started(k: ClaimKey, token: string, deploymentId?: string): Promise<void>;
  /** Gives our claim back (the trigger failed), so a retry can claim it again. */
  release(k: ClaimKey, token: string): Promise<void>;
}

export function createClaims(table: string, client: Client, sdk: Sdk): Claims {
  async function existing(key: Item, fromError: Item | undefined): Promise<Item | undefined> {
    if (fromError) return fromError;
    const out = await client.send(
      new sdk.GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }),
    );
    return out.Item;
  }
  async function claim(k: ClaimKey, token: string, again = true): Promise<ClaimResult> {
    const key = keyOf(k);
    // The claim outlives its window by a day, then the table's TTL removes it.
    const expiresAt = Math.floor((k.now.getTime() + CLAIM_WINDOW_MS) / 1000) + 86_400;
    try {
      await client.send(
        new sdk.PutItemCommand({
          TableName: table,
          Item: { ...key, token: { S: token }, state: { S: "claimed" }, expiresAt: { N: String(expiresAt) } },
          ConditionExpression: "attribute_not_exists(pk)",
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        }),
      );
      return { status: "claimed" };
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      const item = await existing(key, err.Item);
      // Gone since (released by its owner, or expired): one more try decides.
      if (!item) {
        if (again) return claim(k, token, false);
        throw new Error(`the coverage claim ${key.pk?.S} keeps changing; SQS will retry`, { cause: err });
      }
      const deploymentId = item.deploymentId?.S;
      const dep = deploymentId ? { deploymentId } : {};
      if (item.token?.S !== token) return { status: "taken", ...dep };
      return item.state?.S === "started" ? { status: "done", ...dep } : { status: "resumed" };
    }
  }
  return {
    claim: (k, token) => claim(k, token),
    async started(k, token, deploymentId) {
      await client.send(
        new sdk.UpdateItemCommand({
          TableName: table,
          Key: keyOf(k),
          UpdateExpression: deploymentId ? "SET #s = :s, deploymentId = :d" : "SET #s = :s",
          ConditionExpression: "#t = :t",
          ExpressionAttributeNames: { "#s": "state", "#t": "token" },
          ExpressionAttributeValues: {
            ":s": { S: "started" },
            ":t": { S: token },
            ...(deploymentId ? { ":d": { S: deploymentId } } : {}),
          },
        }),
      );
    },
    async release(k, token) {
      try {
        await client.send(
          new sdk.DeleteItemCommand({
            TableName: table,
            Key: keyOf(k),
            ConditionExpression: "#t = :t",
            ExpressionAttributeNames: { "#t": "token" },
            ExpressionAttributeValues: { ":t": { S: token } },
          }),
        );
      } catch (err) {
        // Someone else's by now, or already gone: nothing of ours to give back.
        if (!isConditionFailure(err)) throw err;
      }
    },
  };
}
