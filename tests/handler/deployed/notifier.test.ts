// The notifier users deploy: the `__index.js` the real program builds, loaded in a fresh Node
// process that can resolve only the AWS SDK (as in Lambda), talking to a local SNS/Organizations.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FakeAwsError, fakeAwsEnv, startFakeAws, type FakeAws } from "../../../testkit/fakeAws";
import { createSandbox, sqsBatch, type Sandbox } from "../../../testkit/lambdaSandbox";
import { runExampleHub } from "../../../testkit/program";
import { TESTS_DIR } from "../../../testkit/paths";

const FIXTURES = path.join(TESTS_DIR, "fixtures");
const TOPIC_ARN = "arn:aws:sns:us-east-1:222222222222:alerts-abc1234";
const load = (file: string): Record<string, any> =>
  JSON.parse(fs.readFileSync(path.join(FIXTURES, file), "utf8"));
const fixtureFiles = fs
  .readdirSync(FIXTURES)
  .filter((f) => f.endsWith(".json"))
  .sort();
// Root-typed records, except AWS (ELB) acting as root on its own, are real root activity; so are
// AssumeRoot calls (not their target-account copy) and sessions root issued with GetFederationToken.
const ROOT_ACTIVITY = fixtureFiles.filter(
  (f) =>
    (f.startsWith("root-") && !f.includes("invokedby-elb")) ||
    f.startsWith("assumeroot-") ||
    f === "assumedrole-assumeroot.json" ||
    f.startsWith("federateduser-root-issued"),
);
const NOT_ROOT_ACTIVITY = fixtureFiles.filter((f) => !ROOT_ACTIVITY.includes(f));
const ACCOUNT_NAMES: Record<string, string> = {
  "111122223333": "prod-payments",
  "123456789012": "sandbox-alice",
  "493859302102": "data-lake",
};

let sandbox: Sandbox;
let fake: FakeAws;
const env = (): Record<string, string> => ({ ...fakeAwsEnv(fake.url), TOPIC_ARN });
const publishes = () => fake.requests.filter((r) => r.service === "sns" && r.operation === "Publish");

beforeAll(async () => {
  sandbox = createSandbox((await runExampleHub()).code);
  fake = await startFakeAws();
});
afterAll(async () => fake?.close());
beforeEach(() => {
  fake.requests.length = 0;
  fake.on("organizations:DescribeAccount", (params) => {
    const id = String(params.AccountId);
    const name = ACCOUNT_NAMES[id];
    if (!name) throw new FakeAwsError("AccountNotFoundException", `no account ${id}`);
    return { Account: { Id: id, Name: name, Status: "ACTIVE" } };
  });
  fake.on("sns:Publish", () => `<MessageId>${Math.random().toString(16).slice(2)}</MessageId>`);
});

