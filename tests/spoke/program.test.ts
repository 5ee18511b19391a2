// The real program (index.ts) as a spoke stack, from the shipped template, against a fake
// organization of ~30 accounts in nested OUs served over several pages by a local endpoint.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rootEventPattern } from "../../handler/classify/rootEvent";
import { callerDeployer, deploySessionArn, withTamper } from "../../handler/classify/tamperEvent";
import { guardPolicyText } from "../../common/guardPolicy";
import { FORWARD_RULE_NAME, FORWARDER_ROLE_NAME } from "../../common/monitorNames";
import {
  DEFAULT_ACCOUNT_IDS,
  DEFAULT_ACTIVE_ACCOUNT_IDS,
  DEFAULT_OU_ACCOUNTS,
  defaultOrg,
  HUB_ACCOUNT_ID,
  HUB_BUS_ARN,
  MANAGEMENT_ACCOUNT_ID,
  OU,
  ROOT_ID,
  startFakeOrganization,
} from "../../testkit/fakeOrganization";
import { FakeAwsError, type FakeAws } from "../../testkit/fakeAws";
import { ofType, parseJson, runProgram, type ProgramRun, type RunOptions } from "../../testkit/program";

const REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "sa-east-1"];
const HUB_STACK = "acme/root-activity-monitor/hub";
let fake: { aws: FakeAws; env: Record<string, string> };

const spoke = (
  overrides: Record<string, unknown> = {},
  extra: Partial<RunOptions> = {},
): Promise<ProgramRun> =>
  runProgram({
    stackFile: "Pulumi.spoke-template.yaml",
    stack: "spoke-test",
    callerAccountId: MANAGEMENT_ACCOUNT_ID,
    stackOutputs: { [HUB_STACK]: { eventBusArn: HUB_BUS_ARN } },
    env: fake.env,
    ...extra,
    overrides: { hubStack: HUB_STACK, regions: REGIONS, ...overrides },
  });

/** Policy texts as `pulumi.jsonStringify` writes them (the text AWS gets, whatever builds it). */
const policyText = (statement: Record<string, unknown>): string =>
  JSON.stringify({ Version: "2012-10-17", Statement: [statement] });
const FORWARD_POLICY_TEXT = policyText({
  Sid: "ForwardToHubBus",
  Effect: "Allow",
  Action: "events:PutEvents",
  Resource: HUB_BUS_ARN,
});
const trustPolicyText = (accountId: string): string =>
  policyText({
    Sid: "TrustedServiceForThisAccountOnly",
    Effect: "Allow",
    Principal: { Service: "events.amazonaws.com" },
    Action: "sts:AssumeRole",
    Condition: { StringEquals: { "aws:SourceAccount": accountId } },
  });

/** The forwarding rules, without the lifecycle rules (tests/spoke/lifecycle.test.ts). */
const forwardRules = (run: ProgramRun) =>
  ofType(run, "aws:cloudwatch/eventRule:EventRule").filter((r) => r.name.startsWith("forward-"));
const coveredIds = (run: ProgramRun): string[] =>
  (run.outputs?.coverage as { id: string }[]).map((c) => c.id);

beforeAll(async () => {
  fake = await startFakeOrganization(defaultOrg());
});
afterAll(async () => fake?.aws.close());

