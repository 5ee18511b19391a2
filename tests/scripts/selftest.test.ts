// The self-test command against a local fake of STS, EventBridge and CloudWatch Logs. The fake
// plays the hub pipeline: an event put on the hub bus (or on a member account's default bus in a
// region with a forwarding rule, with that account's credentials) makes the "notifier" write the
// log lines of handler/selfTest.ts, in Lambda's Text format, into the hub account's log group.
import * as fs from "node:fs";
import * as path from "node:path";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { STSClient } from "@aws-sdk/client-sts";
import { describe, expect, it, vi } from "vitest";
import { SELF_TEST_DETAIL_TYPE, SELF_TEST_LOG, SELF_TEST_SOURCE } from "../../handler/classify/selfTest";
import { main } from "../../scripts/selftest";
import { parseNotifierLine, traceOf } from "../../scripts/selftest/notifierLog";
import { resolveOptions } from "../../scripts/selftest/options";
import { newTestId, runSelfTest, SELF_TEST_SESSION_NAME } from "../../scripts/selftest/run";
import type { ClientFactories, HubTarget, SelfTestOptions } from "../../scripts/selftest/types";
import { FakeAwsError, fakeAwsEnv, type FakeAws, type RecordedRequest } from "../../testkit/fakeAws";
import {
  defaultOrg,
  fakeClientConfig,
  HUB_ACCOUNT_ID,
  HUB_BUS_ARN,
  MANAGEMENT_ACCOUNT_ID,
  startFakeOrganization,
} from "../../testkit/fakeOrganization";
import { runScript } from "../../testkit/runScript";
import { useScratch } from "../../testkit/scratch";

const LOG_GROUP = "/aws/lambda/notifier-logs-abc1234";
const HUB: HubTarget = {
  eventBusArn: HUB_BUS_ARN,
  notifierLogGroupName: LOG_GROUP,
  region: "us-east-1",
  topicArn: `arn:aws:sns:us-east-1:${HUB_ACCOUNT_ID}:alerts-abc1234`,
  deadLetterQueueUrl: `https://sqs.us-east-1.amazonaws.com/${HUB_ACCOUNT_ID}/dead-letters-abc1234`,
  stackName: "hub",
};
const HUB_OUTPUTS = {
  role: "hub",
  region: "us-east-1",
  eventBusArn: HUB_BUS_ARN,
  eventBusName: "root-activity",
  notifierLogGroupName: LOG_GROUP,
  notifierFunctionName: "notifier-abc1234",
  topicArn: HUB.topicArn,
  deadLetterQueueUrl: HUB.deadLetterQueueUrl,
};
const MEMBER = "333333333301";

type Mode = "ok" | "reject" | "deny" | "drop" | "stuck" | "publish-failed";

/** Account whose credentials signed a request: assumed-role keys name it, the rest are the caller's. */
function signer(req: RecordedRequest, caller: string): string {
  return /^ASIA(\d{12})FAKE$/.exec(req.accessKeyId ?? "")?.[1] ?? caller;
}

interface Pipeline {
  aws: FakeAws;
  env: Record<string, string>;
  factories: ClientFactories;
  /** Log events of the hub log group. */
  logs: { message: string; timestamp: number }[];
  requests(op: string): RecordedRequest[];
}

const { running, tmpDir } = useScratch("selftest");

/**
 * The fake hub. `rules` are the member accounts x regions with a forwarding rule. Delivery happens
 * only for an event with the self-test source and detail type, put on the hub bus by the hub
 * account, or on the default bus of a member account with a rule in that region, signed by that account.
 */
