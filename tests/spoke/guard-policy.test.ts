// The guard's service control policy as rendered (common/guardPolicy.ts): within Organizations' size
// limit for the longest names a spoke can produce, and evaluated against representative requests
// (testkit/scpEvaluator.ts): the deploy role passes; administrators, root and other roles are
// refused every guarded action on the monitor's rules and roles; nothing else of the organization
// is touched.
import { describe, expect, it } from "vitest";
import {
  callerPrincipalArnPatterns,
  GUARDED_ROLE_ACTIONS,
  GUARDED_RULE_ACTIONS,
  guardDocument,
  guardPolicyText,
  SCP_MAX_CHARS,
} from "../../common/guardPolicy";
import { FORWARD_RULE_NAME, FORWARDER_ROLE_NAME, MONITOR_PREFIX, NAME_MAX } from "../../common/monitorNames";
import { callerExemption } from "../../spoke/guardDeploy";
import { deniedBy, type ScpRequest } from "../../testkit/scpEvaluator";

const ACCOUNT = "444455556666";
const ROLE = "OrganizationAccountAccessRole";
const doc = guardDocument("aws", ROLE);
const ruleArn = (name: string, region = "eu-west-1") => `arn:aws:events:${region}:${ACCOUNT}:rule/${name}`;
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const MONITOR_RULE = ruleArn(FORWARD_RULE_NAME);
const MONITOR_ROLE = roleArn(FORWARDER_ROLE_NAME);

const PRINCIPALS = {
  deployRole: roleArn(ROLE),
  administrator: roleArn(
    "aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess_0123456789abcdef",
  ),
  root: `arn:aws:iam::${ACCOUNT}:root`,
  otherRole: roleArn("ci-deployer"),
  lookAlike: roleArn(`${ROLE}-copy`),
  deployRoleElsewhere: `arn:aws:iam::777788889999:role/${ROLE}`,
};

const every = (actions: string[], resource: string): Omit<ScpRequest, "principalArn">[] =>
  actions.map((action) => ({ action, resource }));
const GUARDED = [...every(GUARDED_RULE_ACTIONS, MONITOR_RULE), ...every(GUARDED_ROLE_ACTIONS, MONITOR_ROLE)];

describe("the guard's policy text", () => {
  it("names the monitor's rules (default bus) and roles by the one prefix, and exempts only the deploy role", () => {
    expect(doc.Statement.map((s) => [s.Resource, s.Condition])).toEqual([
      [
        `arn:aws:events:*:*:rule/${MONITOR_PREFIX}*`,
        { ArnNotLike: { "aws:PrincipalArn": `arn:aws:iam::*:role/${ROLE}` } },
      ],
      [
        `arn:aws:iam::*:role/${MONITOR_PREFIX}*`,
        { ArnNotLike: { "aws:PrincipalArn": `arn:aws:iam::*:role/${ROLE}` } },
      ],
    ]);
    expect(GUARDED_RULE_ACTIONS).toHaveLength(5);
    expect(GUARDED_ROLE_ACTIONS).toHaveLength(12);
  });

  it(`stays within ${SCP_MAX_CHARS} characters for the longest names a spoke can produce`, () => {
    const longestRole = "R".repeat(NAME_MAX);
    const caller = `arn:aws-us-gov:sts::123456789012:assumed-role/${"C".repeat(NAME_MAX)}/session`;
    for (const partition of ["aws", "aws-cn", "aws-us-gov", "aws-iso-b"]) {
      const text = guardPolicyText(partition, longestRole, callerPrincipalArnPatterns(caller));
      expect(text.length, partition).toBeLessThanOrEqual(SCP_MAX_CHARS);
      expect(JSON.parse(text)).toEqual(
        guardDocument(partition, longestRole, callerPrincipalArnPatterns(caller)),
      );
    }
    // The monitor's names are far inside EventBridge's and IAM's 64 characters.
    for (const n of [FORWARD_RULE_NAME, FORWARDER_ROLE_NAME]) expect(n.length).toBeLessThanOrEqual(NAME_MAX);
  });
});