describe("spoke stack over the whole organization", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await spoke();
    if (run.error) throw new Error(`${run.error}\n${run.stderr}`);
  });

  it("reads every page of the organization and selects every ACTIVE account", () => {
    expect(fake.aws.requests.filter((r) => r.operation === "ListAccounts").length).toBeGreaterThan(3);
    expect(coveredIds(run)).toEqual([...DEFAULT_ACTIVE_ACCOUNT_IDS]);
    expect(DEFAULT_ACCOUNT_IDS.length).toBeGreaterThanOrEqual(30);
    expect(DEFAULT_ACTIVE_ACCOUNT_IDS.length).toBeGreaterThanOrEqual(20);
  });

  it("covers the management account and the hub account like any other", () => {
    expect(coveredIds(run)).toContain(MANAGEMENT_ACCOUNT_ID);
    expect(coveredIds(run)).toContain(HUB_ACCOUNT_ID);
    for (const id of [MANAGEMENT_ACCOUNT_ID, HUB_ACCOUNT_ID]) {
      const rules = forwardRules(run).filter((r) => r.name.includes(id));
      expect(rules.map((r) => r.inputs.region).sort()).toEqual([...REGIONS].sort());
    }
  });

  it("creates 2 resources per account and 2 per account and region, with no provider per region", () => {
    const n = DEFAULT_ACTIVE_ACCOUNT_IDS.length;
    expect(ofType(run, "pulumi:providers:aws")).toHaveLength(n - 1);
    expect(ofType(run, "aws:iam/role:Role")).toHaveLength(n);
    // Forwarding rules per account and region, and one lifecycle rule per account (us-east-1).
    expect(forwardRules(run)).toHaveLength(n * REGIONS.length);
    expect(ofType(run, "aws:cloudwatch/eventRule:EventRule")).toHaveLength(n * REGIONS.length + n);
    expect(ofType(run, "aws:cloudwatch/eventTarget:EventTarget")).toHaveLength(n * REGIONS.length + n);
    expect(run.outputs?.counts).toEqual({
      accounts: n,
      regions: REGIONS.length,
      rules: n * REGIONS.length,
      lifecycleRules: n,
      skipped: expect.any(Number),
      otherShards: 0,
    });
  });

  it("assumes the member role into each member account, and nothing into the caller's own", () => {
    const providers = ofType(run, "pulumi:providers:aws");
    for (const p of providers) {
      const id = /^account-(\d{12})$/.exec(p.name)?.[1];
      expect(id).toBeDefined();
      const assume = parseJson<{ roleArn: string; sessionName: string }[]>(p.inputs.assumeRoles);
      expect(assume).toEqual([
        {
          roleArn: `arn:aws:iam::${id}:role/OrganizationAccountAccessRole`,
          sessionName: "root-activity-monitor",
        },
      ]);
      expect(p.inputs.region).toBe("us-east-1");
    }
    expect(providers.map((p) => p.name)).not.toContain(`account-${MANAGEMENT_ACCOUNT_ID}`);
    const callerResources = run.resources.filter((r) => r.name.includes(MANAGEMENT_ACCOUNT_ID));
    // Its role, a rule and target per region, and its lifecycle rule and target.
    expect(callerResources).toHaveLength(1 + 2 * REGIONS.length + 2);
    for (const r of callerResources) expect(r.provider ?? "").not.toMatch(/account-/);
    // Every other account's resources go through that account's provider.
    for (const r of run.resources.filter((x) => /forward(er)?-\d{12}/.test(x.name))) {
      const id = /(\d{12})/.exec(r.name)?.[1] as string;
      if (id !== MANAGEMENT_ACCOUNT_ID) expect(r.provider).toContain(`::account-${id}::`);
    }
  });

  it("forwards root and tamper events with the shared patterns to the hub bus, with a role and retries", () => {
    const rules = ofType(run, "aws:cloudwatch/eventRule:EventRule");
    // Each member's rule leaves out its own deploy session, exactly.
    const member = (id: string) =>
      withTamper(rootEventPattern(), deploySessionArn("aws", id, "OrganizationAccountAccessRole"));
    expect(JSON.stringify(member("444444444401"))).toContain(
      '{"anything-but":"arn:aws:sts::444444444401:assumed-role/OrganizationAccountAccessRole/root-activity-monitor"}',
    );
    // The caller's own account leaves the caller out instead (the fake caller is an IAM user).
    const caller = withTamper(
      rootEventPattern(),
      callerDeployer(`arn:aws:iam::${MANAGEMENT_ACCOUNT_ID}:user/admin`),
    );
    expect(JSON.stringify(caller)).toContain(`user/admin`);
    for (const rule of rules.filter((r) => r.inputs.name === FORWARD_RULE_NAME)) {
      const id = /forward-(\d{12})-/.exec(rule.name)?.[1] as string;
      expect(parseJson(rule.inputs.eventPattern)).toEqual(id === MANAGEMENT_ACCOUNT_ID ? caller : member(id));
      expect(rule.inputs.name).toBe(FORWARD_RULE_NAME);
      expect(rule.inputs.state).toBe("ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS");
      expect(REGIONS).toContain(rule.inputs.region);
      expect(rule.inputs.eventBusName).toBeUndefined(); // the default bus
    }
    const forwarding = ofType(run, "aws:cloudwatch/eventTarget:EventTarget").filter((t) =>
      /^forward-\d{12}-/.test(t.name),
    );
    expect(forwarding).toHaveLength(rules.filter((r) => r.inputs.name === FORWARD_RULE_NAME).length);
    for (const target of forwarding) {
      const id = /forward-(\d{12})-/.exec(target.name)?.[1];
      expect(target.inputs.arn).toBe(HUB_BUS_ARN);
      expect(target.inputs.roleArn).toBe(`arn:aws:iam::${id}:role/${FORWARDER_ROLE_NAME}`);
      expect(target.inputs.retryPolicy).toEqual({
        maximumEventAgeInSeconds: 86400,
        maximumRetryAttempts: 185,
      });
      expect(REGIONS).toContain(target.inputs.region);
    }
  });

  it("gives each forwarding role only events:PutEvents on the hub bus, trusted by EventBridge of that account", () => {
    for (const role of ofType(run, "aws:iam/role:Role")) {
      const id = /forwarder-(\d{12})/.exec(role.name)?.[1];
      const trust = parseJson(role.inputs.assumeRolePolicy).Statement;
      expect(trust).toEqual([
        {
          Sid: "TrustedServiceForThisAccountOnly",
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "aws:SourceAccount": id } },
        },
      ]);
      expect(role.inputs.inlinePolicies).toHaveLength(1);
      expect(parseJson(role.inputs.inlinePolicies[0].policy).Statement).toEqual([
        { Sid: "ForwardToHubBus", Effect: "Allow", Action: "events:PutEvents", Resource: HUB_BUS_ARN },
      ]);
      // The exact text, whether the hub ARN is an Output (here, from the StackReference) or plain.
      expect(role.inputs.assumeRolePolicy).toBe(trustPolicyText(id as string));
      expect(role.inputs.inlinePolicies[0]).toEqual({
        name: "put-events-to-hub",
        policy: FORWARD_POLICY_TEXT,
      });
    }
  });

  it("parents every resource to the one Spoke component (the guard to its own)", () => {
    const spokes = run.urns.filter((u) =>
      u.endsWith("::root-activity-monitor:index:Spoke::root-activity-spoke"),
    );
    expect(spokes).toHaveLength(1);
    const children = run.resources.filter(
      (r) =>
        (r.type.startsWith("aws:") && !r.type.startsWith("aws:organizations/")) ||
        r.type.startsWith("pulumi:providers"),
    );
    expect(children.length).toBeGreaterThan(0);
    for (const r of children) {
      expect(run.urns).toContain(
        `urn:pulumi:spoke-test::root-activity-monitor::root-activity-monitor:index:Spoke$${r.type}::${r.name}`,
      );
    }
  });

  it("reports coverage, skipped accounts with reasons, and counts", () => {
    const coverage = run.outputs?.coverage as { id: string; name: string; regions: string[] }[];
    expect(coverage.find((c) => c.id === HUB_ACCOUNT_ID)).toEqual({
      id: HUB_ACCOUNT_ID,
      name: "security-tooling",
      regions: REGIONS,
    });
    const skipped = run.outputs?.skipped as { id: string; reason: string }[];
    expect(skipped.find((s) => s.id === "444444444433")?.reason).toMatch(/SUSPENDED/);
    expect(skipped.find((s) => s.id === "666666666602")?.reason).toMatch(/CLOSED/);
    for (const s of skipped) expect(coveredIds(run)).not.toContain(s.id);
  });

  it("reads the hub bus through a StackReference", () => {
    const ref = ofType(run, "pulumi:pulumi:StackReference");
    expect(ref.map((r) => r.inputs.name)).toEqual([HUB_STACK]);
  });
});

