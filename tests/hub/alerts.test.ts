// The hub's alert routing, state and chat, through the real program under mocks: subscriptions with
// filter policies, the state table, the webhook URL secret (and proof that it reaches no artifact
// in plaintext), and the config errors users see.
import { randomUUID } from "node:crypto";
import { PutItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { beforeAll, describe, expect, it } from "vitest";
import { createDynamoStore } from "../../handler/state/dynamoStore";
import { startFakeDynamo } from "../../testkit/fakeDynamo";
import { HUB_ACCOUNT, ofType, one, parseJson, runProgram, type ProgramRun } from "../../testkit/program";

const ORG_ID = "o-exampleorg1";
const SECRET_URL = "https://hooks.slack.com/services/T0SECRET/B0SECRET/zX9sEcReTtOkEn0123456789";
const SUBSCRIPTIONS = [
  { protocol: "email", endpoint: "oncall@example.com", filterPolicy: { severity: ["critical"] } },
  {
    protocol: "sqs",
    endpoint: "arn:aws:sqs:us-east-1:333333333333:siem",
    rawMessageDelivery: true,
    filterPolicy: { accountId: ["111122223333"], kind: ["alert", "digest"] },
  },
  { protocol: "https", endpoint: "https://global.sns-api.chatbot.amazonaws.com" },
];

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Effect: string };

function roleStatements(run: ProgramRun): Record<string, Statement> {
  const role = ofType(run, "aws:iam/role:Role").find((r) => r.name === "root-activity-hub-notifier-role");
  const inline = (role?.inputs.inlinePolicies as { policy: string }[] | undefined) ?? [];
  const out: Record<string, Statement> = {};
  for (const p of inline)
    for (const s of parseJson<{ Statement: Statement[] }>(p.policy).Statement) out[s.Sid ?? "?"] = s;
  return out;
}

