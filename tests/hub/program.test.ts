// The real program (index.ts) with the real example hub config (Pulumi.hub.yaml), under mocks.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NOTIFIER_TIMEOUT_SECONDS } from "../../handler/support/budget";
import { NOTIFIER_ARCHIVE_BUDGET_BYTES } from "../../hub/archive";
import { minifiedNotifierSource, notifierModuleBody } from "../../hub/notifierCode";
import { rootEventPattern } from "../../handler/classify/rootEvent";
import { tamperBranches, withTamper } from "../../handler/classify/tamperEvent";
import { FakeAwsError, startFakeAws, fakeAwsEnv, type FakeAws } from "../../testkit/fakeAws";
import { zipArchive } from "../../testkit/zip";
import { HUB_ACCOUNT, ofType, one, parseJson, runProgram, type ProgramRun } from "../../testkit/program";

const ORG_ID = "o-exampleorg1";
let fake: FakeAws;
let run: ProgramRun;

interface Statement {
  Sid: string;
  Effect: string;
  Principal?: unknown;
  Action: string | string[];
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
const statements = (policy: unknown): Statement[] => parseJson<{ Statement: Statement[] }>(policy).Statement;
const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
/** The notifier's path, without the coverage function's (tests/hub/coverage.test.ts checks those). */
const notifierPath = <T extends { name: string }>(rs: T[]): T[] =>
  rs.filter((r) => !/-(lifecycle|coverage)-/.test(`${r.name}-`));

beforeAll(async () => {
  fake = await startFakeAws({
    "organizations:DescribeOrganization": () => ({
      Organization: {
        Id: ORG_ID,
        MasterAccountId: "111111111111",
        Arn: `arn:aws:organizations::111111111111:organization/${ORG_ID}`,
      },
    }),
  });
  run = await runProgram({ stackFile: "Pulumi.hub.yaml", stack: "hub", env: fakeAwsEnv(fake.url) });
  if (run.error) throw new Error(`${run.error}\n${run.stderr}`);
});
afterAll(async () => fake?.close());

describe("hub stack from Pulumi.hub.yaml", () => {
  it("discovers the organization when organizationId is not configured", () => {
    expect(fake.requests.filter((r) => r.operation === "DescribeOrganization")).toHaveLength(1);
    expect(run.outputs?.organizationId).toBe(ORG_ID);
  });

  it("exports what spoke stacks and operators read", () => {
    expect(run.outputs?.eventBusArn).toBe(`arn:aws:events:us-east-1:${HUB_ACCOUNT}:event-bus/root-activity`);
    expect(run.outputs?.topicArn).toMatch(
      new RegExp(`^arn:aws:sns:us-east-1:${HUB_ACCOUNT}:root-activity-hub-alerts`),
    );
    expect(run.outputs?.role).toBe("hub");
    expect(run.outputs?.deadLetterQueueUrl).toMatch(/^https:\/\/sqs\.us-east-1\.amazonaws\.com\//);
    expect(run.outputs?.ruleState).toBe("ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS");
  });

  it("parents every resource under the Hub component", () => {
    const custom = run.urns.filter(
      (u) => !u.includes("::pulumi:pulumi:Stack::") && !u.includes("pulumi:providers:"),
    );
    const component = custom.filter((u) => u.includes("::root-activity-monitor:index:Hub::"));
    expect(component).toHaveLength(1);
    const children = custom.filter((u) => u !== component[0]);
    expect(children.length).toBeGreaterThan(15);
    // Each part is a child of the Hub, each resource a child of a part. (The mock monitor prefixes a
    // URN with the parent's own type only; hub-names.test.ts checks the engine's whole chains.)
    for (const urn of children) {
      expect(urn).toMatch(
        /::root-activity-monitor:(index:Hub\$root-activity-monitor:hub:[A-Za-z]+|hub:[A-Za-z]+\$aws:)/,
      );
    }
  });

  it("lets only the organization put events on the bus", () => {
    const policy = one(run, "aws:cloudwatch/eventBusPolicy:EventBusPolicy");
    const [s, ...rest] = statements(policy.inputs.policy);
    expect(rest).toHaveLength(0);
    expect(s).toMatchObject({
      Effect: "Allow",
      Action: "events:PutEvents",
      Resource: `arn:aws:events:us-east-1:${HUB_ACCOUNT}:event-bus/root-activity`,
      Condition: { StringEquals: { "aws:PrincipalOrgID": ORG_ID } },
    });
    expect(policy.inputs.eventBusName).toBe("root-activity");
  });

  it("matches root events from aws.* sources only (or a self-test), including read-only calls", () => {
    const rule = one(run, "aws:cloudwatch/eventRule:EventRule", "root-activity-hub-root-activity");
    const full = parseJson(rule.inputs.eventPattern);
    expect(full).toEqual(withTamper(rootEventPattern()));
    expect(Object.keys(full)).toEqual(["$or"]);
    const [pattern, federated, assumeRoot, selfTest, tamper, ...rest] = full.$or;
    expect(rest).toEqual([]);
    // Tamper events pass whoever made them: the spokes already left the deploy role out.
    expect([tamper]).toEqual(tamperBranches());
    expect(tamper.detail.userIdentity).toBeUndefined();
    expect(selfTest).toEqual({
      source: ["root-activity-monitor.selftest"],
      "detail-type": ["Root Activity Monitor Self-Test"],
    });
    // Every CloudTrail branch takes aws.* sources only: a member account cannot forge one.
    for (const branch of [pattern, federated, assumeRoot, tamper])
      expect(branch.source).toEqual([{ prefix: "aws." }]);
    expect(pattern.detail.userIdentity.type).toEqual(["Root"]);
    expect(federated.detail.userIdentity.sessionContext.sessionIssuer.type).toEqual(["Root"]);
    expect(assumeRoot.detail).toEqual({
      eventSource: ["sts.amazonaws.com"],
      eventName: ["AssumeRoot"],
      userIdentity: { type: [{ "anything-but": ["AWSAccount"] }] },
    });
    expect(assumeRoot["detail-type"]).toEqual(["AWS API Call via CloudTrail"]);
    for (const branch of [pattern, federated]) {
      expect(branch["detail-type"]).toEqual([
        "AWS API Call via CloudTrail",
        "AWS Console Sign In via CloudTrail",
      ]);
    }
    expect(rule.inputs.state).toBe("ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS");
    expect(rule.inputs.eventBusName).toBe("root-activity");
  });

  it("delivers to an encrypted queue with retries and a dead-letter queue", () => {
    const target = one(run, "aws:cloudwatch/eventTarget:EventTarget", "root-activity-hub-to-event-queue");
    const events = one(run, "aws:sqs/queue:Queue", "root-activity-hub-events");
    const dlq = one(run, "aws:sqs/queue:Queue", "root-activity-hub-dead-letters");
    expect(target.inputs.arn).toMatch(/:sqs:us-east-1:\d{12}:root-activity-hub-events-/);
    expect(target.inputs.retryPolicy).toEqual({ maximumEventAgeInSeconds: 86400, maximumRetryAttempts: 185 });
    expect(target.inputs.deadLetterConfig.arn).toMatch(/:root-activity-hub-dead-letters-/);
    const redrive = parseJson(events.inputs.redrivePolicy);
    expect(redrive.deadLetterTargetArn).toMatch(/:root-activity-hub-dead-letters-/);
    expect(redrive.maxReceiveCount).toBe(5);
    expect(events.inputs.visibilityTimeoutSeconds).toBe(6 * NOTIFIER_TIMEOUT_SECONDS);
    for (const q of [events, dlq]) {
      expect(q.inputs.kmsMasterKeyId).toMatch(/^arn:aws:kms:/);
      expect(q.inputs.messageRetentionSeconds).toBe(1_209_600);
    }
    // Only the rule may send to either queue.
    for (const qp of notifierPath(ofType(run, "aws:sqs/queuePolicy:QueuePolicy"))) {
      const [s] = statements(qp.inputs.policy);
      expect(s?.Principal).toEqual({ Service: "events.amazonaws.com" });
      expect(s?.Condition?.ArnEquals?.["aws:SourceArn"]).toMatch(
        /:rule\/root-activity\/root-activity-hub-root-activity-/,
      );
    }
    expect(notifierPath(ofType(run, "aws:sqs/queuePolicy:QueuePolicy"))).toHaveLength(2);
  });

  it("feeds the notifier from the queue with partial batch failures", () => {
    const esm = one(
      run,
      "aws:lambda/eventSourceMapping:EventSourceMapping",
      "root-activity-hub-event-queue-to-notifier",
    );
    expect(esm.inputs.eventSourceArn).toMatch(/:root-activity-hub-events-/);
    expect(esm.inputs.functionResponseTypes).toEqual(["ReportBatchItemFailures"]);
    expect(esm.inputs.batchSize).toBe(10);
  });

  it("runs the notifier on nodejs22.x with its own least-privilege role, log group and dead-letter queue", () => {
    const fn = one(run, "aws:lambda/function:Function", "root-activity-hub-notifier");
    expect(fn.inputs.runtime).toBe("nodejs22.x");
    expect(fn.inputs.handler).toBe("__index.handler");
    expect(fn.inputs.timeout).toBe(NOTIFIER_TIMEOUT_SECONDS);
    expect(fn.inputs.role).toMatch(/:role\/root-activity-hub-notifier-role-/);
    expect(fn.inputs.environment.variables.TOPIC_ARN).toMatch(
      /:sns:us-east-1:\d{12}:root-activity-hub-alerts-/,
    );
    expect(fn.inputs.deadLetterConfig.targetArn).toMatch(/:root-activity-hub-dead-letters-/);
    expect(fn.inputs.loggingConfig.logGroup).toMatch(/^root-activity-hub-notifier-logs-/);
    expect(
      one(run, "aws:cloudwatch/logGroup:LogGroup", "root-activity-hub-notifier-logs").inputs.retentionInDays,
    ).toBe(365);
    // CallbackFunction attaches *FullAccess policies when given no role: it must not have.
    expect(ofType(run, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")).toHaveLength(0);
    // The notifier's and the coverage function's (tests/hub/coverage.test.ts), nothing else.
    expect(
      ofType(run, "aws:iam/role:Role")
        .map((r) => r.name)
        .sort(),
    ).toEqual(["root-activity-hub-coverage-role", "root-activity-hub-notifier-role"]);

    const role = one(run, "aws:iam/role:Role", "root-activity-hub-notifier-role");
    const [trust] = statements(role.inputs.assumeRolePolicy);
    expect(trust).toMatchObject({
      Principal: { Service: "lambda.amazonaws.com" },
      Action: "sts:AssumeRole",
      Condition: { StringEquals: { "aws:SourceAccount": HUB_ACCOUNT } },
    });
    const perms = statements(role.inputs.inlinePolicies[0].policy);
    const bySid = Object.fromEntries(perms.map((s) => [s.Sid, s]));
    expect(bySid.PublishAlerts).toMatchObject({
      Action: "sns:Publish",
      Resource: expect.stringMatching(/:sns:.*:root-activity-hub-alerts-/),
    });
    expect(bySid.NameAccountsOfOurOrganization).toMatchObject({
      Action: "organizations:DescribeAccount",
      Resource: `arn:aws:organizations::*:account/${ORG_ID}/*`,
    });
    expect(bySid.WriteOwnLogs?.Resource).toMatch(
      /:log-group:root-activity-hub-notifier-logs-.*:log-stream:\*$/,
    );
    for (const s of perms) {
      expect(s.Effect).toBe("Allow");
      for (const a of actionsOf(s)) expect(a).not.toContain("*");
      expect(s.Resource).not.toBe("*");
    }
  });

  it("archives only the serialized handler, within its size budget", () => {
    expect(run.notifier?.entries).toEqual(["__index.js"]);
    const code = run.notifier?.code ?? "";
    expect(code).toContain("exports.handler");
    expect(zipArchive({ "__index.js": code }).length).toBeLessThan(NOTIFIER_ARCHIVE_BUDGET_BYTES);
    // One serialized module function, not one copy per captured helper: the archive is the minified
    // bundle plus a small wrapper, and it runs (the deployed-notifier tests invoke it).
    expect(Buffer.byteLength(code, "utf8")).toBeLessThan(minifiedNotifierSource().length * 1.1);
    // The SDK comes from the Lambda runtime, by bare package name, through `require` itself: not
    // esbuild's ESM shim, which would throw "Dynamic require ... is not supported" without it.
    expect(code).not.toMatch(/require\("@aws-sdk\/client-[a-z]+\/dist-cjs/);
    expect(code).not.toContain("is not supported");
    expect(code).toMatch(/\bvar [\w$]+=require[,;]/);
    expect(code).toContain('("@aws-sdk/client-dynamodb")');
  });

  it("turns the module's exports into the body's return value, and says so when they are missing", () => {
    expect(notifierModuleBody("let a=1;function b(){}export{b as handler,a};")).toBe(
      "let a=1;function b(){}return{handler:b,a:a};",
    );
    expect(() => notifierModuleBody("let a=1;module.exports={a};")).toThrow(/does not end with its exports/);
  });

  it("encrypts the topic with a rotating customer-managed key and subscribes every address", () => {
    const topic = one(run, "aws:sns/topic:Topic");
    expect(topic.inputs.kmsMasterKeyId).toMatch(/^arn:aws:kms:us-east-1:/);
    const key = one(run, "aws:kms/key:Key");
    expect(key.inputs.enableKeyRotation).toBe(true);
    const keyStatements = statements(key.inputs.policy);
    const services = keyStatements.flatMap((s) => {
      const p = s.Principal as { Service?: string } | undefined;
      return p?.Service ? [p.Service] : [];
    });
    expect(services.sort()).toEqual(["cloudwatch.amazonaws.com", "events.amazonaws.com"]);
    for (const s of keyStatements) {
      for (const a of actionsOf(s)) expect(a).not.toContain("*");
      if ((s.Principal as { Service?: string }).Service) {
        expect(s.Condition?.StringEquals?.["aws:SourceAccount"]).toBe(HUB_ACCOUNT);
      }
    }
    const subs = ofType(run, "aws:sns/topicSubscription:TopicSubscription");
    // The example ships one clearly marked address, so the quickstart leaves no placeholder behind.
    expect(subs.map((s) => [s.inputs.protocol, s.inputs.endpoint]).sort()).toEqual([
      ["email", "security-oncall@example.com"],
    ]);
  });

  it("lets only the notifier and this account's alarms publish to the topic", () => {
    const policy = one(run, "aws:sns/topicPolicy:TopicPolicy");
    const bySid = Object.fromEntries(statements(policy.inputs.policy).map((s) => [s.Sid, s]));
    expect(bySid.NotifierPublishes?.Principal).toEqual({
      AWS: expect.stringMatching(/:role\/root-activity-hub-notifier-role-/),
    });
    expect(bySid.AlarmsOfThisAccountPublish?.Condition).toEqual({
      StringEquals: { "aws:SourceAccount": HUB_ACCOUNT },
      ArnLike: { "aws:SourceArn": `arn:aws:cloudwatch:us-east-1:${HUB_ACCOUNT}:alarm:*` },
    });
    expect(bySid.NoOtherPublishers).toMatchObject({ Effect: "Deny", Principal: "*", Action: "sns:Publish" });
  });

  it("alarms on dead letters, a stuck queue, notifier errors and failed rule deliveries, to the same people", () => {
    const alarms = notifierPath(ofType(run, "aws:cloudwatch/metricAlarm:MetricAlarm"));
    const metrics = alarms.map((a) => `${a.inputs.namespace}/${a.inputs.metricName}`).sort();
    expect(metrics).toEqual([
      "AWS/Events/FailedInvocations",
      "AWS/Lambda/Errors",
      "AWS/SQS/ApproximateAgeOfOldestMessage",
      "AWS/SQS/ApproximateNumberOfMessagesVisible",
      "RootActivityMonitor/StateStoreErrors",
    ]);
    const topicArn = run.outputs?.topicArn as string;
    for (const a of alarms) {
      expect(a.inputs.alarmActions).toEqual([topicArn]);
      expect(a.inputs.okActions).toEqual([topicArn]);
    }
    const dlqAlarm = alarms.find((a) => a.inputs.metricName === "ApproximateNumberOfMessagesVisible");
    expect(dlqAlarm?.inputs.dimensions.QueueName).toMatch(/^root-activity-hub-dead-letters-/);
    expect(dlqAlarm?.inputs.threshold).toBe(0);
    const ruleAlarm = alarms.find((a) => a.inputs.metricName === "FailedInvocations");
    expect(ruleAlarm?.inputs.dimensions).toEqual({
      RuleName: expect.stringMatching(/^root-activity-hub-root-activity-/),
      EventBusName: "root-activity",
    });
  });
});

describe("hub config errors", () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    // The CLI stops before the program: role has no default.
    ["missing role", { role: null }, /^Stack 'test' is missing configuration value 'role'$/],
    ["empty role", { role: "" }, /root-activity-monitor:role: missing.*hub, spoke/],
    [
      "unknown role",
      { role: "spokes" },
      /root-activity-monitor:role: "spokes" is not one of the allowed values: hub, spoke/,
    ],
    [
      "bad email",
      { notificationEmails: ["ops@example.com", "not-an-address"] },
      /notificationEmails: "not-an-address" is not an email address/,
    ],
    ["no emails", { notificationEmails: [] }, /notificationEmails: no one would be told/],
    [
      "bad organization id",
      { organizationId: "org-123" },
      /organizationId: "org-123" is not an organization ID/,
    ],
    ["reserved bus name", { eventBusName: "default" }, /eventBusName: "default" is reserved/],
    ["bad retention", { logRetentionDays: 10 }, /logRetentionDays: "10" is not one of/],
    [
      "bad boolean",
      { includeReadOnlyEvents: "yes" },
      /^Stack 'test' with configuration key 'includeReadOnlyEvents' must be of type 'boolean'$/,
    ],
    ["no region", { "aws:region": null }, /Missing config aws:region/],
  ];
  it.each(cases)("%s", async (_label, overrides, message) => {
    const bad = await runProgram({
      stackFile: "Pulumi.hub.yaml",
      overrides: { organizationId: ORG_ID, ...overrides },
      env: { AWS_REGION: "" },
    });
    expect(bad.error).toMatch(message);
    expect(bad.resources.filter((r) => r.type.startsWith("aws:"))).toHaveLength(0);
  });

  it("explains how to proceed when the organization cannot be discovered", async () => {
    const denied = await startFakeAws({});
    denied.on("organizations:DescribeOrganization", () => {
      throw new FakeAwsError("AccessDeniedException", "not allowed");
    });
    try {
      const bad = await runProgram({ stackFile: "Pulumi.hub.yaml", env: fakeAwsEnv(denied.url) });
      expect(bad.error).toMatch(
        /Could not discover the AWS Organization \(AccessDeniedException: not allowed\).*set root-activity-monitor:organizationId/,
      );
    } finally {
      await denied.close();
    }
  });

  it("honours includeReadOnlyEvents=false with plain ENABLED", async () => {
    const r = await runProgram({
      stackFile: "Pulumi.hub.yaml",
      overrides: { organizationId: ORG_ID, includeReadOnlyEvents: false },
    });
    expect(r.error).toBeUndefined();
    expect(one(r, "aws:cloudwatch/eventRule:EventRule", "root-activity-hub-root-activity").inputs.state).toBe(
      "ENABLED",
    );
    // No discovery call needed when the ID is given.
    expect(r.outputs?.organizationId).toBe(ORG_ID);
  });
});
