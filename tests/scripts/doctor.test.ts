import * as fs from "node:fs";
import * as path from "node:path";
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { STSClient } from "@aws-sdk/client-sts";
import { describe, expect, it } from "vitest";
import { formatTable } from "../../scripts/doctor";
import { policyAdmitsOrganization } from "../../scripts/doctor/busPolicy";
import { runDoctor } from "../../scripts/doctor/run";
import { SESSION_NAME, type DoctorOptions } from "../../scripts/doctor/types";
import { loadStackConfig, stackFileName } from "../../scripts/shared/stackConfig";
import { readSpokeConfig, type SpokeConfig } from "../../spoke/config";
import { fakeAwsEnv } from "../../testkit/fakeAws";
import {
  ACCOUNTS_WITHOUT_ROLE,
  DEFAULT_ACTIVE_ACCOUNT_IDS,
  defaultOrg,
  fakeClientConfig,
  FakeOrganization,
  HUB_ACCOUNT_ID,
  HUB_BUS_ARN,
  MANAGEMENT_ACCOUNT_ID,
  ORG_ID,
  orgBusPolicy,
  OU,
  startFakeOrganization,
} from "../../testkit/fakeOrganization";
import { runScript } from "../../testkit/runScript";
import { useScratch } from "../../testkit/scratch";

const { running, tmpDir } = useScratch("doctor");

function spokeConfig(values: Record<string, unknown>): SpokeConfig {
  return readSpokeConfig({
    get: (k) => {
      const v = values[k];
      return v === undefined ? undefined : typeof v === "string" ? v : JSON.stringify(v);
    },
  });
}

async function doctor(org: FakeOrganization, config: SpokeConfig, extra: Partial<DoctorOptions> = {}) {
  const { aws } = await startFakeOrganization(org);
  running.push(aws);
  const cfg = fakeClientConfig(aws.url);
  const ebRegions: string[] = [];
  const ebCredentials: unknown[] = [];
  const report = await runDoctor({
    config,
    region: "us-east-1",
    clients: { organizations: new OrganizationsClient(cfg), sts: new STSClient(cfg) },
    stsFactory: (region, credentials) =>
      new STSClient({ ...fakeClientConfig(aws.url, region), ...(credentials ? { credentials } : {}) }),
    cloudTrailFactory: (region, credentials) =>
      new CloudTrailClient({ ...fakeClientConfig(aws.url, region), ...(credentials ? { credentials } : {}) }),
    eventBridgeFactory: (region, credentials) => {
      ebRegions.push(region);
      ebCredentials.push(credentials);
      return new EventBridgeClient({
        ...fakeClientConfig(aws.url, region),
        ...(credentials ? { credentials } : {}),
      });
    },
    ...extra,
  });
  const assumed = aws.requests.filter((r) => r.operation === "AssumeRole");
  const described = aws.requests.filter((r) => r.operation === "DescribeEventBus");
  return { report, aws, assumed, described, ebRegions, ebCredentials };
}

const GOOD = { hubEventBusArn: HUB_BUS_ARN, accounts: { exclude: ACCOUNTS_WITHOUT_ROLE } };

