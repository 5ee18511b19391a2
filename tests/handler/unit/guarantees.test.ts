// The notifier's guarantees (handler/README.md) under the shapes production delivers: bursts in
// batches of 10 of one account or several, copies of one event in a batch, a batch delivered again,
// and a state store (dynalite) that is slow, stops at any one call (before the table has it, or after
// it applied it) or is down. Failed records come back as SQS brings them back (after the visibility
// timeout); digest flushes arrive after the burst. Per event:
//  G1 named in a published message, or its record still failing (SQS keeps it); never neither;
//  G2 with a healthy store: at most one digest per account and minute, one non-critical alone;
//  G3 a critical is published alone in the invocation that carries it;
//  G4 never alone twice, nor alone and in a digest, but for an event whose state work failed (the
//     notifier logs it: then it sends alone rather than risk a miss).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { QUEUE_VISIBILITY_TIMEOUT_SECONDS } from "../../../handler/support/budget";
import { createDynamoStore } from "../../../handler/state/dynamoStore";
import { createNotifier } from "../../../handler/notifier";
import type { FlushRequest } from "../../../handler/records";
import {
  batchesOf,
  burstOf,
  docOf,
  missing,
  namedIn,
  sqsRecords,
  type BurstEvent,
  type PublishedDoc,
  type SqsRecord,
} from "../../../testkit/burst";
import { startFakeDynamo, type FakeDynamo } from "../../../testkit/fakeDynamo";
import { faulty, type Fault, type FaultLog } from "../../../testkit/faultyStore";

const TABLE = "guarantees-state";
/** The state phase's cap where the store is healthy: far above dynalite's own time, as on AWS. */
const HEALTHY_CAP_MS = 2000;
/** The cap where calls are stopped or late: short, so the suite stays fast. */
const CAP_MS = 150;

let dynamo: FakeDynamo;
beforeAll(async () => {
  dynamo = await startFakeDynamo();
  await dynamo.createTable(TABLE);
});
afterAll(async () => dynamo?.close());

let runs = 0;
/** 12-digit account IDs no other run uses. */
const freshAccount = () => String(100_000_000_000 + ++runs * 1000 + Math.floor(Math.random() * 1000));

interface Run {
  docs: PublishedDoc[];
  /** Published during the first delivery of the events. */
  firstRound: PublishedDoc[];
  /** Event IDs whose records still fail after the last redelivery. */
  failed: Set<string>;
  log: FaultLog;
  /** The notifier's warnings: a failed state call, with the event it concerned. */
  warnings: string[];
}

/** Delivers `events` as the event source mapping would, then the digests' flushes. */
async function deliver(
  events: BurstEvent[],
  opts: { batchSize?: number; fault?: Fault; againFirstBatch?: boolean; capMs?: number } = {},
): Promise<Run> {
  const cap = opts.capMs ?? HEALTHY_CAP_MS;
  const warnings: string[] = [];
  let clock = Date.parse("2026-11-21T12:00:10Z");
  const docs: PublishedDoc[] = [];
  const scheduled: FlushRequest[] = [];
  const f = faulty(
    createDynamoStore(TABLE, dynamo.client),
    async (r) => void scheduled.push(r),
    opts.fault ?? {},
  );
  const notifier = createNotifier({
    topicArn: "arn:aws:sns:us-east-1:222222222222:alerts",
    publish: async (m) => void docs.push(docOf(m.message)),
    lookupAccountName: async () => "prod-payments",
    log: (l) => void (l.level === "warn" && warnings.push(JSON.stringify(l))),
    now: () => new Date(clock),
    store: f.store,
    scheduleFlush: f.schedule,
    statePhaseCapMs: cap,
    // The flush's client is the patient one: its cap stays above any lateness drawn here.
    flushStateCapMs: cap * 5,
  });
  const handleAll = async (records: SqsRecord[]): Promise<SqsRecord[]> => {
    const failed: string[] = [];
    for (const batch of batchesOf(records, opts.batchSize ?? 10)) {
      const out = await notifier.handle(batch);
      failed.push(...(out?.batchItemFailures ?? []).map((x) => x.itemIdentifier));
    }
    return records.filter((r) => failed.includes(r.messageId));
  };
  const records = sqsRecords(events.map((e) => e.body));
  const idOf = new Map(records.map((r, i) => [r.messageId, events[i]?.id as string]));
  let pending = await handleAll(records);
  if (opts.againFirstBatch) pending.push(...(await handleAll(records.slice(0, opts.batchSize ?? 10))));
  const firstRound = [...docs];
  // Failed records come back after the visibility timeout; flushes after the burst.
  for (let round = 0; round < 3 && pending.length > 0; round++) {
    clock += QUEUE_VISIBILITY_TIMEOUT_SECONDS * 1000;
    pending = await handleAll(pending);
  }
  clock += 120_000;
  for (let round = 0; round < 3 && scheduled.length > 0; round++) {
    const flushes = sqsRecords(scheduled.splice(0).map((r) => JSON.stringify(r)));
    const again = await handleAll(flushes);
    scheduled.push(...again.map((r) => JSON.parse(r.body) as FlushRequest));
    clock += QUEUE_VISIBILITY_TIMEOUT_SECONDS * 1000;
  }
  expect(scheduled, "every flush was delivered").toEqual([]);
  return {
    docs,
    firstRound,
    failed: new Set(pending.map((r) => idOf.get(r.messageId) as string)),
    log: f.log,
    warnings,
  };
}

