// The deployed notifier's alerts: the `__index.js` the real program builds, in a fresh process that
// resolves only the AWS SDK, against local SNS/Organizations/SQS/SSM (fakeAws), a local DynamoDB
// (dynalite) and a local webhook. Severity classes, attributes, every protocol body, storm control,
// duplicates and a state store that is down.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { chatSchemaErrors } from "../../../testkit/chatSchema";
import {
  FakeAwsError,
  fakeAwsEnv,
  startFakeAws,
  type FakeAws,
  type RecordedRequest,
} from "../../../testkit/fakeAws";
import { startFakeDynamo, type FakeDynamo } from "../../../testkit/fakeDynamo";
import { createSandbox, type Sandbox } from "../../../testkit/lambdaSandbox";
import { runExampleHub } from "../../../testkit/program";
import { TESTS_DIR } from "../../../testkit/paths";
import { startWebhookServer, type WebhookServer } from "../../../testkit/webhookServer";

const FIXTURES = path.join(TESTS_DIR, "fixtures");
const TOPIC_ARN = "arn:aws:sns:us-east-1:222222222222:alerts-abc1234";
const WEBHOOK_PARAMETER = "/root-activity-monitor/test/webhook-url";
const load = (file: string): Record<string, any> =>
  JSON.parse(fs.readFileSync(path.join(FIXTURES, file), "utf8"));

let sandbox: Sandbox;
let fake: FakeAws;
let dynamo: FakeDynamo;
let webhook: WebhookServer;
let table = "";
let tables = 0;

function env(over: Record<string, string> = {}): Record<string, string> {
  return {
    ...fakeAwsEnv(fake.url),
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
    TOPIC_ARN,
    STATE_TABLE: table,
    EVENT_QUEUE_URL: `${fake.url}/222222222222/events-abc1234`,
    WEBHOOK_PARAMETER,
    WEBHOOK_FORMAT: "slack",
    ...over,
  };
}

const sqs = (envelopes: unknown[], prefix = "m") => ({
  Records: envelopes.map((e, i) => ({
    messageId: `${prefix}-${i}`,
    body: typeof e === "string" ? e : JSON.stringify(e),
    eventSource: "aws:sqs",
  })),
});

interface Published {
  subject: string;
  structure: Record<string, string>;
  doc: Record<string, any>;
  attributes: Record<string, { type: string; value: string }>;
}

/** SNS Publish requests (query protocol), decoded. */
function published(): Published[] {
  return fake.requests
    .filter((r) => r.service === "sns" && r.operation === "Publish")
    .map((r) => {
      const p = r.params as Record<string, string>;
      expect(p.MessageStructure).toBe("json");
      const structure = JSON.parse(p.Message ?? "{}") as Record<string, string>;
      const attributes: Published["attributes"] = {};
      for (let i = 1; p[`MessageAttributes.entry.${i}.Name`]; i++) {
        attributes[p[`MessageAttributes.entry.${i}.Name`] as string] = {
          type: p[`MessageAttributes.entry.${i}.Value.DataType`] as string,
          value: p[`MessageAttributes.entry.${i}.Value.StringValue`] as string,
        };
      }
      return { subject: p.Subject ?? "", structure, doc: JSON.parse(structure.default ?? "{}"), attributes };
    });
}

const flushRequests = (): RecordedRequest[] =>
  fake.requests.filter((r) => r.service === "sqs" && r.operation === "SendMessage");

/** A root event from a fixture, in its own account, with its own event ID. */
function event(file: string, account: string, eventId: string, detail: Record<string, unknown> = {}) {
  const ev = load(file);
  return {
    ...ev,
    id: `env-${eventId}`,
    account,
    detail: { ...ev.detail, recipientAccountId: account, eventID: eventId, ...detail },
  };
}

beforeAll(async () => {
  sandbox = createSandbox((await runExampleHub()).code);
  fake = await startFakeAws();
  dynamo = await startFakeDynamo();
  webhook = await startWebhookServer("secret-token");
}, 240_000);

afterAll(async () => {
  await fake?.close();
  await dynamo?.close();
  await webhook?.close();
});

