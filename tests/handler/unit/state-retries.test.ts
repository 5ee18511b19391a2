// Every conditional write of the state store, on the notifier's real DynamoDB client settings, against
// an endpoint that applies each write at once and answers late (issue 21 §3). With a spike (each
// request's first answer after the request timeout, the SDK's retry answered at once) the retry meets
// what its own first attempt wrote: each write must reach the decision its first attempt would have.
// With every answer late past the timeout the call fails: "unknown", never "someone else's".
import { randomUUID } from "node:crypto";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STATE_REQUEST_TIMEOUT_MS } from "../../../handler/support/budget";
import { digestEntry } from "../../../testkit/burst";
import { createDynamoStore } from "../../../handler/state/dynamoStore";
import { stateClientConfig } from "../../../handler/lambda";
import type { StateStore } from "../../../handler/state/stateStore";
import { startFakeDynamo, type FakeDynamo } from "../../../testkit/fakeDynamo";
import {
  everyAnswerLate,
  firstAttemptLate,
  startLateDynamo,
  type LateDynamo,
} from "../../../testkit/lateDynamo";

const TABLE = "retry-state";
const SPIKE_MS = STATE_REQUEST_TIMEOUT_MS + 400;
let dynamo: FakeDynamo;
let late: LateDynamo;
let store: StateStore;
/** The same table, answering at once: to set the scene and to read back what happened. */
let direct: StateStore;

beforeAll(async () => {
  dynamo = await startFakeDynamo();
  await dynamo.createTable(TABLE);
  late = await startLateDynamo(dynamo.url, firstAttemptLate(SPIKE_MS));
  const client = new DynamoDBClient({
    ...stateClientConfig(),
    endpoint: late.url,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIAFAKE", secretAccessKey: "fake" },
  });
  store = createDynamoStore(TABLE, client);
  direct = createDynamoStore(TABLE, dynamo.client);
});
afterAll(async () => {
  await late?.close();
  await dynamo?.close();
});

const by = (nowMs = 1_000_000, staleBeforeMs = 0) => ({ token: randomUUID(), nowMs, staleBeforeMs });
const entry = digestEntry;
/** Runs `call` and says how many attempts of `operation` the SDK sent for it. */
async function attempts<T>(operation: string, call: () => Promise<T>): Promise<{ out: T; sent: number[] }> {
  const from = late.requests.length;
  const out = await call();
  const sent = late.requests
    .slice(from)
    .filter((r) => r.operation === operation)
    .map((r) => r.attempt);
  return { out, sent };
}

