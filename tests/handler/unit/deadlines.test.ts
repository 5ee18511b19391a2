// Deadlines that cancel: a state store that answers slowly, after the state phase's cap (not one that
// is down). The notifier sends the alert on its own at the cap; the work it gave up on must stop
// there and write nothing, or the event could also be listed in a digest, or be claimed twice.
import * as fs from "node:fs";
import * as path from "node:path";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDynamoStore } from "../../../handler/state/dynamoStore";
import { createNotifier } from "../../../handler/notifier";
import { type PublishInput } from "../../../handler/support/deps";
import type { FlushRequest } from "../../../handler/records";
import { startFakeDynamo, type FakeDynamo } from "../../../testkit/fakeDynamo";
import { slowClient } from "../../../testkit/slowDynamo";
import { TESTS_DIR } from "../../../testkit/paths";

const TABLE = "deadline-state";
const ACCOUNT = "123412341234";
const load = (file: string): Record<string, any> =>
  JSON.parse(fs.readFileSync(path.join(TESTS_DIR, "fixtures", file), "utf8"));

let dynamo: FakeDynamo;
beforeAll(async () => {
  dynamo = await startFakeDynamo();
  await dynamo.createTable(TABLE);
});
afterAll(async () => dynamo?.close());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function readOnlyEvent(id: string, at: number): string {
  const base = load("root-readonly-listaccesskeys.json");
  return JSON.stringify({
    ...base,
    id: `env-${id}`,
    detail: {
      ...base.detail,
      recipientAccountId: ACCOUNT,
      eventID: id,
      eventTime: new Date(at).toISOString(),
    },
  });
}

describe("a state store slower than the state phase's cap", () => {
  it("sends the alert alone at the cap, and the abandoned work writes nothing afterwards", async () => {
    const CAP_MS = 150;
    const { client, ctl } = slowClient(dynamo.client, 400);
    const clock = Date.parse("2026-11-21T12:00:10Z");
    const sent: PublishInput[] = [];
    const scheduled: FlushRequest[] = [];
    const logs: Record<string, unknown>[] = [];
    const notifier = createNotifier({
      topicArn: "arn:aws:sns:us-east-1:222222222222:alerts",
      publish: async (m) => void sent.push(m),
      lookupAccountName: async () => "prod-payments",
      log: (l) => logs.push(l),
      now: () => new Date(clock),
      store: createDynamoStore(TABLE, client),
      scheduleFlush: async (request) => void scheduled.push(request),
      statePhaseCapMs: CAP_MS,
    });
    const record = (id: string) => ({ Records: [{ messageId: `m-${id}`, body: readOnlyEvent(id, clock) }] });
    const docs = () => sent.map((m) => JSON.parse(JSON.parse(m.message).default) as Record<string, any>);

    // The first event of the burst goes out alone at normal speed.
    await notifier.handle(record("slow-1"));
    expect(docs().map((d) => d.event.id)).toEqual(["slow-1"]);

    // The second would be held for a digest, but every state call answers after the cap.
    ctl.slow = true;
    const t0 = Date.now();
    await notifier.handle(record("slow-2"));
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(docs().map((d) => d.event.id)).toEqual(["slow-1", "slow-2"]);
    expect(logs.some((l) => l.msg === "state store failed; sending the alert on its own")).toBe(true);

    // Long after the late answers would have come: nothing was written for the abandoned work.
    const callsAtReturn = ctl.calls;
    await sleep(2000);
    ctl.slow = false;
    expect(ctl.calls).toBe(callsAtReturn);
    expect(ctl.abortedCalls).toBeGreaterThan(0);
    expect(scheduled).toEqual([]);
    const claim = await dynamo.client.send(
      new GetItemCommand({
        TableName: TABLE,
        Key: { pk: { S: `event#${ACCOUNT}#slow-2` }, sk: { S: "-" } },
        ConsistentRead: true,
      }),
    );
    // Only the mark that the event was published alone (it expires like any claim): the abandoned
    // claim, hold and schedule wrote nothing.
    expect(claim.Item).toEqual({
      pk: { S: `event#${ACCOUNT}#slow-2` },
      sk: { S: "-" },
      done: { BOOL: true },
      expiresAt: { N: expect.any(String) },
    });

    // A flush of the minute, were one to arrive, lists nothing: the event was sent alone already.
    const bucket = Math.floor(clock / 60_000);
    await notifier.handle({
      Records: [
        {
          messageId: "f",
          body: JSON.stringify({ rootActivityMonitor: "digest-flush", accountId: ACCOUNT, bucket }),
        },
      ],
    });
    expect(docs().filter((d) => d.kind === "digest")).toEqual([]);
    expect(docs().map((d) => d.event.id)).toEqual(["slow-1", "slow-2"]);
  }, 20_000);
});
