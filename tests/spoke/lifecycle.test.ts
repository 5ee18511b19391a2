// The spoke's lifecycle rules through the real program (index.ts) against the fake organization: the
// management account's us-east-1 rule forwards Organizations' account changes and region opt-ins, its
// Control Tower home region's rule Control Tower's, every other account's us-east-1 rule its region
// opt-ins; each to the hub bus with the account's forwarding role. The real records go through them.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FORWARDER_ROLE_NAME } from "../../common/monitorNames";
import { lifecycleBranches } from "../../handler/classify/lifecycleEvent";
import { LIFECYCLE_RULE_NAME } from "../../spoke/lifecycleRules";
import { matchesPattern } from "../../testkit/eventPattern";
import type { FakeAws } from "../../testkit/fakeAws";
import {
  DEFAULT_ACTIVE_ACCOUNT_IDS,
  defaultOrg,
  HUB_BUS_ARN,
  MANAGEMENT_ACCOUNT_ID,
  startFakeOrganization,
} from "../../testkit/fakeOrganization";
import { ofType, parseJson, runProgram, type ProgramRun } from "../../testkit/program";
import { TESTS_DIR } from "../../testkit/paths";

const HUB_STACK = "acme/root-activity-monitor/hub";
const DIR = path.join(TESTS_DIR, "fixtures", "lifecycle");
const load = (f: string): Record<string, any> => JSON.parse(fs.readFileSync(path.join(DIR, f), "utf8"));
let fake: { aws: FakeAws; env: Record<string, string> };
let run: ProgramRun;

const spoke = (overrides: Record<string, unknown>): Promise<ProgramRun> =>
  runProgram({
    stackFile: "Pulumi.spoke-template.yaml",
    stack: "spoke-test",
    callerAccountId: MANAGEMENT_ACCOUNT_ID,
    stackOutputs: { [HUB_STACK]: { eventBusArn: HUB_BUS_ARN } },
    env: fake.env,
    overrides: { hubStack: HUB_STACK, guardMonitor: false, ...overrides },
  });
const lifecycleRules = (r: ProgramRun) =>
  ofType(r, "aws:cloudwatch/eventRule:EventRule").filter((x) => x.name.startsWith("lifecycle-"));

beforeAll(async () => {
  fake = await startFakeOrganization(defaultOrg());
  run = await spoke({ regions: ["us-east-1", "eu-west-1"], controlTowerHomeRegion: "eu-west-1" });
  if (run.error) throw new Error(`${run.error}\n${run.stderr}`);
}, 240_000);
afterAll(async () => fake?.aws.close());

describe("the spoke's lifecycle rules", () => {
  it("puts one in every account's us-east-1, and one in the management account's Control Tower home region", () => {
    const rules = lifecycleRules(run);
    const where = rules.map((r) => r.name).sort();
    expect(where).toEqual(
      [
        ...DEFAULT_ACTIVE_ACCOUNT_IDS.map((id) => `lifecycle-${id}-us-east-1`),
        `lifecycle-${MANAGEMENT_ACCOUNT_ID}-eu-west-1`,
      ].sort(),
    );
    for (const r of rules) {
      expect(r.inputs.name).toBe(LIFECYCLE_RULE_NAME);
      expect(r.inputs.state).toBe("ENABLED");
      expect(r.inputs.eventBusName).toBeUndefined(); // the default bus
    }
    expect(run.outputs?.counts.lifecycleRules).toBe(DEFAULT_ACTIVE_ACCOUNT_IDS.length + 1);
  });

  it("carries Organizations' branches only in the management account's us-east-1", () => {
    const byName = Object.fromEntries(
      lifecycleRules(run).map((r) => [r.name, parseJson(r.inputs.eventPattern)]),
    );
    expect(byName[`lifecycle-${MANAGEMENT_ACCOUNT_ID}-us-east-1`]).toEqual({
      $or: lifecycleBranches({ organizations: true, controlTower: false, regionOptIn: true }),
    });
    expect(byName[`lifecycle-${MANAGEMENT_ACCOUNT_ID}-eu-west-1`]).toEqual({
      $or: lifecycleBranches({ organizations: false, controlTower: true, regionOptIn: false }),
    });
    const member = DEFAULT_ACTIVE_ACCOUNT_IDS.find((id) => id !== MANAGEMENT_ACCOUNT_ID) as string;
    const memberPattern = byName[`lifecycle-${member}-us-east-1`];
    expect(memberPattern).toEqual({
      $or: lifecycleBranches({ organizations: false, controlTower: false, regionOptIn: true }),
    });
    // The records themselves, through the rules they reach.
    const mgmt = byName[`lifecycle-${MANAGEMENT_ACCOUNT_ID}-us-east-1`];
    for (const f of [
      "org-createaccountresult-succeeded.json",
      "org-accountjoined-invited.json",
      "org-moveaccount.json",
      "org-closeaccount.json",
      "account-enableregion-formember.json",
    ])
      expect(matchesPattern(mgmt, load(f)), f).toBe(true);
    expect(matchesPattern(mgmt, load("org-createaccountresult-failed.json"))).toBe(false);
    expect(
      matchesPattern(
        byName[`lifecycle-${MANAGEMENT_ACCOUNT_ID}-eu-west-1`],
        load("ct-createmanagedaccount.json"),
      ),
    ).toBe(true);
    expect(matchesPattern(memberPattern, load("account-enableregion.json"))).toBe(true);
    expect(matchesPattern(memberPattern, load("org-createaccountresult-succeeded.json"))).toBe(false);
    for (const pattern of Object.values(byName))
      expect(matchesPattern(pattern, { ...load("account-enableregion.json"), source: "acme.account" })).toBe(
        false,
      );
  });

  it("sends to the hub bus with the account's forwarding role and the forwarding retries", () => {
    const targets = ofType(run, "aws:cloudwatch/eventTarget:EventTarget").filter((t) =>
      t.name.startsWith("lifecycle-"),
    );
    expect(targets).toHaveLength(lifecycleRules(run).length);
    for (const t of targets) {
      const id = /lifecycle-(\d{12})-/.exec(t.name)?.[1];
      expect(t.inputs.arn).toBe(HUB_BUS_ARN);
      expect(t.inputs.roleArn).toBe(`arn:aws:iam::${id}:role/${FORWARDER_ROLE_NAME}`);
      expect(t.inputs.retryPolicy).toEqual({ maximumEventAgeInSeconds: 86400, maximumRetryAttempts: 185 });
    }
  });

  it("refuses a Control Tower home region it does not watch", async () => {
    const bad = await spoke({
      regions: ["us-east-1"],
      controlTowerHomeRegion: "eu-west-1",
      accounts: { include: ["555555555501"] },
    });
    expect(bad.error).toMatch(/controlTowerHomeRegion: eu-west-1 is not in regions/);
  });
});
