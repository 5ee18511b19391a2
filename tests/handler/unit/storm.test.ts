// Storm control over simulated time: the notifier core with the real DynamoDB store (on dynalite) and
// a clock the test moves. 200 root events in 2 minutes in one account must give one alert at once,
// every critical at once, about one digest per minute, and every event in exactly one message.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDynamoStore } from "../../../handler/state/dynamoStore";
import { createNotifier } from "../../../handler/notifier";
import { type PublishInput } from "../../../handler/support/deps";
import type { FlushRequest } from "../../../handler/records";
import { startFakeDynamo, type FakeDynamo } from "../../../testkit/fakeDynamo";
import { TESTS_DIR } from "../../../testkit/paths";

const FIXTURES = path.join(TESTS_DIR, "fixtures");
const load = (file: string): Record<string, any> =>
  JSON.parse(fs.readFileSync(path.join(FIXTURES, file), "utf8"));

let dynamo: FakeDynamo;
beforeAll(async () => {
  dynamo = await startFakeDynamo();
  await dynamo.createTable("storm-state");
});
afterAll(async () => dynamo?.close());

describe("storm control over two simulated minutes", () => {
  it("200 events: first at once, criticals at once, one digest per minute, nothing dropped", async () => {
    const ACCOUNT = "123412341234";
    const start = Date.parse("2026-11-21T12:00:10Z");
    let clock = start;
    const sent: PublishInput[] = [];
    const scheduled: { request: FlushRequest; dueAt: number }[] = [];
    const notifier = createNotifier({
      topicArn: "arn:aws:sns:us-east-1:222222222222:alerts",
      publish: async (m) => {
        sent.push(m);
      },
      lookupAccountName: async () => "prod-payments",
      log: () => undefined,
      now: () => new Date(clock),
      store: createDynamoStore("storm-state", dynamo.client),
      scheduleFlush: async (request, delaySeconds) => {
        scheduled.push({ request, dueAt: clock + delaySeconds * 1000 });
      },
    });
    const docs = () => sent.map((m) => JSON.parse(JSON.parse(m.message).default) as Record<string, any>);
    /** Delivers every flush message that is due, as SQS would after its delay. */
    const deliverDue = async () => {
      const due = scheduled.filter((s) => s.dueAt <= clock);
      scheduled.splice(0, scheduled.length, ...scheduled.filter((s) => s.dueAt > clock));
      for (const s of due)
        await notifier.handle({ Records: [{ messageId: "f", body: JSON.stringify(s.request) }] });
    };

    const ids: string[] = [];
    const firstMessageAt: Record<string, number> = {};
    for (let i = 0; i < 200; i++) {
      clock = start + i * 600; // 200 events over 120 s
      await deliverDue();
      const critical = i === 50 || i === 150;
      const base = load(
        critical ? "root-createaccesskey-noinvokedby.json" : "root-readonly-listaccesskeys.json",
      );
      const id = `ev-${i}`;
      ids.push(id);
      const before = sent.length;
      await notifier.handle({
        Records: [
          {
            messageId: `m-${i}`,
            body: JSON.stringify({
              ...base,
              detail: {
                ...base.detail,
                recipientAccountId: ACCOUNT,
                eventID: id,
                eventTime: new Date(clock).toISOString(),
              },
            }),
          },
        ],
      });
      if (sent.length > before) firstMessageAt[id] = clock;
    }
    clock = start + 200 * 600 + 70_000;
    await deliverDue();
    expect(scheduled).toHaveLength(0);

    const all = docs();
    const alone = all.filter((d) => d.kind === "alert").map((d) => d.event.id as string);
    const digests = all.filter((d) => d.kind === "digest");
    // The first event and both criticals went out on their own, the moment they were handled.
    expect(alone).toEqual(["ev-0", "ev-50", "ev-150"]);
    expect(firstMessageAt["ev-0"]).toBe(start);
    expect(firstMessageAt["ev-50"]).toBe(start + 50 * 600);
    // The burst spans 3 clock minutes (12:00:10 to 12:02:09): at most one digest per minute.
    const windows = digests.map((d) => d.window.start as string);
    expect(new Set(windows).size).toBe(windows.length);
    expect(digests.length).toBe(3);
    // Every event is in exactly one message.
    const listed = digests.flatMap((d) => (d.events as { eventId: string }[]).map((e) => e.eventId));
    expect([...alone, ...listed].sort()).toEqual([...ids].sort());
  }, 60_000);
});