async function pipeline(
  mode: Mode,
  { caller = HUB_ACCOUNT_ID, rules = [] as string[] } = {},
): Promise<Pipeline> {
  const logs: { message: string; timestamp: number }[] = [];
  const line = (fields: Record<string, unknown>) => {
    const at = Date.now();
    const json = JSON.stringify({ level: "info", ...fields, component: "root-activity-notifier" });
    logs.push({ message: `${new Date(at).toISOString()}\treq-1\tINFO\t${json}\n`, timestamp: at });
  };
  const later = (ms: number, fn: () => void) => setTimeout(fn, ms).unref();

  const { aws, env } = await startFakeOrganization(defaultOrg({ callerAccountId: caller }), {
    "events:PutEvents": (params, req) => {
      if (mode === "deny") {
        throw new FakeAwsError("AccessDeniedException", "not authorized to perform events:PutEvents", 400);
      }
      if (mode === "reject") {
        return {
          FailedEntryCount: 1,
          Entries: [{ ErrorCode: "InternalFailure", ErrorMessage: "Internal service error." }],
        };
      }
      const entry = (params.Entries as Record<string, string>[])[0] as Record<string, string>;
      const from = signer(req, caller);
      const onHubBus = entry.EventBusName === HUB_BUS_ARN && from === HUB_ACCOUNT_ID;
      const forwarded = entry.EventBusName === "default" && rules.includes(`${from}/${req.region}`);
      const matches = entry.Source === SELF_TEST_SOURCE && entry.DetailType === SELF_TEST_DETAIL_TYPE;
      if ((onHubBus || forwarded) && matches && mode !== "drop") {
        const testId = (JSON.parse(entry.Detail as string) as { testId: string }).testId;
        later(40, () => {
          line({ msg: SELF_TEST_LOG.received, testId });
          // Another test's lines contain this ID as a substring; they must not count.
          line({ msg: SELF_TEST_LOG.published, testId: `${testId}-other` });
          line({ msg: "unrelated", note: testId });
        });
        if (mode === "ok") later(80, () => line({ msg: SELF_TEST_LOG.published, testId, severity: "test" }));
        if (mode === "publish-failed") {
          later(80, () =>
            line({
              level: "error",
              msg: "publish failed",
              testId,
              error: "KMS.KMSAccessDeniedException: User is not authorized to perform kms:GenerateDataKey",
            }),
          );
        }
      }
      return { FailedEntryCount: 0, Entries: [{ EventId: `event-${aws.requests.length}` }] };
    },
    "logs:FilterLogEvents": (params, req) => {
      // The log group exists only in the hub account and region.
      if (
        params.logGroupName !== LOG_GROUP ||
        signer(req, caller) !== HUB_ACCOUNT_ID ||
        req.region !== "us-east-1"
      ) {
        throw new FakeAwsError("ResourceNotFoundException", "The specified log group does not exist.");
      }
      const term = String(params.filterPattern).replace(/^"(.*)"$/, "$1");
      const hits = logs.filter((e) => e.message.includes(term) && e.timestamp >= Number(params.startTime));
      // Two events per page, so every search takes several pages.
      const start = params.nextToken === undefined ? 0 : Number(params.nextToken);
      const next = start + 2 < hits.length ? String(start + 2) : undefined;
      return { events: hits.slice(start, start + 2), ...(next ? { nextToken: next } : {}) };
    },
  });
  running.push(aws);
  const withCreds = <T>(make: (c: object) => T) => {
    return (region: string, credentials?: object) =>
      make({ ...fakeClientConfig(aws.url, region), ...(credentials ? { credentials } : {}) });
  };
  return {
    aws,
    env,
    logs,
    factories: {
      sts: withCreds((c) => new STSClient(c)),
      eventBridge: withCreds((c) => new EventBridgeClient(c)),
      logs: withCreds((c) => new CloudWatchLogsClient(c)),
    },
    requests: (op) => aws.requests.filter((r) => r.operation === op),
  };
}

function options(p: Pipeline, extra: Partial<SelfTestOptions> = {}): SelfTestOptions {
  return {
    hub: HUB,
    path: { via: "hub" },
    timeoutMs: 1500,
    pollIntervalMs: 50,
    clients: p.factories,
    ...extra,
  };
}

const spokePath = (accountId = MEMBER, region = "eu-west-1") => ({
  via: "spoke" as const,
  accountId,
  region,
  memberRoleName: "OrganizationAccountAccessRole",
  spokeStack: "spoke-all",
});

