// The doctor and the coverage report use the posture trail check: a spoke over an account with no
// logging trail watches nothing, whatever the roles or the stack outputs say.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { describe, expect, it } from "vitest";
import { runCoverage } from "../../scripts/coverage/run";
import { runDoctor } from "../../scripts/doctor/run";
import type { AwsCredentialIdentity } from "../../scripts/shared/access";
import { readSpokeConfig } from "../../spoke/config";
import { FakeAwsError, startFakeAws } from "../../testkit/fakeAws";
import { fakeClientConfig, orgBusPolicy } from "../../testkit/fakeOrganization";
import { A, B, FakePosture, fakeDeps, MGMT, REGIONS, smallOrg, writeSpoke } from "../../testkit/fakePosture";
import { useScratch } from "../../testkit/scratch";

const { running, tmpDir } = useScratch("trail-checks");
const BUS = `arn:aws:events:us-east-1:${A}:event-bus/root-activity`;
const CONFIG = { hubEventBusArn: BUS, regions: REGIONS, accounts: { include: [MGMT, A, B] } };

/** Management and A have a multi-region trail; B only a stopped one. */
async function setup() {
  const org = smallOrg();
  org.addBus(BUS, orgBusPolicy(BUS, org.organizationId));
  const fake = new FakePosture(org)
    .addTrail({ owner: MGMT, name: "mgmt" })
    .addTrail({ owner: A, name: "alpha", homeRegion: "eu-west-1" })
    .addTrail({ owner: B, name: "beta", logging: false });
  const aws = await startFakeAws({ ...org.responders(), ...fake.responders() });
  running.push(aws);
  const cfg = (region: string, credentials?: AwsCredentialIdentity) => ({
    ...fakeClientConfig(aws.url, region),
    ...(credentials ? { credentials } : {}),
  });
  return { org, fake, aws, deps: fakeDeps(aws.url), cfg };
}

describe("doctor trail check", () => {
  it("fails a stopped trail with its fix, and passes the accounts whose trail logs", async () => {
    const { deps, cfg, fake } = await setup();
    const config = readSpokeConfig({
      get: (k) => {
        const v = (CONFIG as Record<string, unknown>)[k];
        return v === undefined ? undefined : typeof v === "string" ? v : JSON.stringify(v);
      },
    });
    const doctor = () =>
      runDoctor({
        config,
        region: "us-east-1",
        clients: deps.clients,
        cloudTrailFactory: deps.cloudTrail,
        eventBridgeFactory: (region, credentials) => new EventBridgeClient(cfg(region, credentials)),
      });
    const report = await doctor();
    const trail = report.rows.filter((r) => r.check === "trail");
    expect(trail.map((r) => [r.accountId, r.result])).toEqual([
      [MGMT, "ok"],
      [A, "ok"],
      [B, "fail"],
    ]);
    expect(trail[2]?.fix).toBe(
      `aws cloudtrail start-logging --name arn:aws:cloudtrail:us-east-1:${B}:trail/beta --region us-east-1`,
    );
    expect(report.ok).toBe(false);
    expect(report.rows.filter((r) => r.result === "fail")).toHaveLength(1);

    // Once it logs, the doctor passes.
    fake.trails[2]!.logging = true;
    const fixed = await doctor();
    expect(fixed.rows.filter((r) => r.result === "fail")).toEqual([]);
  });
});

describe("coverage trail check", () => {
  it("marks an account whose trail is stopped or missing as not covered, whatever the outputs say", async () => {
    const { deps, fake } = await setup();
    fake.trails.splice(1, 1); // alpha: no trail at all
    const dir = tmpDir();
    writeSpoke(dir, "spoke-test", { accounts: { include: [MGMT, A, B] } });
    const outputs = {
      role: "spoke",
      coverage: [MGMT, A, B].map((id) => ({ id, name: id, regions: REGIONS })),
      skipped: [],
    };
    const run = await runCoverage(
      { stacks: ["spoke-test"], scope: "stacks", dir },
      {
        clients: deps.clients,
        cloudTrail: deps.cloudTrail,
        stackOutputs: async () => outputs,
      },
    );
    const row = (id: string) => run.report.rows.find((r) => r.accountId === id);
    expect(row(MGMT)?.status).toBe("covered");
    expect(row(A)).toMatchObject({ status: "missing", missingRegions: REGIONS });
    expect(row(A)?.detail).toContain("deployed, but CloudTrail missing");
    expect(row(A)?.detail).toContain("--is-multi-region-trail");
    expect(row(B)).toMatchObject({ status: "missing", missingRegions: REGIONS });
    expect(row(B)?.detail).toContain("CloudTrail stopped");
    expect(run.report.ok).toBe(false);
  });
});