beforeEach(async () => {
  fake.requests.length = 0;
  webhook.posts.length = 0;
  table = `state-${++tables}`;
  await dynamo.createTable(table);
  fake.on("organizations:DescribeAccount", (params) => {
    const id = String(params.AccountId);
    if (!/^\d{12}$/.test(id)) throw new FakeAwsError("InvalidInputException", "bad id");
    return { Account: { Id: id, Name: `acct-${id.slice(-4)}`, Status: "ACTIVE" } };
  });
  fake.on("sns:Publish", () => `<MessageId>${Math.random().toString(16).slice(2)}</MessageId>`);
  fake.on("ssm:GetParameter", (params) => {
    expect(params).toMatchObject({ Name: WEBHOOK_PARAMETER, WithDecryption: true });
    return { Parameter: { Name: WEBHOOK_PARAMETER, Type: "SecureString", Value: webhook.url, Version: 1 } };
  });
});

describe("deployed notifier: severity, routing attributes and every protocol body", () => {
  const CASES = [
    { file: "root-createaccesskey-noinvokedby.json", severity: "critical", account: "100000000001" },
    { file: "root-passwordupdated.json", severity: "high", account: "100000000002" },
    { file: "root-consolelogin-success-mfa.json", severity: "medium", account: "100000000003" },
    { file: "root-readonly-listaccesskeys.json", severity: "low", account: "100000000004" },
  ];

  it("publishes each class with its attributes, an email text, the JSON document and a valid chat card", async () => {
    const events = CASES.map((c, i) => event(c.file, c.account, `sev-${i}`));
    const [result] = await sandbox.invoke([sqs(events)], env());
    expect(result).toMatchObject({ ok: { batchItemFailures: [] } });
    const sent = published();
    expect(sent).toHaveLength(CASES.length);
    for (const [i, c] of CASES.entries()) {
      const ev = events[i] as Record<string, any>;
      const p = sent.find((s) => s.attributes.accountId?.value === c.account);
      expect(p, c.file).toBeDefined();
      if (!p) continue;
      expect(p.subject).toBe(
        `[${c.severity.toUpperCase()}] Root ${ev.detail.eventName} in acct-${c.account.slice(-4)} (${c.account})`,
      );
      expect(p.attributes).toEqual({
        kind: { type: "String", value: "alert" },
        severity: { type: "String", value: c.severity },
        accountId: { type: "String", value: c.account },
        accountName: { type: "String", value: `acct-${c.account.slice(-4)}` },
        eventName: { type: "String", value: ev.detail.eventName },
        region: { type: "String", value: ev.detail.awsRegion },
        rootAccess: { type: "String", value: "root-credentials" },
      });
      expect(Object.keys(p.structure).sort()).toEqual(["default", "email", "email-json", "https"]);
      expect(p.structure.email).toMatch(new RegExp(`Severity:\\s+${c.severity.toUpperCase()}:`));
      expect(p.structure.email).toContain("WHAT TO DO NOW:");
      expect(p.structure["email-json"]).toBe(p.structure.default);
      expect(p.doc).toMatchObject({
        schema: "root-activity-monitor/alert/v1",
        kind: "alert",
        severity: c.severity,
        account: { id: c.account, name: `acct-${c.account.slice(-4)}` },
        event: { name: ev.detail.eventName, id: `sev-${i}` },
      });
      expect(p.doc.cloudTrailUrl).toContain(`#/events/sev-${i}`);
      const card = JSON.parse(p.structure.https ?? "{}");
      expect(chatSchemaErrors(card)).toEqual([]);
      expect(card.content.title).toContain(`[${c.severity.toUpperCase()}]`);
      expect(card.content.nextSteps.join(" ")).toContain(`#/events/sev-${i}`);
    }
    // The webhook got one Slack post per alert; the URL was read once (cached), decrypted.
    expect(webhook.posts).toHaveLength(CASES.length);
    for (const post of webhook.posts) {
      const body = JSON.parse(post);
      expect(body.text).toMatch(/^\[(CRITICAL|HIGH|MEDIUM|LOW)\] Root /);
      expect(body.blocks[0]).toMatchObject({ type: "header" });
    }
    expect(fake.requests.filter((r) => r.service === "ssm")).toHaveLength(1);
  });

  it("a self-test is labelled [TEST], carries severity test, and never looks like root activity", async () => {
    const test = {
      version: "0",
      id: "selftest-envelope",
      source: "root-activity-monitor.selftest",
      "detail-type": "Root Activity Monitor Self-Test",
      account: "100000000009",
      region: "eu-west-1",
      time: "2026-11-21T09:00:00Z",
      // A forged root identity inside a self-test changes nothing.
      detail: { testId: "t-123", via: "hub", userIdentity: { type: "Root" }, eventName: "CreateAccessKey" },
    };
    const [result] = await sandbox.invoke([sqs([test])], env());
    expect(result).toMatchObject({ ok: { batchItemFailures: [] } });
    const [p] = published();
    expect(p?.subject).toBe("[TEST] Self-test t-123 in acct-0009 (100000000009)");
    expect(p?.attributes.severity).toEqual({ type: "String", value: "test" });
    expect(p?.attributes.kind).toEqual({ type: "String", value: "test" });
    expect(p?.doc).toMatchObject({ kind: "test", testId: "t-123" });
    expect(p?.structure.email).toContain("This is a test, not root activity.");
    expect(chatSchemaErrors(JSON.parse(p?.structure.https ?? "{}"))).toEqual([]);
  });
});

