// Root activity per account: failed sign-ins in a window, and the minute each account was last
// active (what makes an event the first of its burst).
import { applied, expiry, N, S, type DynamoTable } from "./dynamoTable";
import { BUCKET_TTL_SECONDS, SIGN_IN_FAILURE_TTL_SECONDS, timeKey, type StateStore } from "./stateStore";

export function activityNotes(
  t: DynamoTable,
): Pick<StateStore, "recordSignInFailure" | "noteActivity" | "unnoteActivity"> {
  const { client, sdk, TableName, key, activityKey, opts, update, read, items } = t;
  return {
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
  };
}