describe("a spike: the first attempt is applied and answered after the timeout, the retry at once", () => {
  it("a claim's retry meets its own claim: claimed, not a duplicate", async () => {
    const { out, sent } = await attempts("UpdateItem", () =>
      store.claimEvent("acct#spike-1", by(), undefined),
    );
    expect(sent).toEqual([1, 2]);
    expect(out).toBe("claimed");
  });

  it("a stale takeover's retry still finds the held event's digest entry", async () => {
    const ref = { accountId: "111122223333", bucket: 5 };
    expect(await direct.claimEvent("acct#spike-2", by(1000), ref)).toBe("claimed");
    await direct.holdForDigest(ref, "acct#spike-2", entry("spike-2"), 1000);
    await direct.markScheduled(ref);
    // A late copy, after the claim went stale: its entry is the proof, even through the retry.
    const { out, sent } = await attempts("UpdateItem", () =>
      store.claimEvent("acct#spike-2", by(500_000, 400_000), { ...ref, bucket: 9 }),
    );
    expect(sent.slice(0, 2)).toEqual([1, 2]);
    expect(out).toBe("duplicate");
    expect(await direct.claimFlush(ref, by(600_000))).toEqual([entry("spike-2")]);
  });

  it("a note's retry returns what its first attempt replaced, not its own bucket", async () => {
    expect(await direct.noteActivity("222233334444", 40, by())).toBeUndefined();
    const { out, sent } = await attempts("UpdateItem", () => store.noteActivity("222233334444", 41, by()));
    expect(sent).toEqual([1, 2]);
    expect(out).toBe(40);
    const first = await attempts("UpdateItem", () => store.noteActivity("333344445555", 41, by()));
    expect(first.sent).toEqual([1, 2]);
    expect(first.out).toBeUndefined();
  });

  it("taking a note back through a retry puts back the bucket before it", async () => {
    await direct.noteActivity("444455556666", 50, by());
    const w = by();
    expect(await direct.noteActivity("444455556666", 52, w)).toBe(50);
    const { sent } = await attempts("UpdateItem", () => store.unnoteActivity("444455556666", 50, w.token));
    expect(sent).toEqual([1, 2]);
    expect(await direct.noteActivity("444455556666", 53, by())).toBe(50);
  });

  it("a hold's retry is still a hold in an open bucket", async () => {
    const ref = { accountId: "555566667777", bucket: 60 };
    const { out, sent } = await attempts("UpdateItem", () =>
      store.holdForDigest(ref, "acct#h", entry("h"), 1_000_000),
    );
    expect(sent).toEqual([1, 2]);
    expect(out).toEqual({ closed: false, scheduled: false });
  });

  it("a flush claim's retry gets the entries, not 'skip' (which would drop the digest)", async () => {
    const ref = { accountId: "666677778888", bucket: 70 };
    expect(await direct.claimEvent("acct#f", by(1000), ref)).toBe("claimed");
    await direct.holdForDigest(ref, "acct#f", entry("f"), 1000);
    const { out, sent } = await attempts("UpdateItem", () => store.claimFlush(ref, by(2000)));
    expect(sent).toEqual([1, 2]);
    expect(out).toEqual([entry("f")]);
    // Another flush, while this one's claim is live, is refused.
    expect(await direct.claimFlush(ref, by(3000, 0))).toBe("skip");
  });

  it("a release's retry removes only this delivery's own claim", async () => {
    const mine = by();
    expect(await direct.claimEvent("acct#r", mine, undefined)).toBe("claimed");
    const { sent } = await attempts("DeleteItem", () => store.releaseEvent("acct#r", mine.token));
    expect(sent).toEqual([1, 2]);
    expect(await direct.claimEvent("acct#r", by(), undefined)).toBe("claimed");
    // Not another delivery's claim.
    await direct.releaseEvent("acct#r", mine.token);
    expect(await direct.claimEvent("acct#r", by(), undefined)).toBe("busy");
  });
});

describe("the claim's outcomes, one by one", () => {
  it("another's live claim is busy; only a claim marked done is a duplicate", async () => {
    expect(await direct.claimEvent("acct#o", by(), undefined)).toBe("claimed");
    expect(await direct.claimEvent("acct#o", by(), undefined)).toBe("busy");
    await direct.markEventDone("acct#o", 1_000_000);
    expect(await direct.claimEvent("acct#o", by(), undefined)).toBe("duplicate");
  });

  it("an entry in a bucket no flush was scheduled for is no proof: a stale copy claims", async () => {
    const ref = { accountId: "777788889999", bucket: 80 };
    expect(await direct.claimEvent("acct#u", by(1000), ref)).toBe("claimed");
    await direct.holdForDigest(ref, "acct#u", entry("u"), 1000);
    expect(await direct.claimEvent("acct#u", by(500_000, 400_000), ref)).toBe("claimed");
  });
});

describe("every answer later than the request timeout", () => {
  it("fails the call (unknown), never reports a duplicate or a refusal", async () => {
    late.policy = everyAnswerLate(STATE_REQUEST_TIMEOUT_MS + 300);
    try {
      await expect(store.claimEvent("acct#slow", by(), undefined)).rejects.toThrow();
      await expect(store.claimFlush({ accountId: "888899990000", bucket: 1 }, by())).rejects.toThrow();
    } finally {
      late.policy = firstAttemptLate(SPIKE_MS);
    }
    // The write was applied all the same: the item holds a claim nobody was told about.
    expect(await direct.claimEvent("acct#slow", by(), undefined)).toBe("busy");
  });
});