describe("deployed notifier: storm control and duplicates", () => {
  it("a 200-event burst: first alert at once, criticals alone, digests list every other event", async () => {
    const ACCOUNT = "300000000003";
    const start = Date.parse("2026-11-21T10:00:00Z");
    const files = [
      "root-consolelogin-success-mfa.json",
      "root-readonly-listaccesskeys.json",
      "root-putbucketversioning.json",
    ];
    const events = Array.from({ length: 200 }, (_, i) => {
      const critical = i % 40 === 17; // 5 critical events spread through the burst
      const file = critical ? "root-createaccesskey-noinvokedby.json" : (files[i % files.length] as string);
      return event(file, ACCOUNT, `burst-${String(i).padStart(3, "0")}`, {
        eventTime: new Date(start + i * 600).toISOString().replace(/\.\d+Z$/, "Z"),
      });
    });
    const batches = Array.from({ length: 20 }, (_, b) => sqs(events.slice(b * 10, b * 10 + 10), `b${b}`));
    const results = await sandbox.invoke(batches, env());
    for (const r of results) expect(r).toMatchObject({ ok: { batchItemFailures: [] } });

    const alone = published();
    // The first event (records of a batch run concurrently: one of the first batch), and each
    // critical one, went out on their own, at once.
    const aloneIds = alone.map((p) => p.doc.event.id as string);
    const first = aloneIds[0] ?? "";
    expect(first).toMatch(/^burst-00\d$/);
    const criticalIds = events
      .filter((e) => e.detail.eventName === "CreateAccessKey")
      .map((e) => e.detail.eventID);
    expect(criticalIds).toHaveLength(5);
    expect(aloneIds.sort()).toEqual([first, ...criticalIds].sort());

    // The rest wait for the digest(s): one flush message per account-minute, delayed past its end.
    const flushes = flushRequests();
    // Records of one batch that see no flush scheduled yet each schedule one; the extra copies are
    // harmless (the flush claims the digest before sending), so count account-minutes, not messages.
    const buckets = new Set(flushes.map((f) => JSON.parse(String(f.params.MessageBody)).bucket as number));
    expect(buckets.size).toBeGreaterThanOrEqual(1);
    expect(buckets.size).toBeLessThanOrEqual(2); // the burst is processed within one or two minutes
    expect(flushes.length).toBeLessThanOrEqual(10 * buckets.size);
    for (const f of flushes) {
      expect(Number(f.params.DelaySeconds)).toBeGreaterThanOrEqual(5);
      expect(Number(f.params.DelaySeconds)).toBeLessThanOrEqual(65);
      expect(JSON.parse(String(f.params.MessageBody))).toMatchObject({
        rootActivityMonitor: "digest-flush",
        accountId: ACCOUNT,
      });
    }
    fake.requests.length = 0;
    const [flushed] = await sandbox.invoke(
      [
        {
          Records: flushes.map((f, i) => ({
            messageId: `flush-${i}`,
            body: String(f.params.MessageBody),
            eventSource: "aws:sqs",
          })),
        },
      ],
      env(),
    );
    expect(flushed).toMatchObject({ ok: { batchItemFailures: [] } });
    const digests = published();
    expect(digests.length).toBe(buckets.size);
    const listed: string[] = [];
    for (const d of digests) {
      expect(d.doc.kind).toBe("digest");
      expect(d.subject).toMatch(
        /^\[(HIGH|MEDIUM|LOW)\] Root activity digest: \d+ events in acct-0003 \(300000000003\)$/,
      );
      expect(d.attributes.eventName?.type).toBe("String.Array");
      expect(chatSchemaErrors(JSON.parse(d.structure.https ?? "{}"))).toEqual([]);
      for (const e of d.doc.events as {
        eventId: string;
        name: string;
        time: string;
        region: string;
        result: string;
      }[]) {
        expect(d.structure.email).toContain(e.eventId);
        expect(["us-east-1", "us-west-2"]).toContain(e.region);
        expect(["success", "failed", "unknown"]).toContain(e.result);
        listed.push(e.eventId);
      }
    }
    // Every event is in exactly one message: alone or in a digest. Nothing dropped, nothing twice.
    expect([...aloneIds, ...listed].sort()).toEqual(events.map((e) => e.detail.eventID).sort());
    // A second delivery of the same flush sends nothing more.
    fake.requests.length = 0;
    await sandbox.invoke(
      [
        {
          Records: [
            { messageId: "again", body: String(flushes[0]?.params.MessageBody), eventSource: "aws:sqs" },
          ],
        },
      ],
      env(),
    );
    expect(published()).toHaveLength(0);
  }, 120_000);

  it("the same CloudTrail eventID delivered twice is notified once", async () => {
    const ev = event("root-createaccesskey-noinvokedby.json", "400000000004", "dup-1");
    const copy = { ...ev, id: "another-envelope-id" }; // EventBridge redelivery: new envelope, same event
    const results = await sandbox.invoke([sqs([ev], "first"), sqs([copy], "second"), ev], env());
    expect(results[0]).toMatchObject({ ok: { batchItemFailures: [] } });
    expect(results[1]).toMatchObject({ ok: { batchItemFailures: [] } });
    expect(results[2]).toMatchObject({ ok: null });
    expect(published()).toHaveLength(1);
  });

  it("a failed publish releases the claim, so the redelivery alerts instead of being taken for a duplicate", async () => {
    const ev = event("root-createaccesskey-noinvokedby.json", "500000000005", "retry-1");
    fake.on("sns:Publish", () => {
      throw new FakeAwsError("InternalFailure", "down", 500);
    });
    const [failed] = await sandbox.invoke([sqs([ev])], env());
    expect(failed).toMatchObject({ ok: { batchItemFailures: [{ itemIdentifier: "m-0" }] } });
    fake.on("sns:Publish", () => `<MessageId>ok</MessageId>`);
    fake.requests.length = 0;
    const [retried] = await sandbox.invoke([sqs([ev])], env());
    expect(retried).toMatchObject({ ok: { batchItemFailures: [] } });
    expect(published()).toHaveLength(1);
  });

  it("with the state store down, every alert still goes out (a duplicate beats a miss)", async () => {
    const events = [0, 1, 2].map((i) =>
      event("root-consolelogin-success-mfa.json", "600000000006", `down-${i}`),
    );
    const results = await sandbox.invoke(
      [sqs(events), sqs([events[0]], "again")],
      env({ AWS_ENDPOINT_URL_DYNAMODB: "http://127.0.0.1:9" }),
    );
    for (const r of results) {
      expect(r).toMatchObject({ ok: { batchItemFailures: [] } });
      expect(r.ms).toBeLessThan(15_000);
    }
    // Three alerts alone (no storm control without state) plus the redelivery: no event lost.
    expect(
      published()
        .map((p) => p.doc.event.id)
        .sort(),
    ).toEqual(["down-0", "down-0", "down-1", "down-2"]);
  });

  it("names the AssumeRoot caller in the alert on the root session's action in the target account", async () => {
    const call = load("assumeroot-s3unlockbucketpolicy.json");
    const action = load("root-session-deletebucketpolicy.json");
    const [first, second] = await sandbox.invoke([sqs([call], "call"), sqs([action], "action")], env());
    expect(first).toMatchObject({ ok: { batchItemFailures: [] } });
    expect(second).toMatchObject({ ok: { batchItemFailures: [] } });
    const [opened, used] = published();
    expect(opened?.subject).toBe(
      "[HIGH] AssumeRoot S3UnlockBucketPolicy into 444455556666 in acct-1111 (111111111111)",
    );
    expect(opened?.attributes.rootAccess).toEqual({ type: "String", value: "assume-root" });
    expect(used?.subject).toBe("[MEDIUM] Root DeleteBucketPolicy in acct-6666 (444455556666)");
    expect(used?.structure.email).toMatch(
      /Access:\s+root session opened with AssumeRoot by arn:aws:sts::111111111111:assumed-role\/RootAccessAdmins\/alice \(task policy S3UnlockBucketPolicy\) at 2026-03-02 10:00:12 UTC/,
    );
    expect(used?.attributes).toMatchObject({
      rootAccess: { type: "String", value: "root-session" },
      assumedBy: { type: "String", value: "arn:aws:sts::111111111111:assumed-role/RootAccessAdmins/alice" },
      taskPolicy: { type: "String", value: "S3UnlockBucketPolicy" },
    });
    // The record is in the hub's state table, with a TTL that outlives the 900 s session.
    const { GetItemCommand } = await import("@aws-sdk/client-dynamodb");
    const item = (
      await dynamo.client.send(
        new GetItemCommand({
          TableName: table,
          Key: { pk: { S: "root-session#ASIAEXAMPLEROOTS3UN1" }, sk: { S: "-" } },
        }),
      )
    ).Item;
    expect(Number(item?.expiresAt?.N) - Date.now() / 1000).toBeGreaterThan(86_400);
  }, 60_000);

  it("repeated failed root sign-ins escalate: the 10th within 15 minutes is critical and goes out alone", async () => {
    const ACCOUNT = "700000000007";
    const t0 = Date.parse("2026-11-21T11:00:00Z");
    const events = Array.from({ length: 10 }, (_, i) =>
      event("root-consolelogin-failure.json", ACCOUNT, `fail-${i}`, {
        eventTime: new Date(t0 + i * 60_000).toISOString().replace(/\.\d+Z$/, "Z"),
      }),
    );
    const results = await sandbox.invoke(
      events.map((e, i) => sqs([e], `f${i}`)),
      env(),
    );
    for (const r of results) expect(r).toMatchObject({ ok: { batchItemFailures: [] } });
    const alone = published();
    expect(alone.map((p) => [p.doc.event.id, p.doc.severity])).toEqual([
      ["fail-0", "medium"],
      ["fail-9", "critical"],
    ]);
    expect(alone[1]?.doc.reason).toBe(
      "10 failed root sign-ins in this account within 15 minutes: password guessing",
    );
    const flushes = flushRequests();
    fake.requests.length = 0;
    await sandbox.invoke(
      [
        {
          Records: flushes.map((f, i) => ({
            messageId: `fl-${i}`,
            body: String(f.params.MessageBody),
            eventSource: "aws:sqs",
          })),
        },
      ],
      env(),
    );
    const listed = published().flatMap((d) => d.doc.events as { eventId: string; severity: string }[]);
    expect(listed.map((e) => [e.eventId, e.severity]).sort()).toEqual([
      ["fail-1", "medium"],
      ["fail-2", "high"],
      ["fail-3", "high"],
      ["fail-4", "high"],
      ["fail-5", "high"],
      ["fail-6", "high"],
      ["fail-7", "high"],
      ["fail-8", "high"],
    ]);
  }, 60_000);
});
