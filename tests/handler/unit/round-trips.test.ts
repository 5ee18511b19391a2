// Round trips before the alert (issue 15 §1), on a local DynamoDB whose every call answers late: the
// first failed sign-in of an account is published after one state round trip (its write and its
// count go side by side), and mid-storm an event is held after one (its claim and its hold do). And
// a late copy of an old event is no new activity: it must not send the account's next event to a
// digest.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDynamoStore } from "../../../handler/state/dynamoStore";
import { createNotifier } from "../../../handler/notifier";
import { type PublishInput } from "../../../handler/support/deps";
import type { FlushRequest } from "../../../handler/records";
import { startFakeDynamo, type FakeDynamo } from "../../../testkit/fakeDynamo";
import { slowClient } from "../../../testkit/slowDynamo";
import { rootEventBody } from "../../../testkit/burst";

const TABLE = "round-trip-state";
/** Each state call's delay: large beside dynalite's own time, even on a loaded machine, so round trips can be counted. */
const RTT_MS = 400;

let dynamo: FakeDynamo;
beforeAll(async () => {
  dynamo = await startFakeDynamo();
  await dynamo.createTable(TABLE);
});
afterAll(async () => dynamo?.close());

/** A notifier on the slow table: what it published, when, and a clock the test moves. */
function setUp(store = createDynamoStore(TABLE, slowClient(dynamo.client, RTT_MS).client)) {
  const clock = { now: Date.parse("2026-11-21T12:00:10Z") };
  const sent: { at: number; doc: Record<string, any> }[] = [];
  const scheduled: FlushRequest[] = [];
  const logs: Record<string, unknown>[] = [];
  const notifier = createNotifier({
    topicArn: "arn:aws:sns:us-east-1:222222222222:alerts",
    publish: async (m: PublishInput) =>
      void sent.push({ at: performance.now(), doc: JSON.parse(JSON.parse(m.message).default) }),
    lookupAccountName: async () => "prod-payments",
    log: (l) => void logs.push(l),
    now: () => new Date(clock.now),
    store,
    scheduleFlush: async (request) => void scheduled.push(request),
    statePhaseCapMs: 10 * RTT_MS,
  });
  const handle = async (fixture: string, account: string, id: string) => {
    const t0 = performance.now();
    const body = rootEventBody(fixture, account, id, clock.now);
    await notifier.handle({ Records: [{ messageId: `m-${id}`, body }] });
    return { t0, ms: performance.now() - t0 };
  };
  const flush = (r: FlushRequest) =>
    notifier.handle({ Records: [{ messageId: `f-${r.bucket}`, body: JSON.stringify(r) }] });
  return { clock, sent, scheduled, logs, handle, flush, store };
}

const slowStore = () => {
  const slow = slowClient(dynamo.client, RTT_MS);
  slow.ctl.slow = true;
  return createDynamoStore(TABLE, slow.client);
};

describe("round trips before the alert, every state call answering late", () => {
  it("publishes an account's first failed sign-in after one state round trip", async () => {
    const n = setUp(slowStore());
    const { t0 } = await n.handle("root-consolelogin-failure.json", "101010101010", "fail-1");
    expect(n.sent.map((s) => s.doc.event.id)).toEqual(["fail-1"]);
    // One round trip and dynalite's own time; two would be 2 x RTT_MS.
    expect((n.sent[0]?.at ?? Infinity) - t0).toBeLessThan(1.6 * RTT_MS);
  }, 20_000);

  it("mid-storm, holds an event for the digest after one state round trip", async () => {
    const n = setUp(slowStore());
    const acct = "202020202020";
    await n.handle("root-readonly-listaccesskeys.json", acct, "storm-1"); // alone: first of the burst
    await n.handle("root-readonly-listaccesskeys.json", acct, "storm-2"); // held; schedules the flush
    const third = await n.handle("root-readonly-listaccesskeys.json", acct, "storm-3");
    expect(n.sent.map((s) => s.doc.event.id)).toEqual(["storm-1"]);
    expect(third.ms).toBeLessThan(1.6 * RTT_MS);
    expect(n.scheduled).toHaveLength(1);
    await n.flush(n.scheduled[0] as FlushRequest);
    const digest = n.sent.find((s) => s.doc.kind === "digest")?.doc;
    expect(digest?.events.map((e: { eventId: string }) => e.eventId)).toEqual(["storm-2", "storm-3"]);
  }, 20_000);
});

describe("a late copy of an event", () => {
  it("is a duplicate, and the account's next real event is still the first of its burst", async () => {
    const acct = "303030303030";
    const n = setUp();
    await n.handle("root-readonly-listaccesskeys.json", acct, "late-1");
    // Ten minutes on, EventBridge delivers a copy; then the account's next real event.
    n.clock.now += 10 * 60_000;
    await n.handle("root-readonly-listaccesskeys.json", acct, "late-1");
    await n.handle("root-readonly-listaccesskeys.json", acct, "late-2");
    expect(n.sent.map((s) => s.doc.event.id)).toEqual(["late-1", "late-2"]);
    // A container that never saw the copy judges the same from the table.
    const other = setUp();
    other.clock.now = n.clock.now;
    await other.handle("root-readonly-listaccesskeys.json", "404040404040", "late-3");
    other.clock.now += 10 * 60_000;
    await other.handle("root-readonly-listaccesskeys.json", "404040404040", "late-3");
    const fresh = setUp();
    fresh.clock.now = other.clock.now;
    await fresh.handle("root-readonly-listaccesskeys.json", "404040404040", "late-4");
    expect(fresh.sent.map((s) => s.doc.event.id)).toEqual(["late-4"]);
    expect(n.scheduled).toEqual([]);
  }, 20_000);

  it("stays a duplicate when its note cannot be taken back, and says so", async () => {
    const real = createDynamoStore(TABLE, dynamo.client);
    const store = { ...real, unnoteActivity: async () => Promise.reject(new Error("throttled")) };
    const n = setUp(store);
    await n.handle("root-readonly-listaccesskeys.json", "505050505050", "undo-1");
    n.clock.now += 10 * 60_000;
    await n.handle("root-readonly-listaccesskeys.json", "505050505050", "undo-1");
    expect(n.sent.map((s) => s.doc.event.id)).toEqual(["undo-1"]);
    expect(n.logs).toContainEqual(
      expect.objectContaining({
        msg: "could not take back a late copy's activity note",
        error: expect.stringContaining("throttled"),
      }),
    );
    expect(n.logs.some((l) => l.msg === "duplicate delivery; already notified")).toBe(true);
  }, 20_000);
});
