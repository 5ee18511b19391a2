// The posture report against the fake organization with fake CloudTrail and IAM: trails that cover
// or do not, root credentials, and the report's shapes (table, Markdown, JSON).
import { describe, expect, it } from "vitest";
import { runPosture, SESSION_NAME } from "../../scripts/posture/run";
import type { PostureDeps } from "../../scripts/posture/types";
import { formatMarkdown, formatTable } from "../../scripts/posture/report";
import { startFakeAws } from "../../testkit/fakeAws";
import type { FakeOrganization } from "../../testkit/fakeOrganization";
import {
  A,
  B,
  C,
  FakePosture,
  fakeDeps,
  MGMT,
  REGIONS,
  smallOrg,
  trailArn,
  writeSpoke,
} from "../../testkit/fakePosture";
import { useScratch } from "../../testkit/scratch";

const { running, tmpDir } = useScratch("posture");

async function posture(
  org: FakeOrganization,
  fake: FakePosture,
  config: Record<string, unknown> = {},
  extra: Partial<PostureDeps> = {},
) {
  const aws = await startFakeAws({ ...org.responders(), ...fake.responders() });
  running.push(aws);
  const dir = tmpDir();
  writeSpoke(dir, "spoke-test", config);
  const run = await runPosture({ stacks: ["spoke-test"], dir }, { ...fakeDeps(aws.url), ...extra });
  const account = (id: string) => run.report.accounts.find((a) => a.id === id);
  return { ...run, aws, account };
}

