// The CrossGuard policy pack (policy/), without the CLI: each policy's validateResource is called the
// way the policy engine calls it, with the inputs the real program gives the engine for the real hub
// and a real spoke (policy documents as JSON strings, props behind @pulumi/policy's unknown-checking
// proxy). Every real resource passes every policy, and a broken copy of a real input is flagged.
import * as fs from "node:fs";
import * as path from "node:path";
import * as policyLib from "@pulumi/policy";
import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { parse as parseYaml } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { policies, stackPolicies } from "../../policy/policies";
import { T } from "../../policy/documents";
import {
  defaultOrg,
  HUB_BUS_ARN,
  MANAGEMENT_ACCOUNT_ID,
  startFakeOrganization,
} from "../../testkit/fakeOrganization";
import type { FakeAws } from "../../testkit/fakeAws";
import { REPO, runProgram, type ProgramRun, type RecordedResource } from "../../testkit/program";

const unknownCheckingProxy = (policyLib as any).unknownCheckingProxy as <X>(x: X) => X;

class NotApplicable extends Error {}

/** A resource as the engine hands it to a policy. */
interface Subject {
  stack: "hub" | "spoke";
  type: string;
  name: string;
  urn: string;
  inputs: Record<string, any>;
}

function argsFor(s: Subject, props: Record<string, any> = s.inputs): ResourceValidationArgs {
  const proxied = unknownCheckingProxy(props);
  return {
    type: s.type,
    props: proxied,
    urn: s.urn,
    name: s.name,
    opts: {
      protect: false,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
    },
    stackTags: new Map(),
    isType: (cls: any) => cls?.__pulumiType === s.type,
    asType: ((cls: any) => (cls?.__pulumiType === s.type ? proxied : undefined)) as any,
    getConfig: <C extends object>() => ({}) as C,
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason);
    },
  };
}

/** Violations `policy` reports for `s` (with `props` in place of its real inputs, if given). */
async function violations(
  policy: ResourceValidationPolicy,
  s: Subject,
  props?: Record<string, any>,
): Promise<string[]> {
  const found: string[] = [];
  const reportViolation: ReportViolation = (message) => void found.push(message);
  const validations = Array.isArray(policy.validateResource)
    ? policy.validateResource
    : policy.validateResource
      ? [policy.validateResource]
      : [];
  for (const validate of validations) {
    try {
      await validate(argsFor(s, props), reportViolation);
    } catch (err) {
      if (!(err instanceof NotApplicable)) throw err;
    }
  }
  return found;
}

function subjects(run: ProgramRun, stack: Subject["stack"]): Subject[] {
  return run.resources
    .filter((r) => !r.type.startsWith("pulumi:") && !r.type.startsWith("root-activity-monitor:"))
    .map((r: RecordedResource) => {
      const urn = run.urns.find((u) => u.endsWith(`${r.type}::${r.name}`));
      if (!urn) throw new Error(`no URN for ${r.type} ${r.name}`);
      return { stack, type: r.type, name: r.name, urn, inputs: r.inputs };
    });
}

const policyByName = (name: string): ResourceValidationPolicy => {
  const p = policies.find((x) => x.name === name);
  if (!p) throw new Error(`no policy ${name}`);
  return p;
};

let hub: Subject[];
let spoke: Subject[];
let org: { aws: FakeAws; env: Record<string, string> };

beforeAll(async () => {
  org = await startFakeOrganization(defaultOrg());
  const [hubRun, spokeRun] = await Promise.all([
    runProgram({
      stackFile: "Pulumi.hub.yaml",
      stack: "hub",
      overrides: { organizationId: "o-exampleorg1" },
    }),
    runProgram({
      stackFile: "Pulumi.spoke-template.yaml",
      stack: "spoke-policy",
      callerAccountId: MANAGEMENT_ACCOUNT_ID,
      env: org.env,
      overrides: { hubStack: null, hubEventBusArn: HUB_BUS_ARN, regions: ["us-east-1", "eu-west-1"] },
    }),
  ]);
  for (const run of [hubRun, spokeRun]) if (run.error) throw new Error(`${run.error}\n${run.stderr}`);
  hub = subjects(hubRun, "hub");
  spoke = subjects(spokeRun, "spoke");
});
afterAll(async () => org?.aws.close());

