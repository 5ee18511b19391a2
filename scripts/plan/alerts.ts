// The hub's example alert in each format: the notifier archive the program built, run as Lambda
// runs it (testkit/lambdaSandbox.ts) on one root sign-in, against a local SNS, Organizations, SSM,
// DynamoDB and chat webhook. What it publishes is what subscribers would read.
import * as fs from "node:fs";
import * as path from "node:path";
import { fakeAwsEnv, startFakeAws } from "../../testkit/fakeAws";
import { startFakeDynamo } from "../../testkit/fakeDynamo";
import { createSandbox, sqsBatch } from "../../testkit/lambdaSandbox";
import { REPO, type ProgramRun } from "../../testkit/program";
import { startWebhookServer } from "../../testkit/webhookServer";
import type { ExampleAlert } from "./types";

const EXAMPLE_EVENT = path.join(REPO, "tests", "fixtures", "root-consolelogin-success-nomfa.json");
const EXAMPLE_ACCOUNT = "123456789012";
const WEBHOOK_PARAMETER = "/root-activity-monitor/plan/webhook-url";

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

export async function exampleAlerts(run: ProgramRun): Promise<ExampleAlert[]> {
  const code = run.notifier?.code;
  const fn = run.resources.find(
    (r) => r.type === "aws:lambda/function:Function" && !r.name.endsWith("-coverage"),
  );
  if (!code || !fn) return [];
  const variables =
    (fn.inputs.environment as { variables?: Record<string, string> } | undefined)?.variables ?? {};
  const fake = await startFakeAws({
    "organizations:DescribeAccount": () => ({
      Account: { Id: EXAMPLE_ACCOUNT, Name: "example-account", Status: "ACTIVE" },
    }),
  });
  const dynamo = await startFakeDynamo();
  const webhook = await startWebhookServer("example");
  fake.on("ssm:GetParameter", () => ({
    Parameter: { Name: WEBHOOK_PARAMETER, Type: "SecureString", Value: webhook.url, Version: 1 },
  }));
  const sandbox = createSandbox(code);
  const alerts: ExampleAlert[] = [];
  try {
    const envelope = JSON.parse(fs.readFileSync(EXAMPLE_EVENT, "utf8")) as {
      detail: Record<string, unknown>;
    };
    for (const format of ["slack", "teams"]) {
      const table = `plan-${format}`;
      await dynamo.createTable(table);
      const event = {
        ...envelope,
        id: `plan-${format}`,
        account: EXAMPLE_ACCOUNT,
        detail: { ...envelope.detail, recipientAccountId: EXAMPLE_ACCOUNT, eventID: `plan-${format}` },
      };
      fake.requests.length = 0;
      webhook.posts.length = 0;
      const [result] = await sandbox.invoke([sqsBatch([event])], {
        ...fakeAwsEnv(fake.url),
        ...variables,
        AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
        STATE_TABLE: table,
        EVENT_QUEUE_URL: `${fake.url}/000000000000/events`,
        WEBHOOK_PARAMETER,
        WEBHOOK_FORMAT: format,
      });
      if (result && "error" in result) throw new Error(`the notifier failed: ${result.error}`);
      const publish = fake.requests.find((r) => r.service === "sns" && r.operation === "Publish");
      const p = (publish?.params ?? {}) as Record<string, string>;
      if (format === "slack") {
        const structure = JSON.parse(p.Message ?? "{}") as Record<string, string>;
        alerts.push({ format: `email (subject: ${p.Subject ?? ""})`, body: structure.email ?? "" });
        alerts.push({
          format: "JSON (SNS default and email-json: SQS, Lambda, HTTP)",
          body: pretty(structure.default ?? ""),
        });
        alerts.push({
          format: "https (chat card for SNS HTTPS subscribers)",
          body: pretty(structure.https ?? ""),
        });
      }
      alerts.push({
        format: `${format} webhook (webhookFormat: ${format})`,
        body: pretty(webhook.posts[0] ?? ""),
      });
    }
  } finally {
    fs.rmSync(sandbox.dir, { recursive: true, force: true });
    await fake.close();
    await dynamo.close();
    await webhook.close();
  }
  return alerts;
}