describe("runDoctor", () => {
  it("passes when every account has the role and the bus admits the organization", async () => {
    const { report, assumed, described, ebRegions, ebCredentials } = await doctor(
      defaultOrg(),
      spokeConfig(GOOD),
    );
    expect(report.rows.filter((r) => r.result === "fail")).toEqual([]);
    expect(report.ok).toBe(true);

    // One AssumeRole per selected account except the caller's own; the hub's credentials are reused.
    const members = DEFAULT_ACTIVE_ACCOUNT_IDS.filter(
      (id) => id !== MANAGEMENT_ACCOUNT_ID && !ACCOUNTS_WITHOUT_ROLE.includes(id),
    );
    expect(assumed.map((r) => r.params.RoleArn).sort()).toEqual(
      members.map((id) => `arn:aws:iam::${id}:role/OrganizationAccountAccessRole`),
    );
    expect(assumed.every((r) => r.params.RoleSessionName === SESSION_NAME)).toBe(true);

    const own = report.rows.find((r) => r.accountId === MANAGEMENT_ACCOUNT_ID);
    expect(own).toMatchObject({ check: "credentials", result: "ok" });
    const hub = report.rows.find((r) => r.check === "hub bus");
    expect(hub).toMatchObject({ result: "ok", accountId: HUB_ACCOUNT_ID });
    expect(hub?.detail).toContain(ORG_ID);
    expect(described).toHaveLength(1);
    expect(described[0]?.params.Name).toBe(HUB_BUS_ARN);
    expect(ebRegions).toEqual(["us-east-1"]);
    expect(ebCredentials[0]).toMatchObject({ accessKeyId: `ASIA${HUB_ACCOUNT_ID}FAKE` });

    // Skipped accounts are listed, and do not fail the run.
    expect(report.rows.filter((r) => r.result === "skip").map((r) => r.accountId)).toContain("666666666601");
    expect(formatTable(report.rows)).toContain("HOW TO FIX");
  });

  it("fails with a fix for each account whose role cannot be assumed", async () => {
    const { report } = await doctor(defaultOrg(), spokeConfig({ hubEventBusArn: HUB_BUS_ARN }));
    expect(report.ok).toBe(false);
    const failed = report.rows.filter((r) => r.result === "fail");
    expect(failed.map((r) => r.accountId)).toEqual(ACCOUNTS_WITHOUT_ROLE);
    expect(failed[0]).toMatchObject({ name: "invited-legacy", check: "assume role" });
    expect(failed[0]?.detail).toContain(
      "arn:aws:iam::555555555502:role/OrganizationAccountAccessRole: AccessDenied",
    );
    expect(failed[0]?.fix).toBe(
      "create role OrganizationAccountAccessRole in 555555555502 trusting arn:aws:iam::111111111111:root (sts:AssumeRole), " +
        "or add 555555555502 to accounts.exclude",
    );
    const table = formatTable(report.rows);
    expect(table).toMatch(/555555555502\s+invited-legacy\s+assume role\s+FAIL/);
    expect(table).toContain("-> create role OrganizationAccountAccessRole in 555555555502");
  });

  it("uses memberRoleName and explains the management account when run as a delegated administrator", async () => {
    const org = defaultOrg({ callerAccountId: HUB_ACCOUNT_ID });
    for (const a of org.accounts.values()) a.roles = a.roles.map(() => "MonitorRole");
    const { report, assumed } = await doctor(
      org,
      spokeConfig({
        hubEventBusArn: HUB_BUS_ARN,
        memberRoleName: "MonitorRole",
        accounts: { exclude: ACCOUNTS_WITHOUT_ROLE },
      }),
    );
    expect(assumed.every((r) => String(r.params.RoleArn).endsWith(":role/MonitorRole"))).toBe(true);
    // The bus is in the caller's own account: no role needed to read it.
    expect(assumed.some((r) => String(r.params.RoleArn).includes(HUB_ACCOUNT_ID))).toBe(false);
    const failed = report.rows.filter((r) => r.result === "fail");
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ accountId: MANAGEMENT_ACCOUNT_ID, check: "assume role" });
    expect(failed[0]?.fix).toContain("the management account has no MonitorRole by default");
    expect(report.rows.find((r) => r.check === "hub bus")?.result).toBe("ok");
  });

  it("fails when the bus policy does not admit the organization", async () => {
    const org = defaultOrg();
    org.addBus(HUB_BUS_ARN, orgBusPolicy(HUB_BUS_ARN, "o-someoneelse1"));
    const { report } = await doctor(org, spokeConfig(GOOD));
    expect(report.ok).toBe(false);
    const hub = report.rows.find((r) => r.check === "hub bus");
    expect(hub?.result).toBe("fail");
    expect(hub?.detail).toContain(
      `no statement of the bus policy allows events:PutEvents with condition aws:PrincipalOrgID = ${ORG_ID}`,
    );
    expect(hub?.fix).toContain("update the hub stack");
  });

  it("fails when the bus has no policy, or does not exist", async () => {
    const noPolicy = defaultOrg();
    noPolicy.addBus(HUB_BUS_ARN);
    const a = await doctor(noPolicy, spokeConfig(GOOD));
    expect(a.report.rows.find((r) => r.check === "hub bus")?.detail).toContain(
      "the bus has no resource policy",
    );
    expect(a.report.ok).toBe(false);

    const missing = defaultOrg();
    missing.buses.clear();
    const b = await doctor(missing, spokeConfig(GOOD));
    const hub = b.report.rows.find((r) => r.check === "hub bus");
    expect(hub).toMatchObject({ result: "fail" });
    expect(hub?.detail).toContain("does not exist");
    expect(hub?.fix).toContain("deploy the hub stack first");
  });

  it("fails when the hub account's role cannot be assumed", async () => {
    const org = defaultOrg();
    (org.accounts.get(HUB_ACCOUNT_ID) as { roles: string[] }).roles = [];
    const { report } = await doctor(org, spokeConfig({ ...GOOD, accounts: { include: ["333333333301"] } }));
    const hub = report.rows.find((r) => r.check === "hub bus");
    expect(hub?.result).toBe("fail");
    expect(hub?.detail).toContain(
      `cannot assume arn:aws:iam::${HUB_ACCOUNT_ID}:role/OrganizationAccountAccessRole`,
    );
    expect(hub?.fix).toContain(
      `create role OrganizationAccountAccessRole in the hub account ${HUB_ACCOUNT_ID}`,
    );
  });

  it("reads the bus ARN from the hub stack, or from the --hub-bus-arn override", async () => {
    const asked: string[] = [];
    const cfg = spokeConfig({
      hubStack: "acme/root-activity-monitor/hub",
      accounts: { include: ["333333333301"] },
    });
    const viaStack = await doctor(defaultOrg(), cfg, {
      resolveHubStack: async (s) => {
        asked.push(s);
        return HUB_BUS_ARN;
      },
    });
    expect(asked).toEqual(["acme/root-activity-monitor/hub"]);
    expect(viaStack.report.ok).toBe(true);

    const override = await doctor(defaultOrg(), cfg, {
      hubBusArn: HUB_BUS_ARN,
      resolveHubStack: () => Promise.reject(new Error("must not be called")),
    });
    expect(override.report.ok).toBe(true);

    const broken = await doctor(defaultOrg(), cfg, {
      resolveHubStack: () => Promise.reject(new Error("no stack named 'hub' found")),
    });
    const hub = broken.report.rows.find((r) => r.check === "hub bus");
    expect(hub?.result).toBe("fail");
    expect(hub?.detail).toContain(
      "cannot read output eventBusArn of hub stack acme/root-activity-monitor/hub",
    );
    expect(hub?.fix).toContain("--hub-bus-arn");
  });

  it("reports a discovery error as a failed row", async () => {
    const org = defaultOrg();
    org.organizationsMode = "access-denied";
    const { report } = await doctor(org, spokeConfig(GOOD));
    expect(report.ok).toBe(false);
    expect(report.rows).toHaveLength(1);
    expect(report.rows[0]).toMatchObject({ check: "discover accounts", result: "fail" });
    expect(report.rows[0]?.detail).toContain("delegated administrator for AWS Organizations");
  });

  it("checks only the accounts of its shard", async () => {
    const { report, assumed } = await doctor(
      defaultOrg(),
      spokeConfig({ ...GOOD, organizationalUnits: [OU.workloads], shard: "1/2" }),
    );
    const selection = report.selection;
    expect(selection).toBeDefined();
    const roles = assumed.map((r) => String(r.params.RoleArn));
    // One per account of the shard, plus the hub account (outside the workloads OU) to read the bus.
    expect(roles.sort()).toEqual(
      [...(selection?.selected ?? []).map((a) => a.id), HUB_ACCOUNT_ID]
        .map((id) => `arn:aws:iam::${id}:role/OrganizationAccountAccessRole`)
        .sort(),
    );
    expect(report.rows[0]?.detail).toContain(`${selection?.otherShards} in other shards, shard 1/2`);
  });
});

