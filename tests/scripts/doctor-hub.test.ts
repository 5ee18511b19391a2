// `npm run doctor -- --stack <hub>`: the hub's config by the program's own reader, then its live
// state against a local AWS endpoint: subscriptions pending confirmation, dead letters waiting,
// notifier errors; and what it says when the hub's outputs cannot be read.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { FakeAwsError, fakeAwsEnv, startFakeAws, type FakeAws } from "../../testkit/fakeAws";
import { REPO } from "../../testkit/program";
import { runScript } from "../../testkit/runScript";
import { useScratch } from "../../testkit/scratch";
import { writeStackFile } from "../../testkit/stackFile";

const { running, tmpDir } = useScratch("doctor-hub");
const TOPIC = "arn:aws:sns:us-east-1:222222222222:root-activity-hub-alerts-abc1234";
const DLQ = "https://sqs.us-east-1.amazonaws.com/222222222222/root-activity-hub-dead-letters-abc1234";
const LOGS = "/aws/lambda/root-activity-hub-notifier-abc1234";
const ADDRESS = "secops@acme.test";

function hubDir(set: Record<string, unknown> = {}): string {
  const dir = tmpDir();
  fs.copyFileSync(path.join(REPO, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  writeStackFile(
    "hub",
    { base: path.join(REPO, "Pulumi.hub.yaml"), set: { notificationEmails: [ADDRESS], ...set } },
    dir,
  );
  fs.writeFileSync(
    path.join(dir, "hub.json"),
    JSON.stringify({ topicArn: TOPIC, deadLetterQueueUrl: DLQ, notifierLogGroupName: LOGS }),
  );
  return dir;
}

interface HubState {
  subscriptions: { endpoint: string; arn: string }[];
  depth: number;
  errors: string[];
}

async function fakeHub(state: HubState): Promise<FakeAws> {
  const aws = await startFakeAws({
    "sns:ListSubscriptionsByTopic": () =>
      `<Subscriptions>${state.subscriptions
        .map(
          (s) =>
            `<member><SubscriptionArn>${s.arn}</SubscriptionArn><Owner>222222222222</Owner><Protocol>email</Protocol><Endpoint>${s.endpoint}</Endpoint><TopicArn>${TOPIC}</TopicArn></member>`,
        )
        .join("")}</Subscriptions>`,
    "sqs:GetQueueAttributes": () => ({ Attributes: { ApproximateNumberOfMessages: String(state.depth) } }),
    "logs:FilterLogEvents": () => ({
      events: state.errors.map((message, i) => ({ message, timestamp: Date.now() - i, logStreamName: "s" })),
    }),
  });
  running.push(aws);
  return aws;
}

const doctor = (
  dir: string,
  aws: FakeAws | string,
  extra: string[] = ["--outputs", "hub.json"],
  env: Record<string, string> = {},
) =>
  runScript(
    "scripts/doctor.ts",
    ["--stack", "hub", "--dir", dir, ...extra.map((a) => (a === "hub.json" ? path.join(dir, a) : a))],
    { ...fakeAwsEnv(typeof aws === "string" ? aws : aws.url), ...env },
  );

describe("the doctor on a hub stack", () => {
  it("passes a deployed hub whose subscriptions are confirmed, with no dead letters and no notifier errors", async () => {
    const aws = await fakeHub({
      subscriptions: [{ endpoint: ADDRESS, arn: `${TOPIC}:1111` }],
      depth: 0,
      errors: [],
    });
    const r = await doctor(hubDir(), aws);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/config\s+OK\s+every rule pulumi preview applies passes/);
    expect(r.stdout).toMatch(/subscriptions\s+OK\s+1 subscribed and confirmed/);
    expect(r.stdout).toMatch(/dead letters\s+OK/);
    expect(r.stdout).toMatch(/notifier errors\s+OK/);
    expect(r.stdout).toContain("All checks passed for stack hub.");
    const logs = aws.requests.find((q) => q.operation === "FilterLogEvents");
    expect(logs?.params).toMatchObject({
      logGroupName: LOGS,
      filterPattern: expect.stringContaining("error"),
    });
  });

  it("fails a pending subscription, an address never subscribed, dead letters and notifier errors, each with its fix", async () => {
    const aws = await fakeHub({
      subscriptions: [{ endpoint: "oncall@acme.test", arn: "PendingConfirmation" }],
      depth: 3,
      errors: ['2026-12-07T00:00:00Z req ERROR {"level":"error","msg":"publish failed"}'],
    });
    const r = await doctor(hubDir({ notificationEmails: [ADDRESS, "oncall@acme.test"] }), aws);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/email oncall@acme\.test is pending confirmation/);
    expect(r.stdout).toContain(
      'open the "AWS Notification - Subscription Confirmation" mail sent to oncall@acme.test',
    );
    expect(r.stdout).toContain(`${ADDRESS} is in the config but not subscribed to the topic`);
    expect(r.stdout).toMatch(/3 messages wait in .*dead-letters/);
    expect(r.stdout).toContain("Replay and redrive");
    expect(r.stdout).toMatch(/1 error in .* over the last 24 hours; the latest: .*publish failed/);
    expect(r.stdout).toContain("4 checks failed for stack hub. Fix them and run the doctor again.");

    // In an 80-column terminal (COLUMNS through a pipe), no line is wider.
    const narrow = await doctor(
      hubDir({ notificationEmails: [ADDRESS, "oncall@acme.test"] }),
      aws,
      undefined,
      {
        COLUMNS: "80",
      },
    );
    expect(narrow.code).toBe(1);
    expect(narrow.stdout.split("\n").filter((l) => l.length > 80)).toEqual([]);
    expect(r.stdout.split("\n").some((l) => l.length > 80)).toBe(true);
  });

  it("says an access-denied read needs a permission, and a server error what happened", async () => {
    const aws = await fakeHub({ subscriptions: [], depth: 0, errors: [] });
    aws.on("sns:ListSubscriptionsByTopic", () => {
      throw new FakeAwsError("AuthorizationError", "not authorized", 403);
    });
    aws.on("sqs:GetQueueAttributes", () => {
      throw new FakeAwsError("InternalFailure", "boom", 500);
    });
    const r = await doctor(hubDir(), aws);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("allow sns:ListSubscriptionsByTopic");
    expect(r.stdout).toContain("AWS answered with a server error (HTTP 5xx)");
    expect(r.stdout).not.toContain("allow sqs:GetQueueAttributes");
  });

  it("checks the config alone before the first deployment, when the outputs cannot be read", async () => {
    const r = await doctor(hubDir(), "http://127.0.0.1:9", ["--outputs", "/nonexistent/hub.json"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/hub outputs\s+WARN\s+live checks skipped: Cannot read the outputs file/);
  });
});
