// Event claims: who notifies an event, whether a copy is a duplicate, and the mark that it went out
// alone. Every conditional write carries its delivery's token (see handler/README.md, G1).
import type { BucketRef } from "../records";
import { applied, expiry, FALSE, N, S, TRUE, type DynamoTable, type Signal } from "./dynamoTable";
import { ENTRY } from "./digestBuckets";
import { EVENT_TTL_SECONDS, type Claimant, type StateStore } from "./stateStore";

export function eventClaims(
  t: DynamoTable,
): Pick<StateStore, "claimEvent" | "markEventDone" | "releaseEvent"> {
  const { client, sdk, TableName, eventItem, bucketPk, key, opts, update, read } = t;
  /** Takes an event's claim when it is free or stale: the attributes it took over, undefined when refused. */
  const takeClaim = (eventKey: string, by: Claimant, held: BucketRef | undefined, signal: Signal) =>
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
  };
}