/** Events whose state work failed (the notifier says so): the only ones G4 may name twice. */
const exempt = (events: BurstEvent[], run: Run) =>
  new Set(events.filter((e) => run.warnings.some((w) => w.includes(e.id))).map((e) => e.id));

function expectG1G3G4(events: BurstEvent[], run: Run) {
  const unique = [...new Map(events.map((e) => [e.id, e])).values()];
  // G1
  expect(missing(unique, run.docs, run.failed), "events in no message and not retried").toEqual([]);
  // G3
  const firstAlone = namedIn(run.firstRound).alone;
  for (const e of unique.filter((x) => x.critical)) expect(firstAlone, `critical ${e.id}`).toContain(e.id);
  // G4
  const { alone, digests } = namedIn(run.docs);
  const free = exempt(events, run);
  const named = [...alone, ...digests.flatMap((d) => d.ids)].filter((id) => !free.has(id));
  const twice = named.filter((id, i) => named.indexOf(id) !== i);
  expect(twice, `named twice (stopped: ${JSON.stringify(run.log.hit)})`).toEqual([]);
}

function expectG2(events: BurstEvent[], run: Run) {
  const { alone, digests } = namedIn(run.docs);
  const windows = digests.map((d) => `${d.account}@${d.window}`);
  expect(new Set(windows).size, "one digest per account and minute").toBe(windows.length);
  const plainAlone = alone.filter((id) => !events.find((e) => e.id === id)?.critical);
  const accounts = new Set(events.map((e) => e.account));
  for (const acct of accounts) {
    const mine = plainAlone.filter((id) => events.find((e) => e.id === id)?.account === acct);
    expect(mine.length, `non-critical events of ${acct} sent alone`).toBeLessThanOrEqual(1);
  }
}

describe("batches as the event source mapping delivers them, healthy store", () => {
  it("20 events of one account in batches of 10: first alone, criticals alone, the rest in one digest", async () => {
    const events = burstOf(freshAccount(), 20, [7, 13]);
    const run = await deliver(events);
    expectG1G3G4(events, run);
    expectG2(events, run);
    expect(run.docs).toHaveLength(4);
  });

  it("three accounts mixed in each batch: each its own first alone and its own digest", async () => {
    const bursts = [0, 1, 2].map((i) => burstOf(freshAccount(), 10, i === 1 ? [4] : []));
    const events = bursts[0]!.flatMap((_, i) => bursts.map((b) => b[i] as BurstEvent));
    const run = await deliver(events);
    expectG1G3G4(events, run);
    expectG2(events, run);
    expect(
      namedIn(run.docs)
        .digests.map((d) => d.account)
        .sort(),
    ).toEqual(bursts.map((b) => b[0]!.account).sort());
  });

  it("the same event twice in one batch: named once; the copy waits for SQS while the first is live", async () => {
    const base = burstOf(freshAccount(), 12, [3]);
    const events = [...base.slice(0, 5), base[0]!, base[3]!, ...base.slice(5)];
    const run = await deliver(events);
    expectG1G3G4(events, run);
    expectG2(base, run);
  });

  it("a batch delivered again: nothing named twice, nothing lost", async () => {
    const events = burstOf(freshAccount(), 20, [2, 15]);
    const run = await deliver(events, { againFirstBatch: true });
    expectG1G3G4(events, run);
    expectG2(events, run);
  });
});