describe("hub with subscriptions and a chat webhook", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runProgram({
      stackFile: "Pulumi.hub.yaml",
      overrides: {
        organizationId: ORG_ID,
        subscriptions: SUBSCRIPTIONS,
        webhookUrl: SECRET_URL,
        webhookFormat: "teams",
      },
      secretKeys: ["webhookUrl"],
    });
    if (run.error) throw new Error(`program failed: ${run.error}\n${run.stderr}`);
  }, 240_000);

  it("subscribes each entry with its filter policy on message attributes", () => {
    const subs = ofType(run, "aws:sns/topicSubscription:TopicSubscription");
    const byEndpoint = Object.fromEntries(subs.map((s) => [String(s.inputs.endpoint), s]));
    const email = byEndpoint["oncall@example.com"];
    expect(email?.inputs.protocol).toBe("email");
    expect(parseJson(email?.inputs.filterPolicy)).toEqual({ severity: ["critical"] });
    expect(email?.inputs.filterPolicyScope).toBe("MessageAttributes");
    const sqs = byEndpoint["arn:aws:sqs:us-east-1:333333333333:siem"];
    expect(sqs?.inputs.rawMessageDelivery).toBe(true);
    expect(parseJson(sqs?.inputs.filterPolicy)).toEqual({
      accountId: ["111122223333"],
      kind: ["alert", "digest"],
    });
    const chat = byEndpoint["https://global.sns-api.chatbot.amazonaws.com"];
    expect(chat?.inputs.filterPolicy).toBeUndefined();
    // notificationEmails from Pulumi.hub.yaml stay, unfiltered.
    expect(subs.filter((s) => s.inputs.filterPolicy === undefined).length).toBeGreaterThanOrEqual(2);
    // Resource names never show an endpoint (an https URL may carry a token, an address is personal),
    // the notificationEmails' included.
    for (const s of subs) expect(s.name).toMatch(/^root-activity-hub-sub-(email|sqs|https)-[0-9a-f]{12}$/);
  });

  it("keeps state in a table whose items all expire, encrypted at rest", () => {
    const table = one(run, "aws:dynamodb/table:Table");
    expect(table.inputs.ttl).toEqual({ attributeName: "expiresAt", enabled: true });
    expect(table.inputs.serverSideEncryption).toEqual({ enabled: true });
    expect(table.inputs.billingMode).toBe("PAY_PER_REQUEST");
    expect(table.inputs.hashKey).toBe("pk");
    expect(table.inputs.rangeKey).toBe("sk");
    expect(run.outputs?.stateTableName).toBe(table.inputs.name ?? "root-activity-hub-state-abc1234");
  });

  it("gives the notifier only the table, its own queue and the parameter, by ARN", () => {
    const s = roleStatements(run);
    expect(s.UseStateTable?.Resource).toBe(
      `arn:aws:dynamodb:us-east-1:${HUB_ACCOUNT}:table/root-activity-hub-state-abc1234`,
    );
    expect([s.UseStateTable?.Action].flat().sort()).toEqual([
      "dynamodb:BatchGetItem",
      "dynamodb:DeleteItem",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:Query",
      "dynamodb:UpdateItem",
    ]);
    expect(s.ScheduleDigests).toMatchObject({
      Action: "sqs:SendMessage",
      Resource: run.outputs?.eventQueueArn,
    });
    expect(s.ReadWebhookUrl).toMatchObject({
      Action: "ssm:GetParameter",
      Resource: `arn:aws:ssm:us-east-1:${HUB_ACCOUNT}:parameter/root-activity-monitor/test/webhook-url`,
    });
  });

  it("stores the webhook URL only in an encrypted SecureString parameter the notifier reads by name", () => {
    const param = one(run, "aws:ssm/parameter:Parameter");
    expect(param.inputs.type).toBe("SecureString");
    expect(param.inputs.keyId).toMatch(/^arn:aws:kms:us-east-1:/);
    // It reaches the engine marked secret (Pulumi's secret signature), so state keeps it encrypted;
    // and the scan below would find it if it leaked: it is really here, in the one allowed place.
    expect(param.inputs.value).toEqual({
      "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
      value: SECRET_URL,
    });
    const fn = one(run, "aws:lambda/function:Function", "root-activity-hub-notifier");
    const vars = (fn.inputs.environment as { variables: Record<string, string> }).variables;
    expect(vars.WEBHOOK_PARAMETER).toBe("/root-activity-monitor/test/webhook-url");
    expect(vars.WEBHOOK_FORMAT).toBe("teams");
    expect(Object.keys(vars).sort()).toEqual([
      "EVENT_QUEUE_URL",
      "STATE_TABLE",
      "TOPIC_ARN",
      "WEBHOOK_FORMAT",
      "WEBHOOK_PARAMETER",
    ]);
  });

  it("the webhook secret appears in no artifact: code, environment, other inputs, outputs, URNs", () => {
    const needles = [SECRET_URL, "zX9sEcReTtOkEn0123456789", "T0SECRET/B0SECRET"];
    const artifacts: Record<string, string> = {
      "serialized notifier code": run.notifier?.code ?? "",
      "stack outputs": JSON.stringify(run.outputs),
      urns: JSON.stringify(run.urns),
      invokes: JSON.stringify(run.invokes),
    };
    for (const r of run.resources) {
      const { value, ...rest } = r.inputs;
      artifacts[`${r.type} ${r.name}`] = JSON.stringify(
        r.type === "aws:ssm/parameter:Parameter" ? rest : { value, ...rest },
      );
    }
    expect(artifacts["serialized notifier code"]?.length).toBeGreaterThan(1000);
    for (const [where, text] of Object.entries(artifacts)) {
      for (const needle of needles) expect(text.includes(needle), `${needle} found in ${where}`).toBe(false);
    }
  });

  it("alarms on failed webhook posts", () => {
    const alarms = ofType(run, "aws:cloudwatch/metricAlarm:MetricAlarm");
    expect(alarms.map((a) => `${a.inputs.namespace}/${a.inputs.metricName}`)).toContain(
      "RootActivityMonitor/WebhookFailures",
    );
  });
});

