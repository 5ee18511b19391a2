// Tamper alerts end to end, as deployed: each invented record (tests/fixtures/tamper/) goes through
// a member account's real spoke pattern and the hub's, and what they forward goes to the `__index.js`
// the real hub program builds, run in a fresh Node process against a local SNS/Organizations.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { rootEventPattern } from "../../../handler/classify/rootEvent";
import { deploySessionArn, withTamper } from "../../../handler/classify/tamperEvent";
import { matchesPattern } from "../../../testkit/eventPattern";
import { fakeAwsEnv, startFakeAws, type FakeAws } from "../../../testkit/fakeAws";
import { createSandbox, sqsBatch, type Sandbox } from "../../../testkit/lambdaSandbox";
import { runExampleHub } from "../../../testkit/program";
import { TESTS_DIR } from "../../../testkit/paths";

const DIR = path.join(TESTS_DIR, "fixtures", "tamper");
const TOPIC_ARN = "arn:aws:sns:us-east-1:222222222222:alerts-abc1234";
const load = (file: string): Record<string, any> =>
  JSON.parse(fs.readFileSync(path.join(DIR, `${file}.json`), "utf8"));
const ALL = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith(".json"))
  .map((f) => f.replace(/\.json$/, ""))
  .sort();

let sandbox: Sandbox;
let fake: FakeAws;
let spokePattern: Record<string, unknown>;
let hubPattern: Record<string, unknown>;

interface Published {
  subject: string;
  email: string;
  doc: Record<string, any>;
  attributes: Record<string, string>;
}

function published(): Published[] {
  return fake.requests
    .filter((r) => r.service === "sns" && r.operation === "Publish")
    .map((r) => {
      const p = r.params as Record<string, string>;
      const structure = JSON.parse(p.Message ?? "{}") as Record<string, string>;
      const attributes: Record<string, string> = {};
      for (let i = 1; p[`MessageAttributes.entry.${i}.Name`]; i++) {
        attributes[p[`MessageAttributes.entry.${i}.Name`] as string] = p[
          `MessageAttributes.entry.${i}.Value.StringValue`
        ] as string;
      }
      return {
        subject: p.Subject ?? "",
        email: structure.email ?? "",
        doc: JSON.parse(structure.default ?? "{}"),
        attributes,
      };
    });
}

/** What a member account's forwarding rule, then the hub rule, let through to the notifier. */
const forwarded = (files: string[]) =>
  files.map(load).filter((ev) => matchesPattern(spokePattern, ev) && matchesPattern(hubPattern, ev));

beforeAll(async () => {
  const hub = await runExampleHub();
  sandbox = createSandbox(hub.code);
  const rule = hub.run.resources.find(
    (r) => r.type === "aws:cloudwatch/eventRule:EventRule" && r.name === "root-activity-hub-root-activity",
  );
  hubPattern = JSON.parse(rule?.inputs.eventPattern as string);
  // A member account's rule, as the spoke program builds it (tests/spoke/program.test.ts checks that).
  spokePattern = withTamper(
    rootEventPattern(),
    deploySessionArn("aws", "111122223333", "OrganizationAccountAccessRole"),
  );
  fake = await startFakeAws();
});
afterAll(async () => fake?.close());
beforeEach(() => {
  fake.requests.length = 0;
  fake.on("organizations:DescribeAccount", (params) => ({
    Account: { Id: String(params.AccountId), Name: "prod-payments", Status: "ACTIVE" },
  }));
  fake.on("sns:Publish", () => `<MessageId>${Math.random().toString(16).slice(2)}</MessageId>`);
});

const env = () => ({ ...fakeAwsEnv(fake.url), TOPIC_ARN });

describe("tamper alerts from the deployed notifier", () => {
  it("one alert per change by anyone but the deploy role; none for the deploy role or unrelated rules and roles", async () => {
    expect(ALL.length).toBe(10);
    const events = forwarded(ALL);
    const [result] = await sandbox.invoke([sqsBatch(events)], env());
    expect(result).toMatchObject({ ok: { batchItemFailures: [] } });
    const sent = published();
    const alerted = sent.map((p) => p.doc.event.id as string).sort();
    const expected = ALL.filter((f) => !/^deploy-|-unrelated$/.test(f))
      .map((f) => load(f).detail.eventID as string)
      .sort();
    expect(alerted).toEqual(expected);
    for (const p of sent) {
      expect(p.attributes.tamper).toMatch(/^(changed|denied)$/);
      expect(p.attributes.kind).toBe("alert");
      expect(p.subject).toMatch(/^\[(CRITICAL|HIGH)\] Monitor tampering/);
      expect(p.subject.length).toBeLessThanOrEqual(99);
    }
  });

  it("a change that went through: critical, naming who, from where, what, which rule, and that the guard did not stop it", async () => {
    const ev = load("admin-deleterule");
    await sandbox.invoke([sqsBatch([ev])], env());
    const [p] = published();
    expect(p?.subject).toBe(
      "[CRITICAL] Monitor tampering: DeleteRule on its rule in prod-payments (111122223333)",
    );
    expect(p?.attributes).toMatchObject({ severity: "critical", tamper: "changed", eventName: "DeleteRule" });
    expect(p?.attributes.rootAccess).toBeUndefined();
    for (const fact of [
      "MONITOR TAMPERING (CRITICAL)",
      "rule root-activity-monitor-spoke-forward",
      ev.detail.userIdentity.arn,
      "AWSReservedSSO_AdministratorAccess",
      ev.detail.sourceIPAddress,
      "eu-west-1",
      "Guard:",
      "did NOT stop it",
      "may no longer be watched",
      "pulumi up",
    ])
      expect(p?.email).toContain(fact);
    expect(p?.doc.tamper).toEqual({
      target: "rule",
      name: "root-activity-monitor-spoke-forward",
      outcome: "changed",
      stoppedByGuard: false,
      byRoot: false,
    });
  });

  it("an attempt the guard refused: high, and the alert says the guard stopped it", async () => {
    for (const file of ["admin-disablerule-denied", "admin-deleterole-denied"]) {
      fake.requests.length = 0;
      await sandbox.invoke([sqsBatch([load(file)])], env());
      const [p] = published();
      expect(p?.subject, file).toMatch(
        /^\[HIGH\] Monitor tampering denied: (DisableRule|DeleteRole) on its (rule|role) /,
      );
      expect(p?.attributes.tamper).toBe("denied");
      expect(p?.email).toContain("STOPPED it: denied by a service control policy");
      expect(p?.doc.tamper.stoppedByGuard).toBe(true);
    }
  });

  it("a change by root is one alert, as tamper, with root noted", async () => {
    const ev = load("root-deleterole");
    expect(matchesPattern(rootEventPattern(), ev)).toBe(true);
    await sandbox.invoke([sqsBatch(forwarded(["root-deleterole"]))], env());
    const sent = published();
    expect(sent).toHaveLength(1);
    expect(sent[0]?.subject).toBe(
      "[CRITICAL] Monitor tampering: DeleteRole on its role by root in prod-payments (111122223333)",
    );
    expect(sent[0]?.attributes).toMatchObject({ tamper: "changed", rootAccess: "root-credentials" });
    expect(sent[0]?.email).toContain("(ROOT USER)");
  });

  it("records the rules leave out raise nothing even if they arrive: unrelated rules and roles are not root", async () => {
    const stray = ["admin-deleterule-unrelated", "admin-deleterole-unrelated"].map(load);
    await sandbox.invoke([sqsBatch(stray)], env());
    expect(published()).toHaveLength(0);
  });
});
