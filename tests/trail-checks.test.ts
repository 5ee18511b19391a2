// The doctor and the coverage report use the posture trail check: a spoke over an account with no
// logging trail watches nothing, whatever the roles or the stack outputs say.
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { describe, expect, it } from "vitest";
import { runCoverage } from "../scripts/coverage/run";
import { runDoctor } from "../scripts/doctor/run";
import type { AwsCredentialIdentity } from "../scripts/shared/access";
import { readSpokeConfig } from "../spoke/config";
import { startFakeAws } from "../testkit/fakeAws";
import { fakeClientConfig, orgBusPolicy } from "../testkit/fakeOrganization";
import { A, B, FakePosture, fakeDeps, MGMT, REGIONS, smallOrg, writeSpoke } from "../testkit/fakePosture";
import { useScratch } from "../testkit/scratch";

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