describe("policyAdmitsOrganization", () => {
  const statement = (s: Record<string, unknown>) =>
    JSON.stringify({
      Version: "2012-10-17",
      Statement: {
        Effect: "Allow",
        Principal: "*",
        Action: "events:PutEvents",
        Resource: HUB_BUS_ARN,
        Condition: { StringEquals: { "aws:PrincipalOrgID": ORG_ID } },
        ...s,
      },
    });
  const admits = (policy: string | undefined) => policyAdmitsOrganization(policy, ORG_ID, HUB_BUS_ARN).ok;

  it("accepts the usual shapes", () => {
    expect(admits(orgBusPolicy(HUB_BUS_ARN, ORG_ID))).toBe(true);
    expect(admits(statement({}))).toBe(true);
    expect(
      admits(statement({ Principal: { AWS: "*" }, Action: ["events:PutRule", "events:PutEvents"] })),
    ).toBe(true);
    expect(admits(statement({ Condition: { StringEquals: { "aws:PrincipalOrgID": [ORG_ID] } } }))).toBe(true);
    expect(admits(statement({ Condition: { StringLike: { "aws:principalorgid": "o-abcde*" } } }))).toBe(true);
    expect(admits(statement({ Resource: "arn:aws:events:us-east-1:222222222222:event-bus/*" }))).toBe(true);
  });

  it("rejects what does not let the organization in", () => {
    expect(admits(undefined)).toBe(false);
    expect(admits("not json")).toBe(false);
    expect(admits(statement({ Effect: "Deny" }))).toBe(false);
    expect(admits(statement({ Action: "events:PutRule" }))).toBe(false);
    expect(admits(statement({ Condition: { StringEquals: { "aws:PrincipalOrgID": "o-other00000" } } }))).toBe(
      false,
    );
    expect(admits(statement({ Condition: undefined }))).toBe(false);
    expect(admits(statement({ Principal: { AWS: "arn:aws:iam::333333333301:root" } }))).toBe(false);
    expect(admits(statement({ Resource: "arn:aws:events:us-east-1:222222222222:event-bus/other" }))).toBe(
      false,
    );
  });
});