const all = () => [...hub, ...spoke];
const hubOne = (type: string, name?: string): Subject => {
  const found = hub.filter((s) => s.type === type && (name === undefined || s.name === name));
  if (found.length !== 1) throw new Error(`expected one hub ${type} ${name ?? ""}, found ${found.length}`);
  return found[0] as Subject;
};
const spokeFirst = (type: string): Subject => {
  const found = spoke.find((s) => s.type === type);
  if (!found) throw new Error(`no spoke ${type}`);
  return found;
};
/** A policy document input, parsed, changed by `edit`, and serialized again. */
const editDoc = (json: string, edit: (doc: any) => void): string => {
  const doc = JSON.parse(json);
  edit(doc);
  return JSON.stringify(doc);
};
const statementsOf = (json: string): any[] => JSON.parse(json).Statement;

describe("policy pack layout", () => {
  it("is a nodejs pack with its own dependencies, and every policy is mandatory", () => {
    const dir = path.join(REPO, "policy");
    const manifest = parseYaml(fs.readFileSync(path.join(dir, "PulumiPolicy.yaml"), "utf8"));
    expect(manifest.runtime).toBe("nodejs");
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
    expect(Object.keys(pkg.dependencies)).toEqual(
      expect.arrayContaining(["@pulumi/policy", "@pulumi/pulumi"]),
    );
    expect(fs.existsSync(path.join(dir, "package-lock.json"))).toBe(true);
    const index = fs.readFileSync(path.join(dir, "index.ts"), "utf8");
    expect(index).toMatch(/new PolicyPack\(/);
    expect(index).toMatch(/enforcementLevel: "mandatory"/);
    expect(policies.length).toBeGreaterThanOrEqual(8);
    expect(new Set(policies.map((p) => p.name)).size).toBe(policies.length);
    for (const p of policies) {
      expect(p.enforcementLevel, p.name).toBe("mandatory");
      expect(p.description.length, p.name).toBeGreaterThan(20);
    }
  });
});

describe("the real hub and spoke pass every policy", () => {
  it("captured the resources the policies are about", () => {
    const types = new Set(all().map((s) => s.type));
    for (const t of [
      T.role,
      T.key,
      T.topic,
      T.topicPolicy,
      T.queue,
      T.queuePolicy,
      T.busPolicy,
      T.eventRule,
      T.eventTarget,
      T.logGroup,
      T.lambdaFunction,
    ]) {
      expect(types, t).toContain(t);
    }
    // The spoke run covers several accounts and both regions.
    expect(spoke.filter((s) => s.type === T.role).length).toBeGreaterThan(5);
    // Per account: a forwarding target in each of the 2 regions, and its lifecycle rule's in us-east-1.
    expect(spoke.filter((s) => s.type === T.eventTarget).length).toBe(
      3 * spoke.filter((s) => s.type === T.role).length,
    );
  });

  for (const policy of policies) {
    it(`${policy.name}: no violation on any real resource`, async () => {
      const found: string[] = [];
      for (const s of all()) {
        for (const v of await violations(policy, s)) found.push(`${s.stack} ${s.type} ${s.name}: ${v}`);
      }
      expect(found).toEqual([]);
    });
  }
});

describe("each policy flags a broken copy of a real input", () => {
  const exercised = new Set<string>();
  const flagged = async (policyName: string, s: Subject, props: Record<string, any>, match: RegExp) => {
    const found = await violations(policyByName(policyName), s, props);
    expect(found.length, `${policyName} on ${s.name}`).toBeGreaterThan(0);
    expect(found.join("\n")).toMatch(match);
    // Only this policy objects: the broken copy is otherwise valid.
    for (const other of policies.filter((p) => p.name !== policyName)) {
      expect(await violations(other, s, props), `${other.name} on broken ${s.name}`).toEqual([]);
    }
    exercised.add(policyName);
  };

  it("iam-no-wildcard-action-or-resource: a wildcard action in a role's inline policy", async () => {
    const role = hubOne(T.role, "root-activity-hub-notifier-role");
    const inlinePolicies = structuredClone(role.inputs.inlinePolicies);
    inlinePolicies[0].policy = editDoc(inlinePolicies[0].policy, (d) => (d.Statement[0].Action = "iam:*"));
    await flagged("iam-no-wildcard-action-or-resource", role, { ...role.inputs, inlinePolicies }, /"iam:\*"/);
  });

  it("iam-no-wildcard-action-or-resource: Resource * on an action with resource-level permissions", async () => {
    const role = spokeFirst(T.role);
    const inlinePolicies = structuredClone(role.inputs.inlinePolicies);
    inlinePolicies[0].policy = editDoc(inlinePolicies[0].policy, (d) => (d.Statement[0].Resource = "*"));
    await flagged(
      "iam-no-wildcard-action-or-resource",
      role,
      { ...role.inputs, inlinePolicies },
      /events:PutEvents on wildcard resource/,
    );
    // All topics of an account is a wildcard too.
    const topicPolicy = hubOne(T.topicPolicy);
    const policy = editDoc(
      topicPolicy.inputs.policy,
      (d) => (d.Statement[0].Resource = "arn:aws:sns:us-east-1:222222222222:*"),
    );
    await flagged(
      "iam-no-wildcard-action-or-resource",
      topicPolicy,
      { ...topicPolicy.inputs, policy },
      /wildcard/,
    );
  });

  it("iam-no-wildcard-action-or-resource: wildcards in queue, bus and trust policies, NotAction, broad managed policies", async () => {
    const queuePolicy = hubOne(T.queuePolicy, "root-activity-hub-events-policy");
    await flagged(
      "iam-no-wildcard-action-or-resource",
      queuePolicy,
      {
        ...queuePolicy.inputs,
        policy: editDoc(queuePolicy.inputs.policy, (d) => (d.Statement[0].Action = "sqs:*")),
      },
      /wildcard action "sqs:\*"/,
    );
    const busPolicy = hubOne(T.busPolicy);
    await flagged(
      "iam-no-wildcard-action-or-resource",
      busPolicy,
      {
        ...busPolicy.inputs,
        policy: editDoc(busPolicy.inputs.policy, (d) => (d.Statement[0].Action = "events:*")),
      },
      /wildcard action/,
    );
    const role = spokeFirst(T.role);
    await flagged(
      "iam-no-wildcard-action-or-resource",
      role,
      {
        ...role.inputs,
        assumeRolePolicy: editDoc(role.inputs.assumeRolePolicy, (d) => (d.Statement[0].Action = "sts:*")),
      },
      /wildcard action "sts:\*"/,
    );
    const inlinePolicies = structuredClone(role.inputs.inlinePolicies);
    inlinePolicies[0].policy = editDoc(inlinePolicies[0].policy, (d) => {
      d.Statement[0].NotAction = d.Statement[0].Action;
      delete d.Statement[0].Action;
    });
    await flagged(
      "iam-no-wildcard-action-or-resource",
      role,
      { ...role.inputs, inlinePolicies },
      /NotAction/,
    );
    await flagged(
      "iam-no-wildcard-action-or-resource",
      role,
      { ...role.inputs, managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonSNSFullAccess"] },
      /AmazonSNSFullAccess/,
    );
  });

  it("iam-no-wildcard-action-or-resource: key policies may say Resource *, but not kms:*", async () => {
    const key = hubOne(T.key);
    expect(statementsOf(key.inputs.policy).every((s) => s.Resource === "*")).toBe(true);
    await flagged(
      "iam-no-wildcard-action-or-resource",
      key,
      { ...key.inputs, policy: editDoc(key.inputs.policy, (d) => (d.Statement[0].Action = "kms:*")) },
      /"kms:\*"/,
    );
    // The same Resource "*" outside a key policy is flagged.
    const queuePolicy = hubOne(T.queuePolicy, "root-activity-hub-events-policy");
    await flagged(
      "iam-no-wildcard-action-or-resource",
      queuePolicy,
      {
        ...queuePolicy.inputs,
        policy: editDoc(queuePolicy.inputs.policy, (d) => (d.Statement[0].Resource = "*")),
      },
      /sqs:SendMessage on wildcard resource/,
    );
  });

  it("service-trust-confused-deputy: a service trust without aws:SourceAccount (hub and spoke roles)", async () => {
    for (const role of [hubOne(T.role, "root-activity-hub-notifier-role"), spokeFirst(T.role)]) {
      expect(
        statementsOf(role.inputs.assumeRolePolicy)[0].Condition.StringEquals["aws:SourceAccount"],
      ).toMatch(/^\d{12}$/);
      const assumeRolePolicy = editDoc(role.inputs.assumeRolePolicy, (d) => delete d.Statement[0].Condition);
      await flagged(
        "service-trust-confused-deputy",
        role,
        { ...role.inputs, assumeRolePolicy },
        /without an aws:SourceAccount or aws:SourceArn/,
      );
      // A negated condition does not count.
      const negated = editDoc(role.inputs.assumeRolePolicy, (d) => {
        d.Statement[0].Condition = { StringNotEquals: d.Statement[0].Condition.StringEquals };
      });
      await flagged(
        "service-trust-confused-deputy",
        role,
        { ...role.inputs, assumeRolePolicy: negated },
        /confused/,
      );
    }
  });

  it("resource-policy-principals-scoped: topic, queue, key and bus grants without their conditions", async () => {
    const topicPolicy = hubOne(T.topicPolicy);
    await flagged(
      "resource-policy-principals-scoped",
      topicPolicy,
      {
        ...topicPolicy.inputs,
        policy: editDoc(topicPolicy.inputs.policy, (d) => delete d.Statement[1].Condition),
      },
      /AlarmsOfThisAccountPublish.*cloudwatch\.amazonaws\.com/,
    );
    const queuePolicy = hubOne(T.queuePolicy, "root-activity-hub-dead-letters-policy");
    await flagged(
      "resource-policy-principals-scoped",
      queuePolicy,
      {
        ...queuePolicy.inputs,
        policy: editDoc(queuePolicy.inputs.policy, (d) => delete d.Statement[0].Condition),
      },
      /events\.amazonaws\.com/,
    );
    const key = hubOne(T.key);
    await flagged(
      "resource-policy-principals-scoped",
      key,
      { ...key.inputs, policy: editDoc(key.inputs.policy, (d) => delete d.Statement[2].Condition) },
      /AlarmsEncryptForTopic/,
    );
    const busPolicy = hubOne(T.busPolicy);
    await flagged(
      "resource-policy-principals-scoped",
      busPolicy,
      {
        ...busPolicy.inputs,
        policy: editDoc(busPolicy.inputs.policy, (d) => delete d.Statement[0].Condition),
      },
      /open to any principal/,
    );
  });

  it("sns-sqs-encrypted-with-customer-key: a topic or queue without kmsMasterKeyId, or with an AWS managed key", async () => {
    for (const s of [
      hubOne(T.topic),
      hubOne(T.queue, "root-activity-hub-events"),
      hubOne(T.queue, "root-activity-hub-dead-letters"),
    ]) {
      const { kmsMasterKeyId: _dropped, ...rest } = s.inputs;
      await flagged("sns-sqs-encrypted-with-customer-key", s, rest, /not encrypted/);
    }
    const topic = hubOne(T.topic);
    await flagged(
      "sns-sqs-encrypted-with-customer-key",
      topic,
      { ...topic.inputs, kmsMasterKeyId: "alias/aws/sns" },
      /AWS managed key/,
    );
  });

  it("kms-key-rotation: a key without rotation", async () => {
    const key = hubOne(T.key);
    await flagged("kms-key-rotation", key, { ...key.inputs, enableKeyRotation: false }, /rotation/);
    const { enableKeyRotation: _dropped, ...rest } = key.inputs;
    await flagged("kms-key-rotation", key, rest, /rotation/);
  });

  it("log-group-retention: a log group without retentionInDays", async () => {
    const logs = hubOne(T.logGroup, "root-activity-hub-notifier-logs");
    const { retentionInDays: _dropped, ...rest } = logs.inputs;
    await flagged("log-group-retention", logs, rest, /retention/);
    await flagged("log-group-retention", logs, { ...logs.inputs, retentionInDays: 0 }, /retention/);
  });

  it("event-target-retry-or-dead-letter: hub and spoke targets without retryPolicy and deadLetterConfig", async () => {
    for (const target of [
      hubOne(T.eventTarget, "root-activity-hub-to-event-queue"),
      spokeFirst(T.eventTarget),
    ]) {
      const { retryPolicy: _r, deadLetterConfig: _d, ...rest } = target.inputs;
      await flagged(
        "event-target-retry-or-dead-letter",
        target,
        rest,
        /neither retryPolicy nor deadLetterConfig/,
      );
    }
  });

  it("lambda-dead-letter: a function without deadLetterConfig", async () => {
    const fn = hubOne(T.lambdaFunction, "root-activity-hub-notifier");
    const { deadLetterConfig: _dropped, ...rest } = fn.inputs;
    await flagged("lambda-dead-letter", fn, rest, /dead-letter/);
  });

  it("event-rule-cloudtrail-from-aws-sources: a rule branch that takes any source, on hub and spoke", async () => {
    for (const rule of [hubOne(T.eventRule, "root-activity-hub-root-activity"), spokeFirst(T.eventRule)]) {
      const pattern = JSON.parse(rule.inputs.eventPattern);
      // The AssumeRoot branch with its source guarantee removed.
      const assumeRoot = pattern.$or.find((b: any) => b.detail?.eventName);
      delete assumeRoot.source;
      await flagged(
        "event-rule-cloudtrail-from-aws-sources",
        rule,
        { ...rule.inputs, eventPattern: JSON.stringify(pattern) },
        /branch 2 can match CloudTrail events from a source other than aws\.\*: null/,
      );
      assumeRoot.source = [{ prefix: "" }];
      await flagged(
        "event-rule-cloudtrail-from-aws-sources",
        rule,
        { ...rule.inputs, eventPattern: JSON.stringify(pattern) },
        /branch 2 .*\[\{"prefix":""\}\]/,
      );
    }
  });

  it("every policy of the pack was shown a broken input above (no untested policy)", () => {
    expect([...exercised].sort()).toEqual(policies.map((p) => p.name).sort());
  });
});

describe("the guard names every rule and role the spoke creates (stack policy)", () => {
  const [guardPolicy] = stackPolicies;
  /** Violations of the stack policy for `resources`, as the engine hands them over. */
  const stackViolations = async (resources: Subject[]): Promise<string[]> => {
    const found: string[] = [];
    await guardPolicy?.validateStack(
      {
        resources: resources.map((r) => ({
          type: r.type,
          props: unknownCheckingProxy(r.inputs),
          urn: r.urn,
          name: r.name,
        })) as any,
        getConfig: <C extends object>() => ({}) as C,
      } as any,
      (message, urn) => void found.push(`${urn ?? ""}: ${message}`),
    );
    return found;
  };
  const scp = () => spoke.filter((s) => s.type === "aws:organizations/policy:Policy");

  it("the real spoke carries the guard, and the guard names all its rules and roles", async () => {
    expect(guardPolicy?.name).toBe("guard-names-every-monitor-resource");
    expect(scp()).toHaveLength(1);
    expect(await stackViolations(spoke)).toEqual([]);
    // A stack without a guard (the hub) is not checked.
    expect(await stackViolations(hub)).toEqual([]);
  });

  it("flags a rule or role the guard does not name, and one left to auto-naming", async () => {
    const rule = spokeFirst(T.eventRule);
    const role = spokeFirst(T.role);
    const broken = spoke.map((s) =>
      s === rule
        ? { ...s, inputs: { ...s.inputs, name: "forward-by-hand" } }
        : s === role
          ? { ...s, inputs: { ...s.inputs, name: undefined } }
          : s,
    );
    const found = await stackViolations(broken);
    expect(found).toHaveLength(2);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /rule .* \(forward-by-hand\) is not named by the guard's service control policy/,
        ),
        expect.stringMatching(/role .* has no fixed name, so the guard cannot name it/),
      ]),
    );
    // A guard whose Deny no longer names roles leaves every role unguarded.
    const [policy] = scp();
    const content = JSON.parse(policy?.inputs.content);
    content.Statement = content.Statement.slice(0, 1);
    const rulesOnly = spoke.map((s) =>
      s === policy ? { ...s, inputs: { ...s.inputs, content: JSON.stringify(content) } } : s,
    );
    const unguarded = await stackViolations(rulesOnly);
    expect(unguarded.length).toBe(spoke.filter((s) => s.type === T.role).length);
  });
});

