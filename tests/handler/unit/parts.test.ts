// The notifier's parts on their own: the deadline, the SQS batch, the publisher's SNS request, the
// account-name cache, and the DynamoDB store's digest holding and stale re-claims (on dynalite).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccountNames } from "../../../handler/alerts/accountNames";
import type { Alert } from "../../../handler/alerts/alertModel";
import { withDeadline } from "../../../handler/support/deadline";
import { kitOf } from "../../../handler/support/deps";
import { createDynamoStore } from "../../../handler/state/dynamoStore";
import { publishInput } from "../../../handler/publish/publisher";
import { processBatch } from "../../../handler/event/sqsBatch";
import { digestEntry } from "../../../testkit/burst";
import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { startFakeDynamo, type FakeDynamo } from "../../../testkit/fakeDynamo";

describe("withDeadline", () => {
  it("aborts the work's signal at the cap, and when the work is over", async () => {
    let seen: AbortSignal | undefined;
    await expect(
      withDeadline(20, "slow", (signal) => ((seen = signal), new Promise<never>(() => undefined))),
    ).rejects.toThrow(/slow did not finish within 20 ms/);
    expect(seen?.aborted).toBe(true);
    await expect(withDeadline(1000, "quick", async (signal) => ((seen = signal), 7))).resolves.toBe(7);
    expect(seen?.aborted).toBe(true);
  });
});

describe("processBatch", () => {
  it("reports only the failed records, and fails the batch when one cannot be named", async () => {
    const logs: Record<string, unknown>[] = [];
    const fail = async (r: unknown) => {
      if ((r as { body?: string }).body === "bad") throw new Error("nope");
    };
    const event = {
      Records: [
        { messageId: "a", body: "ok" },
        { messageId: "b", body: "bad" },
      ],
    };
    await expect(processBatch(event as never, fail, (l) => logs.push(l))).resolves.toEqual({
      batchItemFailures: [{ itemIdentifier: "b" }],
    });
    expect(logs).toMatchObject([{ level: "error", sqsMessageId: "b" }]);
    await expect(
      processBatch({ Records: [{ body: "bad" }] } as never, fail, () => undefined),
    ).rejects.toThrow(/without a messageId/);
  });
});

describe("publishInput", () => {
  it("gives SNS a valid subject and attributes without lone surrogates", () => {
    const alert = {
      subject: "  $[HIGH] Root x",
      attributes: { kind: "alert", eventName: "a\ud800b", region: ["x\udc00"] },
    } as unknown as Alert;
    const msg = publishInput("arn:aws:sns:us-east-1:111111111111:t", alert, "{}");
    expect(msg.subject).toBe("[HIGH] Root x");
    expect(msg.attributes).toEqual({ kind: "alert", eventName: "a\ufffdb", region: ["x\ufffd"] });
  });
});

describe("account names", () => {
  it("asks once per account while a lookup is in flight, then serves the cache", async () => {
    const asked: string[] = [];
    const names = createAccountNames(
      kitOf({
        topicArn: "t",
        publish: async () => undefined,
        lookupAccountName: async (id) => (asked.push(id), `n-${id}`),
        log: () => undefined,
      }),
    );
    const id = "123456789012";
    expect(await Promise.all([names(id), names(id)])).toEqual([
      { ok: true, name: `n-${id}` },
      { ok: true, name: `n-${id}` },
    ]);
    expect(await names(id)).toEqual({ ok: true, name: `n-${id}` });
    expect(asked).toEqual([id]);
    expect(await names("12")).toMatchObject({ ok: false });
  });
});