describe("runSelfTest through the hub bus", () => {
  it("passes once the notifier logs received then published for this test ID", async () => {
    const p = await pipeline("ok");
    const started = Date.now();
    const report = await runSelfTest(options(p));
    expect(report.stages.filter((s) => !s.ok)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.stages.map((s) => s.stage)).toEqual(["credentials", "put events", "received", "published"]);
    expect(Date.now() - started).toBeLessThan(1500);

    const [put, ...more] = p.requests("PutEvents");
    expect(more).toHaveLength(0);
    expect(put?.region).toBe("us-east-1");
    const entries = put?.params.Entries as Record<string, string>[];
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      EventBusName: HUB_BUS_ARN,
      Source: "root-activity-monitor.selftest",
      DetailType: SELF_TEST_DETAIL_TYPE,
    });
    const detail = JSON.parse(entries[0]?.Detail as string) as Record<string, string>;
    expect(detail).toMatchObject({
      testId: report.testId,
      via: "hub",
      requestedBy: `arn:aws:iam::${HUB_ACCOUNT_ID}:user/admin`,
    });
    expect(Date.parse(detail.requestedAt as string)).toBeGreaterThan(started - 1000);

    const searches = p.requests("FilterLogEvents");
    expect(searches.length).toBeGreaterThan(0);
    for (const s of searches) {
      expect(s.params.logGroupName).toBe(LOG_GROUP);
      expect(s.params.filterPattern).toBe(`"${report.testId}"`);
    }
    // Later pages were followed.
    expect(searches.some((s) => s.params.nextToken !== undefined)).toBe(true);
    // No role is assumed when the caller is the hub account.
    expect(p.requests("AssumeRole")).toHaveLength(0);
  });

  it("uses a fresh, labelled test ID each run", () => {
    const a = newTestId(new Date("2026-11-21T09:30:00.123Z"));
    expect(a).toMatch(/^selftest-20261121T093000Z-[0-9a-f]{8}$/);
    expect(newTestId()).not.toBe(newTestId());
  });

  it("reports a PutEvents entry the bus rejected, without waiting", async () => {
    const p = await pipeline("reject");
    const report = await runSelfTest(options(p, { timeoutMs: 60_000 }));
    expect(report.ok).toBe(false);
    const failed = report.stages.at(-1);
    expect(failed).toMatchObject({ stage: "put events", ok: false });
    expect(failed?.detail).toContain(`the hub bus ${HUB_BUS_ARN} rejected the event: InternalFailure`);
    expect(failed?.fix).toContain("events:PutEvents");
    expect(p.requests("FilterLogEvents")).toHaveLength(0);
  });

  it("reports a PutEvents call that failed", async () => {
    const p = await pipeline("deny");
    const report = await runSelfTest(options(p));
    expect(report.stages.at(-1)).toMatchObject({ stage: "put events", ok: false });
    expect(report.stages.at(-1)?.detail).toContain("AccessDeniedException");
  });

  it("times out at 'received' with what to check when the notifier never sees the event", async () => {
    const p = await pipeline("drop");
    const started = Date.now();
    const report = await runSelfTest(options(p, { timeoutMs: 700 }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
    expect(report.ok).toBe(false);
    const failed = report.stages.at(-1);
    expect(failed).toMatchObject({ stage: "received", ok: false });
    expect(failed?.detail).toBe("the notifier did not log the test within 1 s");
    expect(failed?.fix).toContain("the hub rule on");
    expect(failed?.fix).toContain(HUB.deadLetterQueueUrl);
    expect(failed?.fix).toContain(LOG_GROUP);
    // It kept polling until the deadline.
    expect(p.requests("FilterLogEvents").length).toBeGreaterThan(3);
  });

  it("times out at 'published' when the notifier received the test but published nothing", async () => {
    const p = await pipeline("stuck");
    const report = await runSelfTest(options(p, { timeoutMs: 700 }));
    expect(report.stages.map((s) => [s.stage, s.ok])).toEqual([
      ["credentials", true],
      ["put events", true],
      ["received", true],
      ["published", false],
    ]);
    const failed = report.stages.at(-1);
    expect(failed?.detail).toContain("received, but no published alert was logged within 1 s");
    expect(failed?.fix).toContain(HUB.topicArn);
    expect(failed?.fix).toContain('"publish failed"');
    // A decoy line published for another test ID must not count as this test's.
    expect(p.logs.some((l) => l.message.includes(`${report.testId}-other`))).toBe(true);
  });

  it("stops at the first 'publish failed' line for the test and shows its error", async () => {
    const p = await pipeline("publish-failed");
    const started = Date.now();
    const report = await runSelfTest(options(p, { timeoutMs: 30_000 }));
    expect(Date.now() - started).toBeLessThan(5_000);
    const failed = report.stages.at(-1);
    expect(failed).toMatchObject({ stage: "published", ok: false });
    expect(failed?.detail).toContain("KMS.KMSAccessDeniedException");
  });

  it("refuses credentials of another account than the hub's", async () => {
    const p = await pipeline("ok", { caller: MANAGEMENT_ACCOUNT_ID });
    const report = await runSelfTest(options(p));
    expect(report.stages.at(-1)).toMatchObject({ stage: "credentials", ok: false });
    expect(report.stages.at(-1)?.detail).toContain(
      `but the hub bus and the notifier's logs are in ${HUB_ACCOUNT_ID}`,
    );
    expect(p.requests("PutEvents")).toHaveLength(0);
  });

  it("reports a log group it cannot read", async () => {
    const p = await pipeline("ok");
    const report = await runSelfTest(
      options(p, { hub: { ...HUB, notifierLogGroupName: "/aws/lambda/gone" } }),
    );
    expect(report.stages.at(-1)).toMatchObject({ stage: "notifier logs", ok: false });
    expect(report.stages.at(-1)?.detail).toContain("ResourceNotFoundException");
    expect(report.stages.at(-1)?.fix).toContain("logs:FilterLogEvents");
  });
});