describe("read errors: only a denied permission is fixed by allowing it", () => {
  /** A local server that answers every request with an HTML page (a proxy's, a captive portal's). */
  async function htmlServer(): Promise<{ url: string; close(): Promise<void> }> {
    const server = http.createServer((_req, res) => {
      res
        .writeHead(200, { "content-type": "text/html" })
        .end("<html><body>Sign in to the proxy</body></html>");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  }

  it.each([
    ["an HTML page", "html", /not AWS's \(an HTML page or unparseable\)/],
    [
      "an endpoint that does not resolve",
      "dns",
      /no AWS endpoint answered at that name: check the region name/,
    ],
    ["a server error", "5xx", /AWS answered with a server error \(HTTP 5xx\)/],
    [
      "access denied",
      "denied",
      /^allow cloudtrail:DescribeTrails to role OrganizationAccountAccessRole in 333333333333$/,
    ],
  ])("%s", async (_label, kind, fix) => {
    const { deps, cfg, fake, aws } = await setup();
    fake.trails.splice(2, 1); // B has no trail of its own: its own listing decides.
    const html = await htmlServer();
    running.push(html);
    if (kind === "5xx") {
      aws.on("cloudtrail:DescribeTrails", () => {
        throw new FakeAwsError("InternalFailure", "boom", 500);
      });
    }
    if (kind === "denied") fake.cloudTrailDenied.add(B);
    const config = readSpokeConfig({
      get: (k) => {
        const v = ({ ...CONFIG, accounts: { include: [B] } } as Record<string, unknown>)[k];
        return v === undefined ? undefined : typeof v === "string" ? v : JSON.stringify(v);
      },
    });
    const report = await runDoctor({
      config,
      region: "us-east-1",
      clients: deps.clients,
      cloudTrailFactory: (region, credentials) =>
        kind === "html" || kind === "dns"
          ? new CloudTrailClient({
              ...cfg(region, credentials),
              endpoint: kind === "html" ? html.url : "http://cloudtrail.no-such-host.invalid",
            })
          : deps.cloudTrail(region, credentials),
      eventBridgeFactory: (region, credentials) => new EventBridgeClient(cfg(region, credentials)),
    });
    const trail = report.rows.find((r) => r.check === "trail" && r.accountId === B);
    expect(trail?.result).not.toBe("ok");
    expect(trail?.fix).toMatch(fix);
    if (kind !== "denied") expect(trail?.fix).not.toMatch(/^allow /);
  });
});

describe("doctor output", () => {
  const doctorOver = async (trails: (fake: FakePosture) => void) => {
    const { deps, cfg, fake } = await setup();
    fake.trails.splice(0, 3);
    trails(fake);
    const config = readSpokeConfig({
      get: (k) => {
        const v = (CONFIG as Record<string, unknown>)[k];
        return v === undefined ? undefined : typeof v === "string" ? v : JSON.stringify(v);
      },
    });
    const report = await runDoctor({
      config,
      region: "us-east-1",
      clients: deps.clients,
      cloudTrailFactory: deps.cloudTrail,
      eventBridgeFactory: (region, credentials) => new EventBridgeClient(cfg(region, credentials)),
    });
    return report.rows.filter((r) => r.check === "trail");
  };

  it("says an organization-wide trail problem once, naming the accounts", async () => {
    const trail = await doctorOver((fake) =>
      fake.addTrail({ owner: MGMT, name: "org", organization: true, logging: false }),
    );
    expect(trail).toHaveLength(1);
    expect(trail[0]).toMatchObject({ accountId: "-", name: "3 accounts", result: "fail" });
    expect(trail[0]?.detail).toContain(`(accounts ${MGMT}, ${A}, ${B})`);
    expect(trail[0]?.fix).toContain("aws cloudtrail start-logging --name arn:aws:cloudtrail:us-east-1:");
  });

  it("says each region's status once in a row", async () => {
    const trail = await doctorOver(() => undefined);
    const failing = trail.filter((r) => r.result === "fail");
    expect(failing.length).toBeGreaterThan(0);
    for (const r of failing) expect(r.detail.match(/missing: /g) ?? []).toHaveLength(1);
  });
});
