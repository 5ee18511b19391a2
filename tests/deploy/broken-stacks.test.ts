// Broken stack files, hub and spoke, each through the program as the CLI starts it (the CLI's config
// rules, then index.ts, as `pulumi up`), through the doctor and, for a hub, the self-test: each
// refuses it, with a message that names the key and says what to do.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fakeAwsEnv, type FakeAws } from "../../testkit/fakeAws";
import {
  defaultOrg,
  HUB_BUS_ARN,
  MANAGEMENT_ACCOUNT_ID,
  startFakeOrganization,
} from "../../testkit/fakeOrganization";
import { REPO, runProgram } from "../../testkit/program";
import { runScript } from "../../testkit/runScript";
import { useScratch } from "../../testkit/scratch";
import { writeStackFile } from "../../testkit/stackFile";

const { tmpDir } = useScratch("broken-stacks");
const HUB_STACK = "acme/root-activity-monitor/hub";
const REAL = { hub: { notificationEmails: ["secops@acme.test"] }, spoke: { hubStack: HUB_STACK } };
const EXAMPLE = { hub: "Pulumi.hub.yaml", spoke: "Pulumi.spoke-template.yaml" };
const noAws = fakeAwsEnv("http://127.0.0.1:9");

interface Case {
  label: string;
  role: "hub" | "spoke";
  /** Changes to the example, on top of real values for its placeholders (null removes a key). */
  set?: Record<string, unknown>;
  /** Lines appended under config: as written (keys the test kit would namespace). */
  raw?: string;
  /** In the program's message and the doctor's: the key, and the fix. */
  key: string;
  fix: RegExp;
  /** The doctor adds this to the CLI's own words. */
  doctorFix?: RegExp;
}

const CASES: Case[] = [
  {
    label: "hub: namespace near miss",
    role: "hub",
    set: { "root-activity-moniter:logRetentionDays": 30 },
    key: "root-activity-moniter:logRetentionDays",
    fix: /Rename it to root-activity-monitor:logRetentionDays/,
  },
  {
    label: "hub: log retention CloudWatch refuses",
    role: "hub",
    set: { logRetentionDays: 366 },
    key: "root-activity-monitor:logRetentionDays",
    fix: /is not one of 1, 3, 5/,
  },
  {
    label: "hub: webhook format",
    role: "hub",
    set: { webhookFormat: "discord" },
    key: "root-activity-monitor:webhookFormat",
    fix: /"discord" is not one of slack, teams/,
  },
  {
    label: "hub: malformed email",
    role: "hub",
    set: { notificationEmails: ["secops(at)acme.test"] },
    key: "root-activity-monitor:notificationEmails",
    fix: /is not an email address/,
  },
  {
    label: "hub: no recipients",
    role: "hub",
    set: { notificationEmails: [] },
    key: "root-activity-monitor:notificationEmails",
    fix: /Give at least one address/,
  },
  {
    label: "hub: plaintext webhook URL",
    role: "hub",
    set: { webhookUrl: "https://hooks.slack.com/services/T0/B0/x" },
    key: "root-activity-monitor:webhookUrl",
    fix: /pulumi config set --secret/,
  },
  {
    label: "hub: filter policy value typo",
    role: "hub",
    set: {
      subscriptions: [
        { protocol: "email", endpoint: "ops@acme.test", filterPolicy: { severity: ["critcal"] } },
      ],
    },
    key: "root-activity-monitor:subscriptions",
    fix: /"critcal" never occurs. Use critical/,
  },
  {
    label: "hub: filter policy attribute typo",
    role: "hub",
    set: {
      subscriptions: [
        { protocol: "email", endpoint: "ops@acme.test", filterPolicy: { sevrity: ["critical"] } },
      ],
    },
    key: "root-activity-monitor:subscriptions",
    fix: /"sevrity", which the notifier never sets. Use one of/,
  },
  {
    label: "hub: the example's address",
    role: "hub",
    set: { notificationEmails: ["security-oncall@example.com"] },
    key: "root-activity-monitor:notificationEmails",
    fix: /replace the placeholder/i,
  },
  {
    label: "hub: region typo",
    role: "hub",
    set: { "aws:region": "eu-wset-1" },
    key: "aws:region",
    fix: /Did you mean eu-west-1\?/,
  },
  {
    label: "spoke: region typo",
    role: "spoke",
    set: { regions: ["us-east-1", "eu-wset-1"] },
    key: "root-activity-monitor:regions",
    fix: /eu-wset-1 is not a region the AWS SDK knows. Did you mean eu-west-1\?/,
  },
  {
    label: "spoke: region that does not exist",
    role: "spoke",
    set: { regions: ["us-east-1", "us-east-7"] },
    key: "root-activity-monitor:regions",
    fix: /us-east-7 is not a region the AWS SDK knows/,
  },
  {
    label: "spoke: Control Tower home region typo",
    role: "spoke",
    set: { regions: ["us-east-1"], controlTowerHomeRegion: "us-esat-1" },
    key: "root-activity-monitor:controlTowerHomeRegion",
    fix: /Did you mean us-east-1\?/,
  },
  {
    label: "spoke: namespace near miss",
    role: "spoke",
    set: { "root-activity-moniter:regions": ["us-east-1"] },
    key: "root-activity-moniter:regions",
    fix: /Rename it to root-activity-monitor:regions/,
  },
  {
    label: "spoke: key without namespace",
    role: "spoke",
    raw: "  regions: [us-east-1]\n",
    key: "regions",
    fix: /configuration keys should be of the form `<namespace>:<name>`/,
    doctorFix: /Write it root-activity-monitor:regions\./,
  },
  {
    label: "spoke: key typo",
    role: "spoke",
    set: { acounts: { exclude: ["555555555501"] } },
    key: "root-activity-monitor:acounts",
    fix: /Did you mean root-activity-monitor:accounts\?/,
  },
  {
    label: "spoke: the template's hub stack",
    role: "spoke",
    set: { hubStack: "my-org/root-activity-monitor/hub" },
    key: "root-activity-monitor:hubStack",
    fix: /replace the placeholder/i,
  },
  {
    label: "spoke: shard",
    role: "spoke",
    set: { shard: "3/2" },
    key: "root-activity-monitor:shard",
    fix: /Write "k\/n" with 1 <= k <= n/,
  },
];