describe("loadStackConfig", () => {
  it("returns values as pulumi.Config.get does, and aws:region", () => {
    const dir = tmpDir();
    fs.writeFileSync(
      path.join(dir, "Pulumi.spoke-a.yaml"),
      [
        "config:",
        "  aws:region: eu-west-1",
        "  aws:profile: mgmt",
        "  root-activity-monitor:hubStack: acme/root-activity-monitor/hub",
        "  root-activity-monitor:regions: [us-east-1, eu-west-1]",
        "  root-activity-monitor:accounts:",
        "    exclude: ['012345678901']",
        "  root-activity-monitor:includeReadOnlyEvents: false",
        "  root-activity-monitor:token:",
        "    secure: v1:abcdef",
        "  other-project:hubStack: nope",
      ].join("\n"),
    );
    fs.writeFileSync(
      path.join(dir, "Pulumi.yaml"),
      "name: root-activity-monitor\nruntime: nodejs\nconfig:\n  memberRoleName:\n    type: string\n    default: FromProject\n  shard:\n    type: string\n    default: ''\n",
    );
    const stack = loadStackConfig("acme/root-activity-monitor/spoke-a", dir);
    expect(stack.region).toBe("eu-west-1");
    expect(stack.profile).toBe("mgmt");
    expect(stack.source.get("hubStack")).toBe("acme/root-activity-monitor/hub");
    expect(stack.source.get("regions")).toBe('["us-east-1","eu-west-1"]');
    expect(stack.source.get("accounts")).toBe('{"exclude":["012345678901"]}');
    expect(stack.source.get("includeReadOnlyEvents")).toBe("false");
    expect(stack.source.get("memberRoleName")).toBe("FromProject");
    expect(stack.source.get("shard")).toBe("");
    expect(stack.source.get("missing")).toBeUndefined();
    expect(() => stack.source.get("token")).toThrow(
      /root-activity-monitor:token .* is a secret \(secure:\), which this script cannot decrypt/,
    );

    const cfg = readSpokeConfig(stack.source);
    expect(cfg).toMatchObject({
      hub: { hubStack: "acme/root-activity-monitor/hub" },
      regions: ["us-east-1", "eu-west-1"],
      exclude: ["012345678901"],
      includeReadOnlyEvents: false,
      memberRoleName: "FromProject",
    });
  });

  it("says which file is missing", () => {
    const dir = tmpDir();
    expect(stackFileName("org/proj/dev")).toBe("Pulumi.dev.yaml");
    expect(() => loadStackConfig("nope", dir)).toThrow(`No stack file ${path.join(dir, "Pulumi.nope.yaml")}`);
  });
});

