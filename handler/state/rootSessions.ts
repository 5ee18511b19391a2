// Root sessions: who opened a session with AssumeRoot, kept under its access key for attribution.
import type { RootSession } from "../records";
import { expiry, S, type DynamoTable } from "./dynamoTable";
import { ROOT_SESSION_TTL_SECONDS, type StateStore } from "./stateStore";

export function rootSessions(t: DynamoTable): Pick<StateStore, "putRootSession" | "getRootSession"> {
  const { client, sdk, TableName, sessionKey, opts } = t;
  return {
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
