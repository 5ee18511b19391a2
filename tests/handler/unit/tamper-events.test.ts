// Tamper events through the real rule patterns (a member account's spoke rule, the caller's own
// spoke rule, the hub rule) and the notifier's decision, on invented but real-shaped CloudTrail
// records (tests/fixtures/tamper/, listed in tests/fixtures/INDEX.md).
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { decide } from "../../../handler/classify/decide";
import { rootEventPattern } from "../../../handler/classify/rootEvent";
import {
  callerDeployer,
  deploySessionArn,
  tamperBranches,
  withTamper,
} from "../../../handler/classify/tamperEvent";
import { matchesPattern } from "../../../testkit/eventPattern";
import { readSubscriptions } from "../../../hub/subscriptions";
import { TESTS_DIR } from "../../../testkit/paths";

const DIR = path.join(TESTS_DIR, "fixtures", "tamper");
const load = (file: string): Record<string, any> =>
  JSON.parse(fs.readFileSync(path.join(DIR, `${file}.json`), "utf8"));

const MEMBER_PATTERN = withTamper(
  rootEventPattern(),
  deploySessionArn("aws", "111122223333", "OrganizationAccountAccessRole"),
);
const HUB_PATTERN = withTamper(rootEventPattern());

/** fixture -> what should happen: no alert, or an alert of this severity and outcome. */
const CASES: [string, null | { severity: string; outcome: string; bySCP: boolean; byRoot: boolean }][] = [
  ["admin-deleterule", { severity: "critical", outcome: "changed", bySCP: false, byRoot: false }],
  ["admin-disablerule-denied", { severity: "high", outcome: "denied", bySCP: true, byRoot: false }],
  ["admin-removetargets", { severity: "critical", outcome: "changed", bySCP: false, byRoot: false }],
  ["admin-putrule", { severity: "critical", outcome: "changed", bySCP: false, byRoot: false }],
  ["admin-deleterole-denied", { severity: "high", outcome: "denied", bySCP: true, byRoot: false }],
  ["root-deleterole", { severity: "critical", outcome: "changed", bySCP: false, byRoot: true }],
  ["deploy-putrule", null],
  ["deploy-deleterole", null],
  ["admin-deleterule-unrelated", null],
  ["admin-deleterole-unrelated", null],
];

describe("tamper events through the real patterns", () => {
  it.each(CASES)("%s", (file, expected) => {
    const ev = load(file);
    // A member account's spoke rule forwards exactly the alerting ones.
    expect(matchesPattern(MEMBER_PATTERN, ev)).toBe(expected !== null);
    if (expected === null) return;
    // The hub rule passes what the spokes forward, and the notifier alerts once, as tamper.
    expect(matchesPattern(HUB_PATTERN, ev)).toBe(true);
    const d = decide(ev);
    expect(d.decision).toBe("alert");
    if (d.decision !== "alert") return;
    expect(d.verdict.severity).toBe(expected.severity);
    const { severity: _severity, ...tamper } = expected;
    expect(d.facts.tamper).toMatchObject(tamper);
    expect(d.facts.tamper?.name).toMatch(/^root-activity-monitor-spoke-forward(er)?$/);
  });

  it("a change by root matches the root pattern and the tamper pattern, and is one tamper alert", () => {
    const ev = load("root-deleterole");
    expect(matchesPattern(rootEventPattern(), ev)).toBe(true);
    expect(matchesPattern({ $or: tamperBranches() }, ev)).toBe(true);
    const d = decide(ev);
    expect(d.decision === "alert" && d.facts.tamper?.byRoot).toBe(true);
  });

  it("the deploy role under another session name (a person using it) is alerted", () => {
    const ev = load("deploy-putrule");
    ev.detail.userIdentity.arn = ev.detail.userIdentity.arn.replace(/root-activity-monitor$/, "bob");
    expect(matchesPattern(MEMBER_PATTERN, ev)).toBe(true);
  });

  it("in the account that runs the stack, its own role is left out, and a member's deploy role is not", () => {
    const callerArn = "arn:aws:sts::111122223333:assumed-role/PulumiDeploy/ci-run-42";
    const callerPattern = withTamper(rootEventPattern(), callerDeployer(callerArn));
    const byCaller = load("admin-putrule");
    byCaller.detail.userIdentity.arn = "arn:aws:sts::111122223333:assumed-role/PulumiDeploy/ci-run-43";
    expect(matchesPattern(callerPattern, byCaller)).toBe(false);
    expect(matchesPattern(callerPattern, load("admin-putrule"))).toBe(true);
    expect(matchesPattern(callerPattern, load("deploy-putrule"))).toBe(true);
    // Root is never left out, an IAM user only as itself.
    expect(callerDeployer("arn:aws:iam::111122223333:root")).toBeUndefined();
    expect(callerDeployer("arn:aws:iam::111122223333:user/deployer")).toBe(
      "arn:aws:iam::111122223333:user/deployer",
    );
  });

  it("every branch keeps the forged-source guard", () => {
    const forged = { ...load("admin-deleterule"), source: "my.events" };
    expect(matchesPattern(MEMBER_PATTERN, forged)).toBe(false);
    expect(matchesPattern(HUB_PATTERN, forged)).toBe(false);
    for (const b of tamperBranches("x")) expect(b.source).toEqual([{ prefix: "aws." }]);
  });

  it("keeps the rules' patterns under EventBridge's default pattern size (2,048 characters)", () => {
    const longest = withTamper(
      rootEventPattern(),
      deploySessionArn("aws-us-gov", "111122223333", "r".repeat(64)),
    );
    expect(JSON.stringify(longest).length).toBeLessThan(1_300);
    // The tamper branch itself: what it adds to every rule.
    expect(
      JSON.stringify(tamperBranches(deploySessionArn("aws", "111122223333", "r".repeat(64)))).length,
    ).toBeLessThan(600);
  });

  it("a read-only call on the monitor's rule or role (the doctor, the posture report) is no tamper", () => {
    const ev = load("admin-putrule");
    Object.assign(ev.detail, {
      eventName: "DescribeRule",
      readOnly: true,
      requestParameters: { name: ev.detail.requestParameters.name },
    });
    expect(matchesPattern(MEMBER_PATTERN, ev)).toBe(false);
    const d = decide(ev);
    expect(d.decision === "alert" && d.facts.tamper).toBeFalsy();
  });
});

describe("routing tamper alerts", () => {
  const subscriptions = (filterPolicy: unknown) =>
    readSubscriptions({
      get: (k) =>
        k === "subscriptions"
          ? JSON.stringify([{ protocol: "email", endpoint: "sec@example.com", filterPolicy }])
          : undefined,
    });

  it("a filter policy may select them by the tamper attribute, with the values the notifier sets", () => {
    expect(subscriptions({ tamper: ["changed", "denied", "failed"] })[0]?.filterPolicy).toEqual({
      tamper: ["changed", "denied", "failed"],
    });
    expect(() => subscriptions({ tamper: ["deleted"] })).toThrow(
      /"deleted" never occurs. Use changed, denied, failed/,
    );
  });
});