describe("spoke selection semantics", () => {
  it("selects OUs recursively, adds includes, and drops excludes", async () => {
    const run = await spoke({
      organizationalUnits: [OU.production],
      accounts: { include: ["333333333301"], exclude: ["444444444412"] },
    });
    expect(run.error).toBeUndefined();
    const expected = [...DEFAULT_OU_ACCOUNTS.production, "333333333301"]
      .filter((id) => id !== "444444444412" && id !== "444444444433") // excluded; suspended
      .sort();
    expect(coveredIds(run)).toEqual(expected);
    expect(coveredIds(run)).toContain("444444444421"); // four levels down
    expect(
      (run.outputs?.skipped as { id: string; reason: string }[]).find((s) => s.id === "444444444412")?.reason,
    ).toMatch(/accounts\.exclude/);
  });

  it("splits the organization into shards with no gap and no overlap", async () => {
    const shards = await Promise.all([1, 2, 3].map((k) => spoke({ shard: `${k}/3` }, { lightweight: true })));
    const parts = shards.map((r) => {
      expect(r.error).toBeUndefined();
      return coveredIds(r);
    });
    expect(parts.flat().sort()).toEqual([...DEFAULT_ACTIVE_ACCOUNT_IDS]);
    for (const p of parts) expect(p.length).toBeGreaterThan(0);
    expect(new Set(parts.flat()).size).toBe(parts.flat().length);
    expect(shards[0]?.outputs?.counts.otherShards).toBe(
      DEFAULT_ACTIVE_ACCOUNT_IDS.length - (parts[0]?.length ?? 0),
    );
    expect(shards[1]?.outputs?.shard).toBe("2/3");
  });

  it("accepts hubEventBusArn instead of hubStack, and plain ENABLED without read-only events", async () => {
    const run = await spoke({
      hubStack: null,
      hubEventBusArn: HUB_BUS_ARN,
      includeReadOnlyEvents: false,
      accounts: { include: ["555555555501"] },
    });
    expect(run.error).toBeUndefined();
    expect(ofType(run, "pulumi:pulumi:StackReference")).toHaveLength(0);
    const rules = forwardRules(run);
    expect(rules).toHaveLength(REGIONS.length);
    for (const r of rules) expect(r.inputs.state).toBe("ENABLED");
    expect(ofType(run, "aws:cloudwatch/eventTarget:EventTarget")[0]?.inputs.arn).toBe(HUB_BUS_ARN);
    const role = ofType(run, "aws:iam/role:Role")[0];
    expect(role?.inputs.assumeRolePolicy).toBe(trustPolicyText("555555555501"));
    expect(role?.inputs.inlinePolicies).toEqual([{ name: "put-events-to-hub", policy: FORWARD_POLICY_TEXT }]);
  });

  it("watches the 17 default regions when regions is unset", async () => {
    const run = await spoke({ regions: null, accounts: { include: ["555555555501"] } });
    expect(run.error).toBeUndefined();
    const regions = forwardRules(run).map((r) => r.inputs.region);
    expect(regions).toHaveLength(17);
    expect(regions).toContain("us-east-1");
  });
});

