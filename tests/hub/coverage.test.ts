// The hub's coverage part through the real program under mocks: its rule, queues, function and alarms,
// and a role that reads only its one secret, sends only to its own queues and publishes only to the
// topic, while the notifier's role does not grow. The spoke selections come from spoke stack files.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSelections } from "../../handler/coverage/selection";
import { lifecycleEventPattern } from "../../handler/classify/lifecycleEvent";
import { readSpokeSelections } from "../../hub/coverage/spokeStacks";
import { ofType, one, parseJson, REPO, runProgram, type ProgramRun } from "../../testkit/program";

const ORG_ID = "o-exampleorg1";
const ADDRESS = "secops@acme.test";
const SECRET_ARN =
  "arn:aws:secretsmanager:us-east-1:222222222222:secret:root-activity-monitor/pulumi-token-AbCdEf";
type Statement = {
  Sid: string;
  Effect: string;
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};
const statementsOf = (role: { inputs: Record<string, any> }): Statement[] =>
  (role.inputs.inlinePolicies as { policy: string }[]).flatMap(
    (p) => parseJson<{ Statement: Statement[] }>(p.policy).Statement,
  );
const actions = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const role = (run: ProgramRun, name: string) =>
  one(run, "aws:iam/role:Role", `root-activity-hub-${name}-role`);