describe("runSelfTest through a spoke's forwarding rule", () => {
  it("puts the event on the member's default bus with its role, and reads the hub's logs with the hub's", async () => {
    const p = await pipeline("ok", { caller: MANAGEMENT_ACCOUNT_ID, rules: [`${MEMBER}/eu-west-1`] });
    const report = await runSelfTest(options(p, { path: spokePath() }));
    expect(report.stages.filter((s) => !s.ok)).toEqual([]);
    expect(report.via).toBe("spoke");

    const assumed = p.requests("AssumeRole");
    expect(assumed.map((r) => r.params.RoleArn)).toEqual([
      `arn:aws:iam::${MEMBER}:role/OrganizationAccountAccessRole`,
      `arn:aws:iam::${HUB_ACCOUNT_ID}:role/OrganizationAccountAccessRole`,
    ]);
    expect(assumed.every((r) => r.params.RoleSessionName === SELF_TEST_SESSION_NAME)).toBe(true);

    const put = p.requests("PutEvents")[0];
    expect(put).toMatchObject({ region: "eu-west-1", accessKeyId: `ASIA${MEMBER}FAKE` });
    const entry = (put?.params.Entries as Record<string, string>[])[0];
    expect(entry?.EventBusName).toBe("default");
    expect(JSON.parse(entry?.Detail as string)).toMatchObject({ via: "spoke", testId: report.testId });
    for (const s of p.requests("FilterLogEvents")) expect(s.accessKeyId).toBe(`ASIA${HUB_ACCOUNT_ID}FAKE`);
  });

  it("uses the caller's own credentials for its own account", async () => {
    const p = await pipeline("ok", {
      caller: MANAGEMENT_ACCOUNT_ID,
      rules: [`${MANAGEMENT_ACCOUNT_ID}/us-east-1`],
    });
    const report = await runSelfTest(options(p, { path: spokePath(MANAGEMENT_ACCOUNT_ID, "us-east-1") }));
    expect(report.ok).toBe(true);
    expect(p.requests("AssumeRole").map((r) => r.params.RoleArn)).toEqual([
      `arn:aws:iam::${HUB_ACCOUNT_ID}:role/OrganizationAccountAccessRole`,
    ]);
    expect(p.requests("PutEvents")[0]?.accessKeyId).toBe("AKIAFAKEFAKEFAKEFAKE");
  });

  it("fails at 'assume role' with a fix when the member role is missing", async () => {
    const p = await pipeline("ok", { caller: MANAGEMENT_ACCOUNT_ID });
    const report = await runSelfTest(options(p, { path: spokePath("555555555502") }));
    const failed = report.stages.at(-1);
    expect(failed).toMatchObject({ stage: "assume role", ok: false });
    expect(failed?.detail).toContain("arn:aws:iam::555555555502:role/OrganizationAccountAccessRole");
    expect(failed?.fix).toContain(
      `create role OrganizationAccountAccessRole in 555555555502 trusting arn:aws:iam::${MANAGEMENT_ACCOUNT_ID}:root`,
    );
    expect(p.requests("PutEvents")).toHaveLength(0);
  });

  it("points at the spoke's rule first when a forwarded test never arrives", async () => {
    // No forwarding rule in that account and region: the event stays on the member's bus.
    const p = await pipeline("ok", { caller: MANAGEMENT_ACCOUNT_ID, rules: [`${MEMBER}/us-east-1`] });
    const report = await runSelfTest(options(p, { path: spokePath(MEMBER, "eu-west-1"), timeoutMs: 500 }));
    const failed = report.stages.at(-1);
    expect(failed).toMatchObject({ stage: "received", ok: false });
    expect(failed?.fix).toMatch(
      /^Check, in order: \(1\) the forwarding rule on the default bus of 333333333301 in eu-west-1/,
    );
    expect(failed?.fix).toContain("npm run doctor -- --stack spoke-all");
    expect(failed?.fix).toContain("npm run coverage -- --stack spoke-all");
  });
});