/** A project directory holding Pulumi.yaml and Pulumi.<stack>.yaml made from the example. */
function project(c: Case, stack: string): { dir: string; file: string } {
  const dir = tmpDir();
  fs.copyFileSync(path.join(REPO, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  const file = writeStackFile(
    stack,
    { base: path.join(REPO, EXAMPLE[c.role]), set: { ...REAL[c.role], ...c.set } },
    dir,
  );
  if (c.raw) fs.appendFileSync(file, c.raw);
  return { dir, file };
}

let fake: { aws: FakeAws; env: Record<string, string> };
beforeAll(async () => {
  fake = await startFakeOrganization(defaultOrg());
});
afterAll(async () => fake?.aws.close());

describe.each(CASES)("$label", (c) => {
  const stack = `${c.role}-broken`;

  it("the program (as pulumi up starts it) refuses it, naming the key and the fix", async () => {
    const { file } = project(c, stack);
    const run = await runProgram({
      stackFile: file,
      stack,
      preview: false,
      callerAccountId: MANAGEMENT_ACCOUNT_ID,
      stackOutputs: {
        [HUB_STACK]: { eventBusArn: HUB_BUS_ARN },
        "my-org/root-activity-monitor/hub": { eventBusArn: HUB_BUS_ARN },
      },
      env: fake.env,
      lightweight: true,
    });
    expect(run.error, run.stderr).toBeDefined();
    expect(run.error).toContain(c.key);
    expect(run.error).toMatch(c.fix);
    expect(run.resources.filter((r) => r.type.startsWith("aws:"))).toEqual([]);
  });

  it("the doctor refuses it with exit code 2, in the same words", async () => {
    const { dir } = project(c, stack);
    const r = await runScript("scripts/doctor.ts", ["--stack", stack, "--dir", dir], noAws);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toContain(c.key);
    expect(r.stderr).toMatch(c.fix);
    if (c.doctorFix) expect(r.stderr).toMatch(c.doctorFix);
  });

  it.runIf(c.role === "hub")(
    "the self-test refuses it with exit code 2, in the same words, before sending",
    async () => {
      const { dir } = project(c, stack);
      const outputs = path.join(dir, "hub.json");
      fs.writeFileSync(
        outputs,
        JSON.stringify({ eventBusArn: HUB_BUS_ARN, notifierLogGroupName: "/aws/lambda/n" }),
      );
      const r = await runScript(
        "scripts/selftest.ts",
        ["--stack", stack, "--dir", dir, "--outputs", outputs],
        noAws,
      );
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toContain(c.key);
      expect(r.stderr).toMatch(c.fix);
    },
  );
});

describe("placeholders preview, but never deploy", () => {
  it.each(["hub", "spoke"] as const)(
    "the shipped %s example previews with a warning naming the key",
    async (role) => {
      const run = await runProgram({
        stackFile: EXAMPLE[role],
        stack: role,
        callerAccountId: MANAGEMENT_ACCOUNT_ID,
        stackOutputs: { "my-org/root-activity-monitor/hub": { eventBusArn: HUB_BUS_ARN } },
        env: fake.env,
        lightweight: true,
      });
      expect(run.error).toBeUndefined();
      const key = role === "hub" ? "notificationEmails" : "hubStack";
      expect(run.stderr).toMatch(
        new RegExp(
          `warning: .*root-activity-monitor:${key}: .* is a placeholder .*Replace the placeholder.*pulumi up refuses it`,
        ),
      );
    },
  );
});