describe("doctor CLI", () => {
  const run = (args: string[], env: Record<string, string>) => runScript("scripts/doctor.ts", args, env);

  it("runs end to end: non-zero with a fix for a missing role, zero once it is excluded", async () => {
    const { aws, env } = await startFakeOrganization(defaultOrg());
    running.push(aws);
    const dir = tmpDir();
    const write = (exclude: string[]) =>
      fs.writeFileSync(
        path.join(dir, "Pulumi.spoke-test.yaml"),
        [
          "config:",
          "  aws:region: us-east-1",
          "  root-activity-monitor:role: spoke",
          `  root-activity-monitor:hubEventBusArn: ${HUB_BUS_ARN}`,
          "  root-activity-monitor:accounts:",
          `    exclude: [${exclude.map((id) => `"${id}"`).join(", ")}]`,
        ].join("\n"),
      );

    write(["555555555503"]);
    const bad = await run(["--stack", "spoke-test", "--dir", dir], env);
    expect(bad.stderr).toBe("");
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/555555555502\s+invited-legacy\s+assume role\s+FAIL/);
    expect(bad.stdout).toContain(
      "create role OrganizationAccountAccessRole in 555555555502 trusting arn:aws:iam::111111111111:root",
    );
    expect(bad.stdout).toContain("1 check failed for stack spoke-test");
    expect(
      aws.requests.some((r) => r.operation === "AssumeRole" && r.params.RoleSessionName === SESSION_NAME),
    ).toBe(true);

    write(ACCOUNTS_WITHOUT_ROLE);
    const good = await run(["--stack", "spoke-test", "--dir", dir], env);
    expect(good.code).toBe(0);
    expect(good.stdout).toContain("All checks passed for stack spoke-test.");
    expect(good.stdout).toMatch(new RegExp(`${HUB_ACCOUNT_ID}\\s+hub\\s+hub bus\\s+OK`));
  });

  it("exits 2 on bad arguments or config", async () => {
    const env = fakeAwsEnv("http://127.0.0.1:9");
    const noStack = await run([], env);
    expect(noStack.code).toBe(2);
    expect(noStack.stderr).toContain("--stack is required");

    const missing = await run(["--stack", "ghost", "--dir", tmpDir()], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("No stack file");

    const dir = tmpDir();
    fs.writeFileSync(
      path.join(dir, "Pulumi.bad.yaml"),
      "config:\n  root-activity-monitor:role: spoke\n  root-activity-monitor:regions: [eu-west-1]\n",
    );
    const badConfig = await run(["--stack", "bad", "--dir", dir], env);
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toContain("Invalid config root-activity-monitor:hubStack");
  });
});