describe("alert config errors name the key and the fix", () => {
  const errorOf = async (overrides: Record<string, unknown>, secretKeys: string[] = []) => {
    const run = await runProgram({
      stackFile: "Pulumi.hub.yaml",
      overrides: { organizationId: ORG_ID, ...overrides },
      secretKeys,
    });
    return run.error ?? "";
  };

  it("refuses a webhook URL that is not a secret, without echoing it", async () => {
    const err = await errorOf({ webhookUrl: SECRET_URL });
    expect(err).toContain("Invalid config root-activity-monitor:webhookUrl");
    expect(err).toContain("pulumi config set --secret root-activity-monitor:webhookUrl");
    expect(err).not.toContain("zX9sEcReTtOkEn");
  });

  it("refuses a secret webhook that is not https, and an unknown format", async () => {
    expect(await errorOf({ webhookUrl: "http://hooks.example.com/x" }, ["webhookUrl"])).toContain(
      "webhookUrl: the value is not an https:// URL",
    );
    expect(await errorOf({ webhookFormat: "discord" })).toContain('"discord" is not one of slack, teams');
  }, 120_000);

  it("refuses filter policies on attributes or values the notifier never sets", async () => {
    expect(
      await errorOf({
        subscriptions: [
          { protocol: "email", endpoint: "a@example.com", filterPolicy: { sev: ["critical"] } },
        ],
      }),
    ).toContain('subscriptions[0].filterPolicy tests "sev", which the notifier never sets');
    expect(
      await errorOf({
        subscriptions: [
          { protocol: "email", endpoint: "a@example.com", filterPolicy: { severity: ["urgent"] } },
        ],
      }),
    ).toContain(
      'subscriptions[0].filterPolicy.severity: "urgent" never occurs. Use critical, high, medium, low, test.',
    );
  }, 120_000);

  it("refuses endpoints that do not fit the protocol, without echoing https endpoints", async () => {
    expect(await errorOf({ subscriptions: [{ protocol: "sqs", endpoint: "my-queue" }] })).toContain(
      'subscriptions[0]: "my-queue" is not an SQS queue ARN',
    );
    const https = await errorOf({
      subscriptions: [{ protocol: "https", endpoint: "http://x/?token=SeCrEt1" }],
    });
    expect(https).toContain("subscriptions[0]: the endpoint is not an https:// URL");
    expect(https).not.toContain("SeCrEt1");
    expect(await errorOf({ subscriptions: [{ protocol: "telegram", endpoint: "x" }] })).toContain(
      'subscriptions[0].protocol "telegram" is not one of email, email-json, https, sqs, lambda, sms',
    );
  }, 120_000);

  it("accepts subscriptions instead of notificationEmails, but not neither", async () => {
    expect(
      await errorOf({
        notificationEmails: null,
        subscriptions: [{ protocol: "email", endpoint: "a@example.com" }],
      }),
    ).toBe("");
    expect(await errorOf({ notificationEmails: null })).toContain("no one would be told about root activity");
  }, 120_000);
});

describe("the notifier role's state table actions", () => {
  it("are exactly the DynamoDB calls the state store makes, every path taken", async () => {
    const run = await runProgram({ stackFile: "Pulumi.hub.yaml", overrides: { organizationId: ORG_ID } });
    const granted = [roleStatements(run).UseStateTable?.Action].flat().sort();
    const dynamo = await startFakeDynamo();
    try {
      await dynamo.createTable("iam-state");
      const made = new Set<string>();
      const send = (command: object, options?: unknown) => {
        made.add(`dynamodb:${command.constructor.name.replace(/Command$/, "")}`);
        return (dynamo.client.send as (c: object, o?: unknown) => Promise<unknown>)(command, options);
      };
      const client = Object.assign(Object.create(dynamo.client) as DynamoDBClient, { send });
      const store = createDynamoStore("iam-state", client);
      const ref = { accountId: "111122223333", bucket: 5 };
      const entry = {
        eventId: "e",
        name: "n",
        time: "t",
        region: "r",
        result: "success",
        severity: "low",
      } as const;
      const by = (nowMs: number, staleBeforeMs: number) => ({ token: randomUUID(), nowMs, staleBeforeMs });
      const a = by(1000, 0);
      await store.claimEvent("a", a, ref);
      await store.claimEvent("a", a, ref); // a retry meets its own claim: reads the item
      await store.holdForDigest(ref, "a", entry, 1000);
      await store.claimEvent("a", by(900_000, 800_000), ref); // stale: reads the bucket
      await store.claimEvent("b", by(1000, 0), undefined);
      await store.markEventDone("b", 1000);
      const c = by(1000, 0);
      await store.claimEvent("c", c, undefined);
      await store.releaseEvent("c", c.token);
      await store.recordSignInFailure(ref.accountId, "f", 1000, 0);
      const note = by(1000, 0);
      // The retry of a note whose first attempt was applied reads the item back.
      await store.noteActivity(ref.accountId, 5, note);
      await store.unnoteActivity(ref.accountId, await store.noteActivity(ref.accountId, 5, note), note.token);
      await store.markScheduled(ref);
      // A bucket of the layout before issue 15: its entries are queried.
      await dynamo.client.send(
        new PutItemCommand({
          TableName: "iam-state",
          Item: { pk: { S: "bucket#111122223333#6" }, sk: { S: "-" }, n: { N: "1" } },
        }),
      );
      await store.claimFlush(ref, by(2000, 0));
      await store.claimFlush({ ...ref, bucket: 6 }, by(2000, 0));
      await store.markBucketSent(ref);
      await store.putRootSession("ASIAEXAMPLE", { by: "arn:aws:iam::1:user/x" }, 1000);
      await store.getRootSession("ASIAEXAMPLE");
      expect([...made].sort()).toEqual(granted);
    } finally {
      await dynamo.close();
    }
  }, 120_000);
});