describe("the state phase cut at every point of the state work", () => {
  it("before and after each store call and flush scheduling: every event named, criticals at once", async () => {
    // How many state calls a clean run of this burst makes.
    const clean = await deliver(burstOf(freshAccount(), 20, [7, 13]));
    const points = clean.log.calls.length;
    expect(points).toBeGreaterThan(30);
    const methods = new Set<string>();
    for (let at = 0; at < points; at++) {
      for (const mode of ["before", "after"] as const) {
        const events = burstOf(freshAccount(), 20, [7, 13]);
        const run = await deliver(events, { fault: { at, mode }, capMs: CAP_MS });
        if (run.log.hit) methods.add(run.log.hit.method);
        expectG1G3G4(events, run);
      }
    }
    // Every kind of state call was cut somewhere.
    expect([...methods].sort()).toEqual(
      [
        "claimEvent",
        "claimFlush",
        "holdForDigest",
        "markBucketSent",
        "markEventDone",
        "markScheduled",
        "noteActivity",
        "scheduleFlush",
      ].sort(),
    );
  }, 240_000);

  it("a store that is down: every event alone, none lost", async () => {
    const events = burstOf(freshAccount(), 20, [7, 13]);
    const run = await deliver(events, { fault: { down: true }, capMs: CAP_MS });
    expectG1G3G4(events, run);
    expect(namedIn(run.docs).alone).toHaveLength(20);
  });

  it("a store slower than the cap: every event alone, none lost", async () => {
    const events = burstOf(freshAccount(), 20, [7, 13]);
    const run = await deliver(events, { fault: { lateMs: CAP_MS * 2 }, capMs: CAP_MS });
    expectG1G3G4(events, run);
  });
});

describe("drawn batch shapes, delays and failure points", () => {
  it("G1 always, G2 with a healthy store", async () => {
    const shape = fc.record({
      sizes: fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 3 }),
      criticalEvery: fc.integer({ min: 0, max: 6 }),
      copies: fc.array(fc.nat(), { maxLength: 4 }),
      batchSize: fc.integer({ min: 1, max: 10 }),
      seed: fc.nat(),
      againFirstBatch: fc.boolean(),
      fault: fc.oneof(
        fc.constant<Fault>({}),
        fc.record({ at: fc.nat({ max: 40 }), mode: fc.constantFrom("before" as const, "after" as const) }),
        fc.record({ lateMs: fc.integer({ min: 0, max: CAP_MS * 2 }) }),
        fc.constant<Fault>({ down: true }),
      ),
    });
    await fc.assert(
      fc.asyncProperty(shape, async (s) => {
        const bursts = s.sizes.map((n) =>
          burstOf(
            freshAccount(),
            n,
            s.criticalEvery
              ? Array.from({ length: n }, (_, i) => i).filter((i) => i % s.criticalEvery === 1)
              : [],
          ),
        );
        const all = bursts.flat();
        const copies = s.copies.map((c) => all[c % all.length] as BurstEvent);
        // A deterministic shuffle of the accounts' events and their copies.
        const events = [...all, ...copies]
          .map((e, i) => ({ e, k: (i * 7919 + s.seed) % 1009 }))
          .sort((a, b) => a.k - b.k)
          .map((x) => x.e);
        const f: Fault = s.fault;
        const healthy = f.at === undefined && !f.down && !f.lateMs;
        const run = await deliver(events, {
          batchSize: s.batchSize,
          fault: f,
          againFirstBatch: s.againFirstBatch,
          capMs: healthy ? HEALTHY_CAP_MS : CAP_MS,
        });
        expectG1G3G4(events, run);
        if (healthy) expectG2(all, run);
      }),
      { numRuns: 25 },
    );
  }, 240_000);
});
