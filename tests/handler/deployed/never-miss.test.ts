// G1 "every event named" on the deployed notifier (issue 21): the `__index.js` the real program
// builds, fed batches of 10 as the event source mapping feeds it, with its state table on dynalite
// behind a proxy that applies each write at once and holds its answer back. The SDK's own request
// timeout and retry run unchanged: a retried conditional write meets the item its first attempt
// wrote. Every event of a burst must be in a published message or reported as a batch item failure.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  batchesOf,
  burstOf,
  docOf,
  missing,
  namedIn,
  sqsRecords,
  type BurstEvent,
} from "../../../testkit/burst";
import { fakeAwsEnv, startFakeAws } from "../../../testkit/fakeAws";
import { startFakeDynamo, type FakeDynamo } from "../../../testkit/fakeDynamo";
import { createSandbox, type InvocationResult, type Sandbox } from "../../../testkit/lambdaSandbox";
import {
  everyAnswerLate,
  firstAttemptLate,
  startLateDynamo,
  type LatePolicy,
} from "../../../testkit/lateDynamo";
import { runExampleHub } from "../../../testkit/program";

const TOPIC_ARN = "arn:aws:sns:us-east-1:222222222222:alerts-abc1234";
const ACCOUNT = "111122223333";

let sandbox: Sandbox;
let dynamo: FakeDynamo;
let tables = 0;
beforeAll(async () => {
  sandbox = createSandbox((await runExampleHub()).code);
  dynamo = await startFakeDynamo();
});
afterAll(async () => dynamo?.close());

const failedIdsOf = (results: InvocationResult[]): string[] =>
  results.flatMap((r) => {
    if ("error" in r) throw new Error(`an invocation failed as a whole: ${r.error}`);
    return ((r.ok as { batchItemFailures?: { itemIdentifier: string }[] })?.batchItemFailures ?? []).map(
      (f) => f.itemIdentifier,
    );
  });

/**
 * Runs `events` through the deployed notifier in batches of 10 (one container, as a warm Lambda),
 * then delivers the digest flushes it scheduled (again while SQS would: failed flushes come back).
 * Returns what was published and which events' records were reported failed.
 */
async function run(events: BurstEvent[], policy: LatePolicy) {
  const table = `never-miss-${++tables}`;
  await dynamo.createTable(table);
  const late = await startLateDynamo(dynamo.url, policy);
  const fake = await startFakeAws();
  try {
    const env = {
      ...fakeAwsEnv(fake.url),
      AWS_ENDPOINT_URL_DYNAMODB: late.url,
      TOPIC_ARN,
      STATE_TABLE: table,
      EVENT_QUEUE_URL: `${fake.url}/222222222222/events-abc1234`,
    };
    const records = sqsRecords(events.map((e) => e.body));
    const idOf = Object.fromEntries(records.map((r, i) => [r.messageId, events[i]?.id]));
    const failed = failedIdsOf(await sandbox.invoke(batchesOf(records), env)).map((m) => String(idOf[m]));
    // Flush messages, as SQS delivers them after their delay; a failed one is delivered again.
    const delivered = new Set<string>();
    for (let round = 0; round < 5; round++) {
      const due = fake.requests
        .filter((r) => r.service === "sqs" && r.operation === "SendMessage")
        .map((r) => String(r.params.MessageBody))
        .filter((b) => !delivered.has(b));
      if (due.length === 0) break;
      const flushRecords = sqsRecords(due);
      const again = new Set(failedIdsOf(await sandbox.invoke(batchesOf(flushRecords), env)));
      for (const r of flushRecords) if (!again.has(r.messageId)) delivered.add(r.body);
    }
    const docs = fake.requests
      .filter((r) => r.service === "sns" && r.operation === "Publish")
      .map((r) => docOf(String(r.params.Message)));
    return { docs, failed: new Set(failed), stateRequests: late.requests.length };
  } finally {
    await late.close();
    await fake.close();
  }
}

describe.concurrent("every event of a burst is named, whatever the state store's latency", () => {
  // The state client's request timeout is 800 ms with 2 attempts, the state phase's cap 3 s.
  for (const ms of [250, 550, 700, 800, 1050, 1600, 2500]) {
    it(`every state answer ${ms} ms late`, async () => {
      const events = burstOf(ACCOUNT, 20, [7, 13], Date.now(), `late${ms}`);
      const { docs, failed } = await run(events, everyAnswerLate(ms));
      expect(missing(events, docs, failed)).toEqual([]);
      // Criticals go out during the invocation that carries them, alone (G3).
      const { alone } = namedIn(docs);
      for (const e of events.filter((x) => x.critical)) expect(alone).toContain(e.id);
    });
  }
  for (const ms of [1000, 2000]) {
    it(`a latency spike: each request's first answer ${ms} ms late, the SDK's retry answered at once`, async () => {
      const events = burstOf(ACCOUNT, 20, [7, 13], Date.now(), `spike${ms}`);
      const { docs, failed } = await run(events, firstAttemptLate(ms));
      expect(missing(events, docs, failed)).toEqual([]);
      const { alone } = namedIn(docs);
      for (const e of events.filter((x) => x.critical)) expect(alone).toContain(e.id);
    });
  }
});

describe("a healthy store still bounds a storm", () => {
  it("200 events of one account in batches of 10: at most 7 messages, naming all 200, each once", async () => {
    const events = burstOf(ACCOUNT, 200, [50, 150], Date.now(), "storm");
    const { docs, failed } = await run(events, everyAnswerLate(0));
    expect(failed.size).toBe(0);
    expect(missing(events, docs, failed)).toEqual([]);
    expect(docs.length).toBeLessThanOrEqual(7);
    const { alone, digests } = namedIn(docs);
    expect(alone).toContain(events[0]?.id);
    expect(alone).toContain("storm-50");
    expect(alone).toContain("storm-150");
    // G4: nothing named twice; G2: at most one digest per account and window.
    const all = [...alone, ...digests.flatMap((d) => d.ids)];
    expect(new Set(all).size).toBe(all.length);
    const windows = digests.map((d) => `${d.account}@${d.window}`);
    expect(new Set(windows).size).toBe(windows.length);
  });
});