describe("preview", () => {
  it("a value unknown during preview is left to the engine (advisory), never reported as a violation", async () => {
    const { unknownStringValue, UnknownValueError } = require("@pulumi/policy/proxy.js");
    const topic = hubOne(T.topic);
    const props = { ...topic.inputs, kmsMasterKeyId: unknownStringValue };
    const found: string[] = [];
    const validate = policyByName("sns-sqs-encrypted-with-customer-key").validateResource as any;
    const run = async () => validate(argsFor(topic, props), (m: string) => found.push(m));
    await expect(run()).rejects.toBeInstanceOf(UnknownValueError);
    expect(found).toEqual([]);
  });
});

describe("guards beyond the pack", () => {
  it("the key policy grants EventBridge (hub rules) and CloudWatch (alarms) use of the key, scoped to this account", () => {
    const key = hubOne(T.key);
    const st = statementsOf(key.inputs.policy);
    for (const [service, arnLike] of [
      ["events.amazonaws.com", /^arn:aws:events:us-east-1:\d{12}:rule\/root-activity\/\*$/],
      ["cloudwatch.amazonaws.com", /^arn:aws:cloudwatch:us-east-1:\d{12}:alarm:\*$/],
    ] as const) {
      const grant = st.find((s) => s.Effect === "Allow" && s.Principal?.Service === service);
      expect(grant, service).toBeDefined();
      expect([grant.Action].flat()).toEqual(expect.arrayContaining(["kms:GenerateDataKey", "kms:Decrypt"]));
      expect(grant.Condition.StringEquals["aws:SourceAccount"]).toMatch(/^\d{12}$/);
      expect(grant.Condition.ArnLike["aws:SourceArn"]).toMatch(arnLike);
    }
    expect(key.inputs.enableKeyRotation).toBe(true);
  });

  it("the topic and both queues use the hub's own key", () => {
    const keyArns = new Set(
      [
        hubOne(T.topic),
        hubOne(T.queue, "root-activity-hub-events"),
        hubOne(T.queue, "root-activity-hub-dead-letters"),
      ].map((s) => s.inputs.kmsMasterKeyId),
    );
    expect(keyArns.size).toBe(1);
    expect([...keyArns][0]).toMatch(/^arn:aws:kms:/);
  });

  it("the bus admits only the organization, and the topic denies every other publisher", () => {
    const bus = statementsOf(hubOne(T.busPolicy).inputs.policy);
    expect(bus).toHaveLength(1);
    expect(bus[0].Condition.StringEquals["aws:PrincipalOrgID"]).toBe("o-exampleorg1");
    const topic = statementsOf(hubOne(T.topicPolicy).inputs.policy);
    const deny = topic.find((s) => s.Effect === "Deny");
    expect(deny?.Principal).toBe("*");
    expect(deny?.Action).toBe("sns:Publish");
  });
});