describe("the guard (guardMonitor)", () => {
  const POLICY = "aws:organizations/policy:Policy";
  const ATTACHMENT = "aws:organizations/policyAttachment:PolicyAttachment";
  // One region: the guard does not depend on them, and the runs stay short.
  const guarded = (o: Record<string, unknown>, extra: Partial<RunOptions> = {}) =>
    spoke({ regions: ["us-east-1"], ...o }, extra);
  const attachedTo = (run: ProgramRun): string[] =>
    ofType(run, ATTACHMENT)
      .map((a) => a.inputs.targetId as string)
      .sort();

  it("on by default for a whole-organization spoke: one SCP, attached to the root, with the exact text", async () => {
    const run = await guarded({});
    expect(run.error).toBeUndefined();
    const policy = ofType(run, POLICY);
    expect(policy).toHaveLength(1);
    expect(policy[0]?.inputs).toMatchObject({
      name: "root-activity-monitor-guard-spoke-test",
      type: "SERVICE_CONTROL_POLICY",
      // The caller is the management account: only the member role is exempt.
      content: guardPolicyText("aws", "OrganizationAccountAccessRole"),
    });
    expect(attachedTo(run)).toEqual([ROOT_ID]);
    expect(run.outputs?.guard).toMatchObject({ state: "on", targets: [ROOT_ID], problems: [] });
    expect(
      run.urns.filter((u) => u.includes("root-activity-monitor:index:Guard$aws:organizations")),
    ).toHaveLength(2);
  });

  it("names every rule and role it guards, and nothing else", async () => {
    const run = await guarded({ accounts: { include: ["555555555501"] } });
    const content = JSON.parse(ofType(run, POLICY)[0]?.inputs.content as string);
    const [rules, roles] = content.Statement;
    expect(rules.Resource).toBe("arn:aws:events:*:*:rule/root-activity-monitor-spoke-*");
    expect(roles.Resource).toBe("arn:aws:iam::*:role/root-activity-monitor-spoke-*");
    for (const r of ofType(run, "aws:cloudwatch/eventRule:EventRule"))
      expect(r.inputs.name).toMatch(/^root-activity-monitor-spoke-/);
    for (const r of ofType(run, "aws:iam/role:Role"))
      expect(r.inputs.name).toMatch(/^root-activity-monitor-spoke-/);
  });

  it("attached to the selected OUs and included accounts of a narrower spoke", async () => {
    const run = await guarded({
      organizationalUnits: [OU.production],
      accounts: { include: ["333333333301"] },
    });
    expect(run.error).toBeUndefined();
    expect(attachedTo(run)).toEqual(["333333333301", OU.production].sort());
  });

  it("off: no policy, no attachment", async () => {
    const run = await guarded({ guardMonitor: false });
    expect(run.error).toBeUndefined();
    expect(ofType(run, POLICY)).toHaveLength(0);
    expect(ofType(run, ATTACHMENT)).toHaveLength(0);
    expect(run.outputs?.guard.state).toMatch(/^off/);
  });

  it("owned by shard 1 only, so shards never fight over it", async () => {
    const [first, second] = await Promise.all(["1/3", "2/3"].map((shard) => guarded({ shard })));
    expect(ofType(first as ProgramRun, POLICY)).toHaveLength(1);
    expect(attachedTo(first as ProgramRun)).toEqual([ROOT_ID]);
    expect(ofType(second as ProgramRun, POLICY)).toHaveLength(0);
    expect(second?.outputs?.guard.state).toMatch(/shard 1\/3 owns/);
  });

  it("fails, naming the permissions, when Organizations refuses the guard's reads (a passing error never drops the guard)", async () => {
    const denied = await startFakeOrganization(defaultOrg(), {
      "organizations:ListRoots": () => {
        throw new FakeAwsError(
          "AccessDeniedException",
          "You don't have permissions to access this resource.",
          403,
        );
      },
    });
    try {
      const run = await guarded({}, { env: denied.env, lightweight: true });
      expect(run.error).toMatch(/organizations:ListRoots \(for guardMonitor\) was denied/);
      expect(run.error).toMatch(
        /organizations:CreatePolicy.*organizations:AttachPolicy.*or set guardMonitor: false/,
      );
      const off = await guarded({ guardMonitor: false }, { env: denied.env, lightweight: true });
      expect(off.error).toBeUndefined();
    } finally {
      await denied.aws.close();
    }
  });

  it("a target at its SCP limit, or SCPs disabled, is skipped with the fix, and the deployment goes on", async () => {
    const limited = await startFakeOrganization(defaultOrg());
    try {
      limited.org.scps.set(ROOT_ID, ["FullAWSAccess", "a", "b", "c", "d"]);
      limited.org.scps.set(OU.production, ["FullAWSAccess"]);
      const narrow = { organizationalUnits: [OU.root, OU.production] };
      const run = await guarded(narrow, { env: limited.env });
      expect(run.error).toBeUndefined();
      expect(attachedTo(run)).toEqual([OU.production]);
      expect(run.outputs?.guard.state).toBe("partial");
      expect(run.outputs?.guard.problems).toEqual([
        expect.objectContaining({
          target: ROOT_ID,
          fix: expect.stringMatching(/detach-policy .*guardMonitor: false/),
        }),
      ]);
      expect(run.stderr).toMatch(/guardMonitor: root r-ab12 has 5 SCPs attached/);
      expect(ofType(run, "aws:cloudwatch/eventRule:EventRule").length).toBeGreaterThan(0);

      // Our own guard holds its slot: a full root that includes it keeps it.
      limited.org.scps.set(ROOT_ID, [
        "FullAWSAccess",
        "a",
        "b",
        "c",
        "root-activity-monitor-guard-spoke-test",
      ]);
      const again = await guarded({}, { env: limited.env });
      expect(attachedTo(again)).toEqual([ROOT_ID]);

      limited.org.scpEnabled = false;
      const disabled = await guarded({}, { env: limited.env });
      expect(disabled.error).toBeUndefined();
      expect(ofType(disabled, POLICY)).toHaveLength(0);
      expect(disabled.outputs?.guard.state).toBe("not attached");
      expect(disabled.outputs?.guard.problems[0].fix).toMatch(/enable-policy-type --root-id r-ab12/);
    } finally {
      await limited.aws.close();
    }
  });
});