describe("trails", () => {
  it("an organization trail covers every member, read once from the management account", async () => {
    const org = smallOrg();
    const fake = new FakePosture(org).addTrail({ owner: MGMT, name: "org-trail", organization: true });
    const { report, aws, account } = await posture(org, fake);
    expect(report.accounts.map((a) => [a.id, a.trail])).toEqual([
      [MGMT, "ok"],
      [A, "ok"],
      [B, "ok"],
      [C, "ok"],
    ]);
    expect(account(A)?.trailDetail).toContain("organization trail org-trail (us-east-1)");
    // No member's trails were read: the organization trail answers for them.
    const trailCalls = aws.requests.filter((r) => r.service === "cloudtrail");
    expect(trailCalls.every((r) => fake.accountOf(r) === MGMT)).toBe(true);
    expect(
      trailCalls
        .filter((r) => r.operation === "DescribeTrails")
        .map((r) => r.region)
        .sort(),
    ).toEqual([...REGIONS].sort());
    // The invited account's trail is fine, but its root user could not be read: one medium finding.
    expect(account(C)?.findings).toEqual([
      expect.objectContaining({
        severity: "medium",
        fix: expect.stringContaining(`create role OrganizationAccountAccessRole in ${C}`),
      }),
    ]);
    expect(account(A)?.findings).toEqual([]);
  });

  it("a single-region trail outside us-east-1 leaves us-east-1 missing", async () => {
    const org = smallOrg();
    const fake = new FakePosture(org).addTrail({
      owner: A,
      name: "eu-only",
      homeRegion: "eu-west-1",
      multiRegion: false,
    });
    const { account, aws } = await posture(org, fake, { accounts: { include: [A] } });
    const a = account(A);
    expect(a?.trail).toBe("missing");
    expect(a?.trailDetail).toBe("us-east-1: missing: no trail logs this region");
    expect(a?.findings[0]).toMatchObject({
      severity: "critical",
      fix: expect.stringContaining("--is-multi-region-trail"),
    });
    // The eu-west-1 trail's status was asked in its home region, with the member's credentials.
    const status = aws.requests.filter((r) => r.operation === "GetTrailStatus");
    expect(status.map((r) => [r.region, fake.accountOf(r)])).toEqual([["eu-west-1", A]]);
    expect(
      aws.requests.some((r) => r.operation === "AssumeRole" && r.params.RoleSessionName === SESSION_NAME),
    ).toBe(true);
  });

  it("a stopped trail is critical, with the start-logging command for its home region", async () => {
    const org = smallOrg();
    const fake = new FakePosture(org).addTrail({
      owner: B,
      name: "main",
      homeRegion: "eu-west-1",
      logging: false,
    });
    const { account } = await posture(org, fake, { accounts: { include: [B] } });
    const b = account(B);
    expect(b?.trail).toBe("stopped");
    expect(b?.trailDetail).toBe(
      "us-east-1, eu-west-1: stopped: multi-region trail main (eu-west-1) not logging",
    );
    expect(b?.findings[0]).toEqual({
      severity: "critical",
      text: expect.stringContaining("CloudTrail stopped where the spoke watches"),
      fix: `aws cloudtrail start-logging --name ${trailArn({ owner: B, name: "main", homeRegion: "eu-west-1" })} --region eu-west-1`,
    });
  });

  it("write-only basic selectors are medium while read-only events are expected, fine when they are not", async () => {
    const org = smallOrg();
    const fake = new FakePosture(org).addTrail({
      owner: A,
      name: "writes",
      eventSelectors: [{ ReadWriteType: "WriteOnly", IncludeManagementEvents: true }],
    });
    const expected = await posture(org, fake, { accounts: { include: [A] } });
    expect(expected.account(A)?.trail).toBe("write-only");
    expect(expected.account(A)?.findings).toEqual([
      expect.objectContaining({ severity: "medium", fix: expect.stringContaining("ReadWriteType All") }),
    ]);
    const notExpected = await posture(org, fake, {
      accounts: { include: [A] },
      includeReadOnlyEvents: false,
    });
    expect(notExpected.account(A)?.trail).toBe("ok");
  });

  it("reads advanced selectors: readOnly = false is write-only, data events only is missing", async () => {
    const org = smallOrg();
    const fake = new FakePosture(org)
      .addTrail({
        owner: A,
        name: "adv-writes",
        advancedEventSelectors: [
          {
            Name: "mgmt",
            FieldSelectors: [
              { Field: "eventCategory", Equals: ["Management"] },
              { Field: "readOnly", Equals: ["false"] },
            ],
          },
        ],
      })
      .addTrail({
        owner: B,
        name: "adv-data",
        advancedEventSelectors: [
          {
            Name: "s3",
            FieldSelectors: [
              { Field: "eventCategory", Equals: ["Data"] },
              { Field: "resources.type", Equals: ["AWS::S3::Object"] },
            ],
          },
        ],
      });
    const { account } = await posture(org, fake, { accounts: { include: [A, B] } });
    expect(account(A)?.trail).toBe("write-only");
    expect(account(B)?.trail).toBe("missing");
    expect(account(B)?.trailDetail).toContain("logs no management write events");
    fake.trails[0]!.advancedEventSelectors = [
      { FieldSelectors: [{ Field: "eventCategory", Equals: ["Management"] }] },
    ];
    expect((await posture(org, fake, { accounts: { include: [A] } })).account(A)?.trail).toBe("ok");
  });

  it("an account whose role cannot be assumed, or whose CloudTrail is denied, is unknown with what to grant", async () => {
    const org = smallOrg();
    const fake = new FakePosture(org).addTrail({ owner: A, name: "a" }).addTrail({ owner: B, name: "b" });
    fake.cloudTrailDenied.add(B);
    const { account } = await posture(org, fake);
    expect(account(A)?.trail).toBe("ok");
    expect(account(B)).toMatchObject({ trail: "unknown", rootMfaEnabled: true });
    expect(account(B)?.findings[0]?.fix).toBe(
      `allow cloudtrail:DescribeTrails to role OrganizationAccountAccessRole in ${B}`,
    );
    const c = account(C);
    expect(c).toMatchObject({
      trail: "unknown",
      rootMfaEnabled: null,
      rootAccessKeysPresent: null,
      rootSigningCertificatesPresent: null,
    });
    expect(c?.trailDetail).toContain(
      `cannot assume arn:aws:iam::${C}:role/OrganizationAccountAccessRole: AccessDenied`,
    );
    // One finding for the unreachable account, not one per thing it could not read.
    expect(c?.findings).toHaveLength(1);
    expect(c?.findings[0]).toMatchObject({
      severity: "medium",
      text: expect.stringContaining("the account could not be read"),
    });
  });

  it("a slow account is reported unknown and does not hold the others", async () => {
    const org = smallOrg();
    const fake = new FakePosture(org).addTrail({ owner: A, name: "a" }).addTrail({ owner: B, name: "b" });
    fake.slow.set(B, 3000);
    const started = Date.now();
    const { account } = await posture(
      org,
      fake,
      { accounts: { include: [A, B] } },
      { accountTimeoutMs: 300 },
    );
    expect(Date.now() - started).toBeLessThan(2500);
    expect(account(A)?.trail).toBe("ok");
    expect(account(B)?.trail).toBe("unknown");
    expect(account(B)?.trailDetail).toContain("timed out");
  });
});

