// The doctor's guard checks (scripts/doctor/guardRows.ts): which way guardMonitor is set, and what
// Organizations would refuse (the SCP policy type, a free slot on every target, the policy's size),
// each failure with its fix; against the fake organization.
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { STSClient } from "@aws-sdk/client-sts";
import { describe, expect, it } from "vitest";
import { guardRows } from "../../scripts/doctor/guardRows";
import { runDoctor } from "../../scripts/doctor/run";
import { readSpokeConfig, type SpokeConfig } from "../../spoke/config";
import type { AccountSelection } from "../../spoke/discovery";
import {
  ACCOUNTS_WITHOUT_ROLE,
  defaultOrg,
  fakeClientConfig,
  type FakeOrganization,
  HUB_BUS_ARN,
  MANAGEMENT_ACCOUNT_ID,
  OU,
  ROOT_ID,
  startFakeOrganization,
} from "../../testkit/fakeOrganization";
import { useScratch } from "../../testkit/scratch";

const { running } = useScratch("doctor-guard");

function spokeConfig(values: Record<string, unknown>): SpokeConfig {
  return readSpokeConfig({
    get: (k) => {
      const v = { hubEventBusArn: HUB_BUS_ARN, ...values }[k];
      return v === undefined ? undefined : typeof v === "string" ? v : JSON.stringify(v);
    },
  });
}

const SELECTION: AccountSelection = {
  callerAccountId: MANAGEMENT_ACCOUNT_ID,
  managementAccountId: MANAGEMENT_ACCOUNT_ID,
  selected: [],
  skipped: [],
  otherShards: 0,
  warnings: [],
};

async function orgClient(org: FakeOrganization): Promise<OrganizationsClient> {
  const { aws } = await startFakeOrganization(org);
  running.push(aws);
  return new OrganizationsClient(fakeClientConfig(aws.url));
}

const rowsFor = async (org: FakeOrganization, values: Record<string, unknown> = {}) =>
  guardRows({
    config: spokeConfig(values),
    selection: SELECTION,
    region: "us-east-1",
    stack: "spoke-all",
    organizations: await orgClient(org),
  });

describe("the doctor's guard checks", () => {
  it("run with the other checks: on by default, the policy type, a free slot on the root, the size", async () => {
    const org = defaultOrg();
    const { aws } = await startFakeOrganization(org);
    running.push(aws);
    const client =
      <C>(Make: new (c: object) => C) =>
      (region: string, credentials?: unknown) =>
        new Make({ ...fakeClientConfig(aws.url, region), ...(credentials ? { credentials } : {}) });
    const report = await runDoctor({
      config: spokeConfig({ accounts: { exclude: ACCOUNTS_WITHOUT_ROLE } }),
      region: "us-east-1",
      stack: "spoke-all",
      clients: {
        organizations: new OrganizationsClient(fakeClientConfig(aws.url)),
        sts: new STSClient(fakeClientConfig(aws.url)),
      },
      stsFactory: client(STSClient),
      cloudTrailFactory: client(CloudTrailClient),
      eventBridgeFactory: client(EventBridgeClient),
    });
    expect(report.ok).toBe(true);
    const guard = report.rows.filter((r) => /guard|SCP/.test(r.check));
    expect(guard.map((r) => [r.check, r.result])).toEqual([
      ["guard", "ok"],
      ["guard size", "ok"],
      ["SCP policy type", "ok"],
      ["SCP slot", "ok"],
    ]);
    expect(guard[0]?.detail).toMatch(/guardMonitor is on \(the default\)/);
    expect(guard[3]?.detail).toBe(`root ${ROOT_ID}: 1 of 5 SCPs attached, room for the guard`);
  });

  it("fails a target with 5 SCPs attached, with the fix; one that holds the guard already is fine", async () => {
    const org = defaultOrg();
    org.scps.set(ROOT_ID, ["FullAWSAccess", "a", "b", "c", "d"]);
    org.scps.set(OU.production, ["FullAWSAccess", "a", "b", "c", "root-activity-monitor-guard-spoke-all"]);
    const rows = await rowsFor(org, { organizationalUnits: [ROOT_ID, OU.production] });
    const slots = rows.filter((r) => r.check === "SCP slot");
    expect(slots.map((r) => [r.name, r.result])).toEqual([
      [OU.production, "ok"],
      [ROOT_ID, "fail"],
    ]);
    expect(slots[0]?.detail).toMatch(/holds the guard already/);
    expect(slots[1]?.detail).toMatch(
      /has 5 SCPs attached, the most Organizations allows \(5\): FullAWSAccess, a, b, c, d/,
    );
    expect(slots[1]?.fix).toMatch(/detach-policy --target-id r-ab12 .*or set guardMonitor: false/);
  });

  it("fails when the SCP policy type is not enabled on the root, with the command that enables it", async () => {
    const org = defaultOrg();
    org.scpEnabled = false;
    const rows = await rowsFor(org);
    const type = rows.find((r) => r.check === "SCP policy type");
    expect(type).toMatchObject({ result: "fail", name: ROOT_ID });
    expect(type?.fix).toMatch(
      /aws organizations enable-policy-type --root-id r-ab12 --policy-type SERVICE_CONTROL_POLICY/,
    );
    expect(rows.filter((r) => r.check === "SCP slot")).toEqual([]);
  });

  it("checks the size: the longest member role name IAM allows still fits in 5,120 characters", async () => {
    const rows = await rowsFor(defaultOrg(), { memberRoleName: "R".repeat(64) });
    // 64 characters is IAM's limit, and still fits.
    expect(rows.find((r) => r.check === "guard size")).toMatchObject({ result: "ok" });
  });

  it("says when the guard is off, and when another shard owns it", async () => {
    const off = await rowsFor(defaultOrg(), { guardMonitor: false });
    expect(off).toEqual([
      expect.objectContaining({
        check: "guard",
        result: "warn",
        detail: expect.stringMatching(/guardMonitor is off/),
      }),
    ]);
    expect(off[0]?.fix).toMatch(/guardMonitor: true/);
    const shard = await rowsFor(defaultOrg(), { shard: "2/3" });
    expect(shard).toEqual([
      expect.objectContaining({ result: "ok", detail: expect.stringMatching(/shard 1\/3 owns the guard/) }),
    ]);
  });

  it("names the permissions when Organizations refuses the reads", async () => {
    const org = defaultOrg();
    org.organizationsMode = "access-denied";
    const rows = await rowsFor(org);
    const failed = rows.find((r) => r.check === "guard targets");
    expect(failed?.result).toBe("fail");
    expect(failed?.fix).toMatch(/organizations:ListRoots and organizations:ListPoliciesForTarget/);
  });
});