describe("spoke config and discovery errors", () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["no hub location", { hubStack: null }, /hubStack: .*Set hubStack .* or hubEventBusArn/],
    ["both hub locations", { hubEventBusArn: HUB_BUS_ARN }, /give hubStack or hubEventBusArn, not both/],
    [
      "regions without us-east-1",
      { regions: ["eu-west-1"] },
      /regions: us-east-1 must be in the list: .*root console sign-ins/,
    ],
    ["bad region", { regions: ["us-east-1", "mars-1"] }, /regions: mars-1 is not a region the AWS SDK knows/],
    ["bad shard", { shard: "4/3" }, /shard: "4\/3" is not a shard/],
    [
      "bad account id",
      { accounts: { include: ["12345"] } },
      /accounts\.include: "12345" is not a 12-digit account ID/,
    ],
    [
      "include not in the organization",
      { accounts: { include: ["999999999999"] } },
      /999999999999.*not an account of this organization/,
    ],
    ["empty selection", { organizationalUnits: [OU.empty] }, /select(ed|ion)[^]*empty|no account/i],
    ["unknown OU", { organizationalUnits: ["ou-ab12-nosuchou1"] }, /ou-ab12-nosuchou1/],
  ];
  it.each(cases)("%s", async (_label, overrides, message) => {
    const run = await spoke(overrides, { lightweight: true });
    expect(run.error).toMatch(message);
    expect(run.resources.filter((r) => r.type.startsWith("aws:"))).toHaveLength(0);
  });

  it("names the credentials it needs when Organizations denies access", async () => {
    const denied = await startFakeOrganization(
      Object.assign(defaultOrg(), { organizationsMode: "access-denied" }),
    );
    try {
      const run = await spoke({}, { env: denied.env, lightweight: true });
      expect(run.error).toMatch(/management account|delegated administrator/);
      expect(run.error).toMatch(/organizations:ListAccounts/);
    } finally {
      await denied.aws.close();
    }
  });
});