describe("notifier log lines", () => {
  it("reads JSON and Text-format lines, and only this test's", () => {
    const json = JSON.stringify({
      msg: SELF_TEST_LOG.received,
      testId: "t1",
      component: "root-activity-notifier",
    });
    expect(parseNotifierLine(json)).toMatchObject({ testId: "t1" });
    expect(parseNotifierLine(`2026-11-21T09:30:00.000Z\tabc\tINFO\t${json}\n`)).toMatchObject({
      testId: "t1",
    });
    expect(parseNotifierLine("START RequestId: abc Version: $LATEST")).toBeUndefined();
    expect(parseNotifierLine("{not json")).toBeUndefined();

    const trace = traceOf(
      [
        { message: json, timestamp: 10 },
        { message: JSON.stringify({ msg: SELF_TEST_LOG.published, testId: "t10" }), timestamp: 11 },
        {
          message: JSON.stringify({ msg: SELF_TEST_LOG.published, testId: "t1", component: "other" }),
          timestamp: 12,
        },
      ],
      "t1",
    );
    expect(trace).toEqual({ receivedAt: 10 });
  });
});

describe("selftest CLI", () => {
  const run = (args: string[], env: Record<string, string>) => runScript("scripts/selftest.ts", args, env);

  function outputsFile(outputs: Record<string, unknown> = HUB_OUTPUTS): string {
    const file = path.join(tmpDir(), "hub.json");
    fs.writeFileSync(file, JSON.stringify(outputs));
    return file;
  }

  function spokeStack(dir: string, extra: string[] = []): void {
    fs.writeFileSync(
      path.join(dir, "Pulumi.spoke-all.yaml"),
      [
        "config:",
        "  aws:region: us-east-1",
        "  root-activity-monitor:role: spoke",
        "  root-activity-monitor:hubStack: acme/root-activity-monitor/hub",
        "  root-activity-monitor:regions: [us-east-1, eu-west-1]",
        ...extra,
      ].join("\n"),
    );
  }

  it("exits 0 when the test goes through, 1 with the failed stage when it does not", async () => {
    const good = await pipeline("ok");
    const dir = tmpDir();
    const fast = ["--timeout", "1", "--poll-interval", "0.1", "--dir", dir];
    const ok = await run(["--stack", "hub", "--outputs", outputsFile(), ...fast], good.env);
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/OK {2}\s*published\s+the \[TEST\] alert was on SNS after \d+ s/);
    expect(ok.stdout).toContain("Self-test passed");

    const bad = await pipeline("stuck");
    const failed = await run(["--stack", "hub", "--outputs", outputsFile(), ...fast], bad.env);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(
      /FAIL\s+published\s+received, but no published alert was logged within 1 s/,
    );
    expect(failed.stdout).toContain('Self-test FAILED at stage "published".');
  });

  it("goes through a spoke stack's forwarding rule with --account and --region", async () => {
    const p = await pipeline("ok", { caller: MANAGEMENT_ACCOUNT_ID, rules: [`${MEMBER}/eu-west-1`] });
    const dir = tmpDir();
    spokeStack(dir, ["  root-activity-monitor:memberRoleName: OrganizationAccountAccessRole"]);
    const out = await run(
      [
        "--stack",
        "spoke-all",
        "--account",
        MEMBER,
        "--region",
        "eu-west-1",
        "--outputs",
        outputsFile(),
      ].concat(["--timeout", "3", "--poll-interval", "0.1", "--dir", dir]),
      p.env,
    );
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(`through the forwarding rule of ${MEMBER} in eu-west-1`);
    expect(p.requests("PutEvents")[0]?.accessKeyId).toBe(`ASIA${MEMBER}FAKE`);
  });

  it("exits 2 with a clear message for bad arguments, config or outputs", async () => {
    const env = fakeAwsEnv("http://127.0.0.1:9");
    const dir = tmpDir();
    spokeStack(dir);
    const cases: [string[], string][] = [
      [[], "--stack is required."],
      [
        ["--stack", "hub", "--timeout", "soon"],
        '--timeout must be a positive number of seconds, got "soon".',
      ],
      [["--stack", "hub", "--timeout", "0"], '--timeout must be a positive number of seconds, got "0".'],
      [["--stack", "hub", "--poll-interval=-1"], "--poll-interval must be a positive number of seconds"],
      [["--stack", "hub", "--bogus"], "Unknown option '--bogus'"],
      [["--stack", "hub", "--region", "eu-west-1"], "--region only applies with --account"],
      [
        ["--stack", "spoke-all", "--account", MEMBER, "--hub-stack", "hub", "--outputs", "hub.json"],
        "Give either --hub-stack or --outputs",
      ],
      [
        ["--stack", "spoke-all", "--account", "12345"],
        '--account must be a 12-digit AWS account ID, got "12345".',
      ],
      [
        ["--stack", "spoke-all", "--account", MEMBER, "--region", "mars"],
        '--region "mars" is not an AWS region name',
      ],
      [
        ["--stack", "spoke-all", "--account", MEMBER, "--region", "ap-south-1"],
        "--region ap-south-1 is not watched by stack spoke-all (its regions: us-east-1, eu-west-1)",
      ],
      [["--stack", "spoke-all"], "Stack spoke-all is a spoke stack. Add --account <id>"],
      [["--stack", "ghost", "--account", MEMBER], "No stack file"],
      [["--stack", "hub", "--outputs", path.join(dir, "missing.json")], "Cannot read the outputs file"],
      [
        ["--stack", "hub", "--outputs", outputsFile({ ...HUB_OUTPUTS, notifierLogGroupName: undefined })],
        "has no notifierLogGroupName output",
      ],
      [
        ["--stack", "hub", "--outputs", outputsFile({ role: "spoke", coverage: [] })],
        "are the outputs of a spoke stack, not of the hub",
      ],
      [
        ["--stack", "hub", "--outputs", outputsFile({ ...HUB_OUTPUTS, eventBusArn: "root-activity" })],
        'eventBusArn "root-activity" is not an EventBridge bus ARN',
      ],
    ];
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const logs = vi.spyOn(console, "log").mockImplementation(() => undefined);
    try {
      for (const [args, message] of cases) {
        errors.mockClear();
        expect(await main([...args, "--dir", dir]), args.join(" ")).toBe(2);
        expect(errors.mock.calls.map((c) => String(c[0])).join("\n"), args.join(" ")).toContain(message);
      }
      expect(logs).not.toHaveBeenCalled();
    } finally {
      errors.mockRestore();
      logs.mockRestore();
    }

    // The real process exits 2 too.
    const out = await run(["--stack", "hub", "--timeout", "soon", "--dir", dir], env);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain("--timeout must be a positive number of seconds");
  });

  it("reads the hub's outputs from the spoke's hubStack, or asks for them", async () => {
    const dir = tmpDir();
    spokeStack(dir);
    const asked: string[] = [];
    const opts = await resolveOptions(["--stack", "spoke-all", "--account", MEMBER, "--dir", dir], {
      stackOutputs: async (stack) => {
        asked.push(stack);
        return HUB_OUTPUTS;
      },
    });
    expect(asked).toEqual(["acme/root-activity-monitor/hub"]);
    expect(opts).toMatchObject({
      hub: {
        eventBusArn: HUB_BUS_ARN,
        notifierLogGroupName: LOG_GROUP,
        stackName: "acme/root-activity-monitor/hub",
      },
      path: {
        via: "spoke",
        accountId: MEMBER,
        region: "us-east-1",
        memberRoleName: "OrganizationAccountAccessRole",
      },
      timeoutMs: 120_000,
    });

    fs.writeFileSync(
      path.join(dir, "Pulumi.spoke-arn.yaml"),
      `config:\n  root-activity-monitor:role: spoke\n  root-activity-monitor:hubEventBusArn: ${HUB_BUS_ARN.replace("root-activity", "other")}\n`,
    );
    await expect(resolveOptions(["--stack", "spoke-arn", "--account", MEMBER, "--dir", dir])).rejects.toThrow(
      "pass --hub-stack <hub stack> or --outputs <hub outputs.json>",
    );
    await expect(
      resolveOptions(["--stack", "spoke-arn", "--account", MEMBER, "--dir", dir, "--hub-stack", "hub"], {
        stackOutputs: async () => HUB_OUTPUTS,
      }),
    ).rejects.toThrow("the test would never reach this notifier");
    expect(await main(["--help"])).toBe(0);
  });
});