describe("deployed notifier", () => {
  it("cannot resolve anything but the AWS SDK, as in Lambda", async () => {
    const probe = createSandbox(
      `exports.handler = async (event, context) => { try { require("@pulumi/pulumi"); return "resolved"; } catch { return require.resolve("@aws-sdk/client-sns") ? "sdk-only" : "none"; } };`,
    );
    const [result] = await probe.invoke([{}], env());
    expect(result).toMatchObject({ ok: "sdk-only" });
  });

  it("publishes one readable alert per root-activity fixture and none for the rest", async () => {
    const records = fixtureFiles.map(load);
    const [result] = await sandbox.invoke([sqsBatch(records)], env());
    expect(result).toMatchObject({ ok: { batchItemFailures: [] } });

    const sent = publishes();
    expect(sent).toHaveLength(ROOT_ACTIVITY.length);
    expect(NOT_ROOT_ACTIVITY.length).toBeGreaterThan(5);
    for (const file of ROOT_ACTIVITY) {
      const ev = load(file);
      const id = String(ev.detail.recipientAccountId ?? ev.account);
      const eventName = String(ev.detail.eventName);
      const what = eventName === "AssumeRoot" ? "AssumeRoot " : `Root ${eventName}`;
      const match = sent.find(
        (p) =>
          String(p.params.Subject).includes(what) &&
          String(p.params.Subject).includes(id) &&
          String(p.params.Message).includes(String(ev.detail.eventID ?? ev.id)),
      );
      expect(match, `no publish for ${file}`).toBeDefined();
      const subject = String(match?.params.Subject);
      const message = String(match?.params.Message);
      expect(match?.params.TopicArn).toBe(TOPIC_ARN);
      expect(subject).toMatch(/^\[(CRITICAL|HIGH|MEDIUM|LOW)\] (Root|AssumeRoot) /);
      expect(subject.length).toBeLessThanOrEqual(99);
      expect(subject).toMatch(/^[\x20-\x7e]+$/);
      if (ACCOUNT_NAMES[id]) {
        expect(subject).toContain(`${ACCOUNT_NAMES[id]} (${id})`);
        expect(message).toContain(ACCOUNT_NAMES[id]);
      }
      expect(message).toContain(eventName);
      expect(message).toContain(String(ev.detail.eventSource));
    }
  });

  it("writes the facts a person needs at 3 a.m. into a no-MFA root console login", async () => {
    const ev = load("root-consolelogin-success-nomfa.json");
    await sandbox.invoke([sqsBatch([ev])], env());
    const [p] = publishes();
    expect(p?.params.Subject).toBe("[CRITICAL] Root ConsoleLogin in prod-payments (111122223333)");
    const message = String(p?.params.Message);
    for (const fact of [
      "prod-payments",
      "111122223333",
      "signin.amazonaws.com",
      "us-east-1",
      String(ev.detail.sourceIPAddress),
      String(ev.detail.userAgent).slice(0, 40),
      "UTC",
      String(ev.detail.eventID),
      `https://us-east-1.console.aws.amazon.com/cloudtrailv2/home?region=us-east-1#/events/${ev.detail.eventID}`,
      "CRITICAL",
    ]) {
      expect(message).toContain(fact);
    }
    expect(message).toMatch(/MFA[^\n]*\bno\b/i);
  });

  it("names each account once per container (cache) and falls back to the ID when Organizations fails", async () => {
    const a = load("root-enablemfadevice.json");
    const b = load("root-passwordupdated.json");
    await sandbox.invoke([sqsBatch([a]), sqsBatch([b])], env());
    expect(fake.requests.filter((r) => r.operation === "DescribeAccount")).toHaveLength(1);
    expect(publishes()).toHaveLength(2);

    fake.requests.length = 0;
    fake.on("organizations:DescribeAccount", () => {
      throw new FakeAwsError("AccessDeniedException", "You don't have permissions to access this resource.");
    });
    await sandbox.invoke([sqsBatch([a])], env());
    const [p] = publishes();
    expect(p?.params.Subject).toMatch(/111122223333/);
    expect(String(p?.params.Message)).toMatch(/name unavailable/i);
  });

  it("reports a failed publish as a batch item failure, and throws for a direct invoke", async () => {
    fake.on("sns:Publish", (params) => {
      if (String(params.Message).includes("deb1e1f9"))
        throw new FakeAwsError("AuthorizationError", "denied", 403);
      return "<MessageId>ok</MessageId>";
    });
    const ok = load("root-enablemfadevice.json");
    const failing = load("root-consolelogin-success-nomfa.json");
    const [batch, direct] = await sandbox.invoke([sqsBatch([ok, failing]), failing], env());
    expect(batch).toMatchObject({ ok: { batchItemFailures: [{ itemIdentifier: "msg-1" }] } });
    expect(direct).toMatchObject({ error: expect.stringMatching(/denied|AuthorizationError/) });
  });

  it("alerts on an unreadable delivery instead of dropping it", async () => {
    const [result] = await sandbox.invoke(
      [sqsBatch(["{not json", { detail: "x", account: "111122223333" }])],
      env(),
    );
    expect(result).toMatchObject({ ok: { batchItemFailures: [] } });
    const sent = publishes();
    expect(sent).toHaveLength(2);
    for (const p of sent) expect(String(p.params.Subject)).toMatch(/unreadable/i);
  });

  it("refuses to run without a topic", async () => {
    const [result] = await sandbox.invoke([sqsBatch([load("root-enablemfadevice.json")])], {
      ...fakeAwsEnv(fake.url),
    });
    expect(result).toMatchObject({ error: expect.stringMatching(/TOPIC_ARN/) });
    expect(publishes()).toHaveLength(0);
  });
});