let dir: string;
let run: ProgramRun;
let plain: ProgramRun;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "ram-hub-spokes-"));
  fs.copyFileSync(path.join(REPO, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  const spoke = (extra: string) =>
    `config:\n  root-activity-monitor:role: spoke\n  aws:region: us-east-1\n  root-activity-monitor:hubStack: acme/root-activity-monitor/hub\n${extra}`;
  fs.writeFileSync(path.join(dir, "Pulumi.spoke-1of2.yaml"), spoke('  root-activity-monitor:shard: "1/2"\n'));
  fs.writeFileSync(path.join(dir, "Pulumi.spoke-2of2.yaml"), spoke('  root-activity-monitor:shard: "2/2"\n'));
  fs.writeFileSync(
    path.join(dir, "Pulumi.spoke-prod.yaml"),
    spoke(
      "  root-activity-monitor:organizationalUnits: [ou-a1b2-prodwork1]\n  root-activity-monitor:regions: [us-east-1, eu-south-2]\n",
    ),
  );
  const withTrigger = {
    organizationId: ORG_ID,
    notificationEmails: [ADDRESS],
    coverageTrigger: "pulumi-deployments",
    coverageTokenSecretArn: SECRET_ARN,
    pulumiOrganization: "acme",
  };
  [run, plain] = await Promise.all([
    runProgram({
      stackFile: "Pulumi.hub.yaml",
      stack: "hub",
      overrides: withTrigger,
      program: path.join(REPO, "testkit", "hubWithSpokes.ts"),
      env: { SPOKE_STACK_DIR: dir },
    }),
    runProgram({
      stackFile: "Pulumi.hub.yaml",
      stack: "hub",
      overrides: { organizationId: ORG_ID, notificationEmails: [ADDRESS] },
    }),
  ]);
  for (const r of [run, plain]) if (r.error) throw new Error(`${r.error}\n${r.stderr}`);
}, 300_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("hub coverage part", () => {
  it("has a rule on the hub bus for lifecycle events, delivering to its own queue with retries and dead letters", () => {
    const rule = one(run, "aws:cloudwatch/eventRule:EventRule", "root-activity-hub-lifecycle");
    expect(parseJson(rule.inputs.eventPattern)).toEqual(lifecycleEventPattern());
    expect(rule.inputs.eventBusName).toBe("root-activity");
    expect(rule.inputs.state).toBe("ENABLED");
    const target = one(run, "aws:cloudwatch/eventTarget:EventTarget", "root-activity-hub-to-lifecycle-queue");
    expect(target.inputs.arn).toMatch(/:root-activity-hub-lifecycle-events-/);
    expect(target.inputs.deadLetterConfig.arn).toMatch(/:root-activity-hub-lifecycle-dead-letters-/);
    expect(target.inputs.retryPolicy).toEqual({ maximumEventAgeInSeconds: 86400, maximumRetryAttempts: 185 });
    const queue = one(run, "aws:sqs/queue:Queue", "root-activity-hub-lifecycle-events");
    expect(queue.inputs.kmsMasterKeyId).toMatch(/^arn:aws:kms:/);
    expect(parseJson(queue.inputs.redrivePolicy).deadLetterTargetArn).toMatch(
      /:root-activity-hub-lifecycle-dead-letters-/,
    );
    for (const name of ["lifecycle-events-policy", "lifecycle-dead-letters-policy"]) {
      const [s] = parseJson<{ Statement: Statement[] }>(
        one(run, "aws:sqs/queuePolicy:QueuePolicy", `root-activity-hub-${name}`).inputs.policy,
      ).Statement;
      expect(s?.Condition?.ArnEquals?.["aws:SourceArn"]).toMatch(
        /:rule\/root-activity\/root-activity-hub-lifecycle-/,
      );
    }
    const esm = one(
      run,
      "aws:lambda/eventSourceMapping:EventSourceMapping",
      "root-activity-hub-lifecycle-queue-to-coverage",
    );
    expect(esm.inputs.eventSourceArn).toMatch(/:root-activity-hub-lifecycle-events-/);
    expect(esm.inputs.functionResponseTypes).toEqual(["ReportBatchItemFailures"]);
  });

  it("gives its role only its secret, its own queues, its own items of the state table and the topic", () => {
    const perms = statementsOf(role(run, "coverage"));
    const bySid = Object.fromEntries(perms.map((s) => [s.Sid, s]));
    expect(Object.keys(bySid).sort()).toEqual([
      "ClaimUpdatesInStateTable",
      "ConsumeCoverageQueue",
      "DeadLetterAsyncFailures",
      "PublishNotices",
      "ReadTriggerToken",
      "ScheduleFollowUps",
      "UseHubKey",
      "WriteOwnLogs",
    ]);
    // Reads only its one secret.
    expect(perms.filter((s) => actions(s).some((a) => a.startsWith("secretsmanager:")))).toEqual([
      {
        Sid: "ReadTriggerToken",
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: SECRET_ARN,
      },
    ]);
    // Sends only to its own queues.
    for (const s of perms.filter((s) => actions(s).includes("sqs:SendMessage")))
      expect(s.Resource).toMatch(/:sqs:us-east-1:\d{12}:root-activity-hub-lifecycle-(events|dead-letters)-/);
    expect(bySid.ConsumeCoverageQueue?.Resource).toMatch(/:root-activity-hub-lifecycle-events-/);
    // Publishes only to the topic.
    expect(perms.filter((s) => actions(s).some((a) => a.startsWith("sns:")))).toEqual([
      {
        Sid: "PublishNotices",
        Effect: "Allow",
        Action: "sns:Publish",
        Resource: expect.stringMatching(/:sns:us-east-1:\d{12}:root-activity-hub-alerts-/),
      },
    ]);
    // Its own items of the shared state table only.
    expect(bySid.ClaimUpdatesInStateTable?.Condition).toEqual({
      "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["coverage#*"] },
    });
    for (const s of perms) {
      expect(s.Effect).toBe("Allow");
      for (const a of actions(s)) expect(a).not.toContain("*");
      expect(s.Resource).not.toBe("*");
    }
  });

  it("leaves the notifier's role as it was", () => {
    const notifier = statementsOf(role(run, "notifier"));
    expect(notifier).toEqual(statementsOf(role(plain, "notifier")));
    expect(JSON.stringify(notifier)).not.toMatch(/secretsmanager|lifecycle/);
  });

  it("lets the coverage role publish to the topic, and still no one else", () => {
    const policy = parseJson<{ Statement: Statement[] }>(
      one(run, "aws:sns/topicPolicy:TopicPolicy").inputs.policy,
    );
    const bySid = Object.fromEntries(policy.Statement.map((s) => [s.Sid, s]));
    expect(bySid.HubFunctionsPublish?.Principal).toEqual({
      AWS: [expect.stringMatching(/:role\/root-activity-hub-coverage-role-/)],
    });
    expect(bySid.NoOtherPublishers?.Condition?.ArnNotEquals?.["aws:PrincipalArn"]).toEqual([
      expect.stringMatching(/:role\/root-activity-hub-notifier-role-/),
      expect.stringMatching(/:role\/root-activity-hub-coverage-role-/),
    ]);
  });

  it("embeds the spoke stack files' selections and the trigger, never a token", () => {
    const fn = one(run, "aws:lambda/function:Function", "root-activity-hub-coverage");
    const vars = fn.inputs.environment.variables as Record<string, string>;
    expect(parseSelections(vars.SPOKE_STACKS)).toEqual(readSpokeSelections(dir));
    expect(parseSelections(vars.SPOKE_STACKS).map((s) => s.stack)).toEqual([
      "spoke-1of2",
      "spoke-2of2",
      "spoke-prod",
    ]);
    expect(vars).toMatchObject({
      COVERAGE_TRIGGER: "pulumi-deployments",
      TOKEN_SECRET_ARN: SECRET_ARN,
      PULUMI_API_URL: "https://api.pulumi.com",
      PULUMI_ORGANIZATION: "acme",
      PULUMI_PROJECT: "root-activity-monitor",
      DEADLINE_MINUTES: "30",
    });
    expect(fn.inputs.role).toMatch(/:role\/root-activity-hub-coverage-role-/);
    expect(fn.inputs.runtime).toBe("nodejs22.x");
    expect(fn.inputs.deadLetterConfig.targetArn).toMatch(/:root-activity-hub-lifecycle-dead-letters-/);
    expect(run.functions?.["root-activity-hub-coverage"]?.entries).toEqual(["__index.js"]);
    // The SDK comes from the runtime; node:crypto (the shard hash) by require.
    const code = run.functions?.["root-activity-hub-coverage"]?.code ?? "";
    expect(code).toContain('("@aws-sdk/client-secrets-manager")');
    expect(code).toContain('require("node:crypto")');
    expect(code).not.toMatch(/\bimport\s*\{/);
  });

  it("has the notifier path's alarms on its own path, to the same topic", () => {
    const alarms = ofType(run, "aws:cloudwatch/metricAlarm:MetricAlarm").filter((a) =>
      a.name.includes("-coverage-"),
    );
    expect(alarms.map((a) => `${a.inputs.namespace}/${a.inputs.metricName}`).sort()).toEqual([
      "AWS/Events/FailedInvocations",
      "AWS/Lambda/Errors",
      "AWS/SQS/ApproximateAgeOfOldestMessage",
      "AWS/SQS/ApproximateNumberOfMessagesVisible",
    ]);
    const topicArn = run.outputs?.topicArn as string;
    for (const a of alarms) expect(a.inputs.alarmActions).toEqual([topicArn]);
    const dims = alarms.map((a) => JSON.stringify(a.inputs.dimensions)).join(" ");
    expect(dims).toMatch(/root-activity-hub-lifecycle-dead-letters-/);
    expect(dims).toMatch(/root-activity-hub-coverage-/);
    expect(dims).toMatch(/root-activity-hub-lifecycle-/);
  });

  it("without a trigger, reads no secret", () => {
    const perms = statementsOf(role(plain, "coverage"));
    expect(perms.map((s) => s.Sid)).not.toContain("ReadTriggerToken");
    const vars = one(plain, "aws:lambda/function:Function", "root-activity-hub-coverage").inputs.environment
      .variables as Record<string, string>;
    expect(vars.COVERAGE_TRIGGER).toBe("none");
    expect(vars.TOKEN_SECRET_ARN).toBeUndefined();
    expect(plain.outputs?.coverageTrigger).toBe("none");
  });
});