describe("the guard evaluated against representative requests", () => {
  it("lets the deploy role make every guarded change, in any member account", () => {
    for (const principalArn of [PRINCIPALS.deployRole, PRINCIPALS.deployRoleElsewhere]) {
      for (const req of GUARDED) expect(deniedBy(doc, { ...req, principalArn }), req.action).toBeUndefined();
    }
  });

  it.each(["administrator", "root", "otherRole", "lookAlike"] as const)(
    "refuses %s every guarded change to the monitor's rules and roles",
    (who) => {
      for (const req of GUARDED) {
        const sid =
          req.resource === MONITOR_RULE
            ? "ProtectRootActivityMonitorRules"
            : "ProtectRootActivityMonitorRoles";
        expect(deniedBy(doc, { ...req, principalArn: PRINCIPALS[who] }), req.action).toBe(sid);
      }
    },
  );

  it("leaves the organization's own rules and roles, and calls it does not list, untouched", () => {
    const principalArn = PRINCIPALS.administrator;
    const untouched: Omit<ScpRequest, "principalArn">[] = [
      ...every(GUARDED_RULE_ACTIONS, ruleArn("nightly-backup-trigger")),
      // A custom bus's rule ARN carries the bus name: not the monitor's default-bus rule.
      ...every(GUARDED_RULE_ACTIONS, ruleArn(`orders-bus/${FORWARD_RULE_NAME}`)),
      ...every(GUARDED_ROLE_ACTIONS, roleArn("forwarder-444455556666-abc1234")),
      ...every(GUARDED_ROLE_ACTIONS, roleArn("root-activity-hub-notifier-role-1234567")),
      { action: "events:EnableRule", resource: MONITOR_RULE },
      { action: "events:DescribeRule", resource: MONITOR_RULE },
      { action: "iam:GetRole", resource: MONITOR_ROLE },
      { action: "s3:DeleteBucket", resource: "arn:aws:s3:::root-activity-monitor-spoke-bucket" },
    ];
    for (const req of untouched)
      expect(deniedBy(doc, { ...req, principalArn }), `${req.action} ${req.resource}`).toBeUndefined();
  });

  it("the evaluator is not vacuous: without its condition the guard refuses the deploy role too", () => {
    const bare = { ...doc, Statement: doc.Statement.map(({ Condition: _c, ...s }) => s) };
    const req = { action: "iam:DeleteRole", resource: MONITOR_ROLE, principalArn: PRINCIPALS.deployRole };
    expect(deniedBy(bare, req)).toBe("ProtectRootActivityMonitorRoles");
    expect(() =>
      deniedBy(
        {
          Statement: [
            { Effect: "Deny", Action: "*", Resource: "*", Condition: { Bool: { "aws:x": "true" } } },
          ],
        },
        req,
      ),
    ).toThrow(/unsupported/);
  });

  it("matches action names case-insensitively, as IAM does", () => {
    expect(
      deniedBy(doc, { action: "events:deleterule", resource: MONITOR_RULE, principalArn: PRINCIPALS.root }),
    ).toBeDefined();
  });

  it("a stack run from a delegated administrator also exempts its own role there (any path), and nothing else", () => {
    const caller = "arn:aws:sts::333344445555:assumed-role/PulumiDeploy/ci-run-7";
    const withCaller = guardDocument("aws", ROLE, callerPrincipalArnPatterns(caller));
    const req = { action: "events:PutRule", resource: MONITOR_RULE };
    for (const ok of [
      "arn:aws:iam::333344445555:role/PulumiDeploy",
      "arn:aws:iam::333344445555:role/ci/PulumiDeploy",
    ])
      expect(deniedBy(withCaller, { ...req, principalArn: ok }), ok).toBeUndefined();
    for (const no of [
      "arn:aws:iam::333344445555:role/PulumiDeployer",
      "arn:aws:iam::999988887777:role/PulumiDeploy",
      PRINCIPALS.administrator,
    ])
      expect(deniedBy(withCaller, { ...req, principalArn: no }), no).toBeDefined();
    expect(callerPrincipalArnPatterns("arn:aws:iam::333344445555:root")).toEqual([]);
  });

  it("exempts the stack's own principal only when it does not run in the management account", () => {
    const callerArn = "arn:aws:sts::333344445555:assumed-role/PulumiDeploy/ci-run-7";
    expect(
      callerExemption({ callerAccountId: "333344445555", callerArn, managementAccountId: "333344445555" }),
    ).toEqual([]);
    const delegated = { callerAccountId: "333344445555", callerArn, managementAccountId: "111111111111" };
    expect(callerExemption(delegated)).toEqual([
      "arn:aws:iam::333344445555:role/PulumiDeploy",
      "arn:aws:iam::333344445555:role/*/PulumiDeploy",
    ]);
    // Unknown management account (DescribeOrganization denied): exempt it, or the guard would block the stack itself.
    expect(callerExemption({ callerAccountId: "333344445555", callerArn })).toHaveLength(2);
  });
});