describe("root credentials", () => {
  const withOrgTrail = (org: FakeOrganization) =>
    new FakePosture(org).addTrail({ owner: MGMT, name: "org-trail", organization: true });

  it("root access keys are critical", async () => {
    const org = smallOrg();
    const fake = withOrgTrail(org);
    fake.summaries.set(A, { AccountAccessKeysPresent: 1 });
    const { account } = await posture(org, fake, { accounts: { include: [A, B] } });
    expect(account(A)).toMatchObject({ rootAccessKeysPresent: true, rootMfaEnabled: true });
    expect(account(A)?.findings).toEqual([
      {
        severity: "critical",
        text: "the root user has access keys",
        fix: expect.stringContaining("delete the root access keys"),
      },
    ]);
    expect(account(B)?.findings).toEqual([]);
  });

  it("root MFA off is high without centralized credentials management", async () => {
    const org = smallOrg();
    const fake = withOrgTrail(org);
    fake.summaries.set(A, { AccountMFAEnabled: 0, AccountPasswordPresent: 0 });
    const { account, report } = await posture(org, fake, { accounts: { include: [A] } });
    expect(report.organization).toMatchObject({ rootCredentialsManagement: false, rootSessions: false });
    expect(account(A)?.findings).toEqual([
      expect.objectContaining({ severity: "high", text: "root MFA is off" }),
    ]);
  });

  it("with centralized credentials management, a member without root credentials needs no MFA", async () => {
    const org = smallOrg();
    const fake = withOrgTrail(org);
    fake.features = ["RootCredentialsManagement", "RootSessions"];
    const noCredentials = { AccountMFAEnabled: 0, AccountPasswordPresent: 0 };
    fake.summaries.set(A, noCredentials);
    fake.summaries.set(B, { AccountMFAEnabled: 0, AccountPasswordPresent: 1 });
    fake.summaries.set(MGMT, noCredentials);
    const { account, report } = await posture(org, fake, { accounts: { include: [MGMT, A, B] } });
    expect(report.organization).toEqual({
      id: org.organizationId,
      rootCredentialsManagement: true,
      rootSessions: true,
      findings: [],
    });
    expect(account(A)?.findings).toEqual([]);
    // A member that still has a root password, and the management account (never managed centrally), are flagged.
    expect(account(B)?.findings[0]).toMatchObject({
      severity: "high",
      text: "root MFA is off and the root user still has credentials",
    });
    expect(account(MGMT)?.findings[0]).toMatchObject({ severity: "high", text: "root MFA is off" });
  });

  it("reports the organization features as unknown, with the permission, when they cannot be read", async () => {
    const org = smallOrg();
    const fake = withOrgTrail(org);
    fake.features = "AccessDenied";
    const { report } = await posture(org, fake, { accounts: { include: [A] } });
    expect(report.organization).toMatchObject({ rootCredentialsManagement: null, rootSessions: null });
    expect(report.organization.findings).toEqual([
      expect.objectContaining({
        severity: "medium",
        fix: "allow iam:ListOrganizationsFeatures to the caller's credentials",
      }),
    ]);
  });
});

describe("report output", () => {
  it("prints a table and Markdown with the findings, worst first", async () => {
    const org = smallOrg();
    const fake = new FakePosture(org).addTrail({
      owner: A,
      name: "a",
      eventSelectors: [{ ReadWriteType: "WriteOnly" }],
    });
    fake.summaries.set(A, { AccountAccessKeysPresent: 1 });
    const { report } = await posture(org, fake, { accounts: { include: [A, B] } });
    const table = formatTable(report);
    expect(table).toMatch(/^ACCOUNT\s+NAME\s+TRAIL\s+ROOT MFA\s+ROOT KEYS\s+ROOT CERTS\s+WORST$/m);
    expect(table).toMatch(new RegExp(`${B}\\s+beta\\s+missing`));
    const findings = table.split("\n").filter((l) => /^(CRITICAL|HIGH|MEDIUM)\s/.test(l));
    expect(findings.map((l) => l.split(/\s+/)[0])).toEqual(["CRITICAL", "CRITICAL", "MEDIUM"]);
    const markdown = formatMarkdown(report);
    expect(markdown).toContain("**2 critical, 0 high**");
    expect(markdown).toContain(`| \`${B}\` | beta | **missing** |`);
  });
});
