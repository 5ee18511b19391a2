// `npm run plan`: the real program on a stack file under mocks, as a user runs it, with no AWS
// credentials and no Pulumi CLI: a spoke over an organization file, the shipped hub with an example
// alert in each format, a stack the program refuses, and --help.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { runScript } from "../../testkit/runScript";
import { useScratch } from "../../testkit/scratch";

const { tmpDir } = useScratch("plan");
const PLAN_MS = 180_000;

const ORG = `
managementAccountId: "100000000001"
organizationalUnits:
  - { id: ou-ab12-11111111, name: Workloads }
  - { id: ou-ab12-22222222, name: Prod, parent: ou-ab12-11111111 }
accounts:
  - { id: "100000000001", name: management }
  - { id: "100000000002", name: prod-web, parent: ou-ab12-22222222 }
  - { id: "100000000003", name: prod-old, parent: ou-ab12-22222222, status: SUSPENDED }
  - "100000000004"
`;

function spokeDir(config: string): string {
  const dir = tmpDir();
  fs.writeFileSync(path.join(dir, "org.yaml"), ORG);
  fs.writeFileSync(
    path.join(dir, "Pulumi.spoke-a.yaml"),
    `config:\n  root-activity-monitor:role: spoke\n  aws:region: eu-west-1\n${config}`,
  );
  return dir;
}

describe("npm run plan", () => {
  it(
    "plans a spoke over an organization file: every selected account by type, the patterns, the policies",
    async () => {
      const dir = spokeDir(
        [
          "  root-activity-monitor:hubEventBusArn: arn:aws:events:us-east-1:222222222222:event-bus/root-activity",
          "  root-activity-monitor:regions: [us-east-1, eu-west-1]",
          "  root-activity-monitor:organizationalUnits: [ou-ab12-11111111]",
          '  root-activity-monitor:accounts: { include: ["100000000004"] }',
          "  root-activity-monitor:guardMonitor: false",
          "",
        ].join("\n"),
      );
      const r = await runScript(
        "scripts/plan.ts",
        ["--stack", "spoke-a", "--dir", dir, "--org", path.join(dir, "org.yaml")],
        {},
        PLAN_MS,
      );
      expect(r.stderr).not.toMatch(/Error/);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("Plan of stack spoke-a (spoke)");
      // Selected: the OU's active account (recursively) and the included one; not the suspended one,
      // not the management account outside the OU.
      expect(r.stdout).toMatch(/In each of 2 accounts, 2 regions: eu-west-1, us-east-1:/);
      expect(r.stdout).toContain("100000000002 (prod-web), 100000000004 (account-100000000004)");
      const resources = r.stdout.slice(0, r.stdout.indexOf("## Rule patterns"));
      expect(resources).not.toContain("100000000003");
      expect(resources).not.toContain("100000000001");
      expect(r.stdout).toMatch(/EventRule\s+3\n\s+EventTarget\s+3\n\s+Provider\s+1\n\s+Role\s+1/);
      expect(r.stdout).toMatch(/On the default bus: 4 rules \(2 accounts x 2 regions\)/);
      expect(r.stdout).toContain('"Root"');
      // The trust policy once, with each account's own ID as <account>; the forwarding policy once.
      expect(r.stdout).toMatch(/aws:iam\/role:Role assumeRolePolicy, on 2 resources in 2 accounts/);
      expect(r.stdout).toContain('"aws:SourceAccount": "<account>"');
      expect(r.stdout).toContain(
        '"Resource": "arn:aws:events:us-east-1:222222222222:event-bus/root-activity"',
      );
    },
    PLAN_MS,
  );

  it(
    "plans the shipped hub, with its key and queue policies and an example alert in each format",
    async () => {
      const r = await runScript("scripts/plan.ts", ["--stack", "hub"], {}, PLAN_MS);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("Plan of stack hub (hub)");
      // The shipped example's address previews with a warning (pulumi up refuses it).
      expect(r.stdout).toMatch(
        /warning: Invalid config root-activity-monitor:notificationEmails: security-oncall@example\.com is a placeholder/,
      );
      expect(r.stdout).toMatch(/In account 222222222222 \(security-tooling\), 1 region: us-east-1:/);
      expect(r.stdout).toMatch(/aws:kms\/key:Key policy, on /);
      expect(r.stdout).toMatch(/aws:cloudwatch\/eventBusPolicy:EventBusPolicy policy/);
      expect(r.stdout).toContain('"aws:PrincipalOrgID"');
      for (const heading of [
        "### email (subject: [CRITICAL] Root ConsoleLogin in example-account (123456789012))",
        "### JSON (SNS default and email-json: SQS, Lambda, HTTP)",
        "### https (chat card for SNS HTTPS subscribers)",
        "### slack webhook (webhookFormat: slack)",
        "### teams webhook (webhookFormat: teams)",
      ]) {
        expect(r.stdout).toContain(heading);
      }
      expect(r.stdout).toContain("WHAT TO DO NOW:");
      expect(r.stdout).toContain('"schema": "root-activity-monitor/alert/v1"');
    },
    PLAN_MS,
  );

  it(
    "says why the program refuses a stack, as pulumi preview would, and exits 1",
    async () => {
      const dir = spokeDir(
        "  root-activity-monitor:hubStack: acme/root-activity-monitor/hub\n  root-activity-monitor:shard: 3/2\n",
      );
      const r = await runScript("scripts/plan.ts", ["--stack", "spoke-a", "--dir", dir], {}, PLAN_MS);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain("The program refuses this stack");
      expect(r.stdout).toContain('Invalid config root-activity-monitor:shard: "3/2" is not a shard');
    },
    PLAN_MS,
  );

  it("answers --help with its flags and exit codes, and a missing stack file with exit code 2", async () => {
    const help = await runScript("scripts/plan.ts", ["--help"], {});
    expect(help.code).toBe(0);
    for (const flag of ["--stack", "--org", "--dir", "--no-alerts", "Exit code"])
      expect(help.stdout).toContain(flag);
    const missing = await runScript("scripts/plan.ts", ["--stack", "nope", "--dir", tmpDir()], {});
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("No stack file");
  });
});