describe("DynamoDB store", () => {
  let dynamo: FakeDynamo;
  beforeAll(async () => {
    dynamo = await startFakeDynamo();
    await dynamo.createTable("parts-state");
  });
  afterAll(async () => dynamo?.close());
  const entry = digestEntry;

  /** A delivery of its own: a fresh token, as each SQS delivery gets. */
  const by = (nowMs: number, staleBeforeMs = 0) => ({ token: randomUUID(), nowMs, staleBeforeMs });

  it("holds entries until the flush closes the bucket, then refuses them", async () => {
    const store = createDynamoStore("parts-state", dynamo.client);
    const ref = { accountId: "111122223333", bucket: 7 };
    for (const k of ["k#1", "k#2", "k#3"]) await store.claimEvent(k, by(1000, 0), ref);
    expect(await store.holdForDigest(ref, "k#1", entry("1"), 1000)).toEqual({
      closed: false,
      scheduled: false,
    });
    await store.markScheduled(ref);
    expect(await store.holdForDigest(ref, "k#2", entry("2"), 1000)).toEqual({
      closed: false,
      scheduled: true,
    });
    expect(await store.claimFlush(ref, by(2000, 0))).toEqual([entry("1"), entry("2")]);
    expect(await store.holdForDigest(ref, "k#3", entry("3"), 3000)).toMatchObject({ closed: true });
    expect(await store.claimFlush(ref, by(3000, 0))).toBe("skip");
  });

  it("notes activity per account, and a stale claim of a held event stays a duplicate", async () => {
    const store = createDynamoStore("parts-state", dynamo.client);
    expect(await store.noteActivity("444455556666", 9, by(1000))).toBeUndefined();
    expect(await store.noteActivity("444455556666", 10, by(1000))).toBe(9);
    const ref = { accountId: "444455556666", bucket: 10 };
    expect(await store.claimEvent("held#1", by(1000, 0), ref)).toBe("claimed");
    await store.holdForDigest(ref, "held#1", entry("h1"), 1000);
    await store.markScheduled(ref);
    // Long after: the claim is stale, but its digest entry says it was notified.
    expect(await store.claimEvent("held#1", by(500_000, 400_000), ref)).toBe("duplicate");
    expect(await store.claimEvent("alone#1", by(1000, 0), ref)).toBe("claimed");
    expect(await store.claimEvent("alone#1", by(500_000, 400_000), ref)).toBe("claimed");
  });

  it("lists an entry only while its event's claim is held in that bucket", async () => {
    const store = createDynamoStore("parts-state", dynamo.client);
    const ref = { accountId: "121212121212", bucket: 20 };
    const later = { ...ref, bucket: 21 };
    // held: claimed for this bucket. alone: published alone after its entry was held beside the
    // claim. elsewhere: claimed for the next bucket (a late copy's entry). unclaimed: no claim.
    for (const k of ["held", "alone"]) await store.claimEvent(k, by(1000, 0), ref);
    await store.claimEvent("elsewhere", by(1000, 0), later);
    for (const k of ["held", "alone", "elsewhere", "unclaimed"]) {
      await store.holdForDigest(ref, k, entry(k), 1000);
    }
    await store.markEventDone("alone", 1000);
    expect(await store.claimFlush(ref, by(2000, 0))).toEqual([entry("held")]);
  });

  it("keeps a held event in its bucket's digest when a late copy takes over its stale claim", async () => {
    const store = createDynamoStore("parts-state", dynamo.client);
    const ref = { accountId: "343434343434", bucket: 30 };
    const later = { ...ref, bucket: 32 };
    expect(await store.claimEvent("late", by(1000, 0), ref)).toBe("claimed");
    await store.holdForDigest(ref, "late", entry("late"), 1000);
    await store.markScheduled(ref);
    // The copy arrives after the claim went stale, before the bucket's (retried) flush; mid-storm
    // it held an entry in its own bucket beside the claim.
    expect(await store.claimEvent("late", by(500_000, 400_000), later)).toBe("duplicate");
    await store.holdForDigest(later, "late", entry("late"), 500_000);
    expect(await store.claimFlush(ref, by(501_000, 0))).toEqual([entry("late")]);
    expect(await store.claimFlush(later, by(501_000, 0))).toEqual([]);
  });

  it("flushes a bucket of the layout before issue 15 (a count, an item per entry) with its entries", async () => {
    const store = createDynamoStore("parts-state", dynamo.client);
    const ref = { accountId: "565656565656", bucket: 40 };
    const put = (Item: Record<string, { S: string } | { N: string } | { BOOL: boolean }>) =>
      dynamo.client.send(new PutItemCommand({ TableName: "parts-state", Item }));
    await put({
      pk: { S: "bucket#565656565656#40" },
      sk: { S: "-" },
      n: { N: "2" },
      scheduled: { BOOL: true },
    });
    for (const id of ["old-1", "old-2"]) {
      const { eventId: _, ...rest } = entry(id);
      const attrs = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, { S: v }]));
      await put({ pk: { S: "digest#565656565656#40" }, sk: { S: id }, ...attrs });
    }
    // A new entry held after the deploy, in the same minute.
    await store.claimEvent("new-1", by(1000, 0), ref);
    await store.holdForDigest(ref, "new-1", entry("new-1"), 1000);
    const listed = await store.claimFlush(ref, by(2000, 0));
    expect(listed).toEqual(expect.arrayContaining([entry("old-1"), entry("old-2"), entry("new-1")]));
    expect(listed).toHaveLength(3);
  });
});
