// The self-test itself: send one synthetic, clearly labelled event and follow it through the hub
// (rule -> queue -> notifier -> SNS) by the notifier's log lines, reporting the first stage that
// fails. Clients come from factories so tests can aim them at a local fake.
import { randomBytes } from "node:crypto";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { accountRootArn, parseBusArn, roleArn, type BusArn } from "../../common/awsNames";
import { errorText } from "../../common/errors";
import {
  SELF_TEST_DETAIL_TYPE,
  SELF_TEST_SOURCE,
  type SelfTestDetail,
} from "../../handler/classify/selfTest";
import { assumeRole } from "../shared/access";
import { notPublishedFix, notReceivedFix } from "./fixes";
import { readTestEvents, traceOf, type NotifierTrace } from "./notifierLog";
import type {
  ClientFactories,
  Credentials,
  SelfTestOptions,
  SelfTestReport,
  StageName,
  StageResult,
} from "./types";

export const SELF_TEST_SESSION_NAME = "root-activity-monitor-selftest";

export function newTestId(date: Date = new Date()): string {
  const stamp = date
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `selftest-${stamp}-${randomBytes(4).toString("hex")}`;
}

function seconds(ms: number): string {
  return `${Math.max(0, Math.round(ms / 1000))} s`;
}

const withCredentials = <T>(
  make: (config: { region: string; credentials?: Credentials }) => T,
): ((region: string, credentials?: Credentials) => T) => {
  return (region, credentials) => make(credentials ? { region, credentials } : { region });
};

const defaults: Required<ClientFactories> = {
  sts: withCredentials((c) => new STSClient(c)),
  eventBridge: withCredentials((c) => new EventBridgeClient(c)),
  logs: withCredentials((c) => new CloudWatchLogsClient(c)),
};

/** A failed stage: the self-test stops there. */
type Failure = StageResult & { ok: false; fix: string };
const fail = (stage: StageName, detail: string, fix: string): Failure => ({ stage, ok: false, detail, fix });
const failed = (x: object): x is Failure => (x as { ok?: unknown }).ok === false;

interface Run {
  opts: SelfTestOptions;
  factories: Required<ClientFactories>;
  bus: BusArn;
  testId: string;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** The stages passed so far. */
  stages: StageResult[];
}

interface Caller {
  account: string;
  arn: string;
  sts: STSClient;
}

/** Where the event goes, and with which credentials it is sent and the hub's logs are read. */
interface Route {
  sendCredentials?: Credentials;
  logsCredentials?: Credentials;
  sendRegion: string;
  busName: string;
  where: string;
}

/** Stage 1, who is calling: decides whether roles must be assumed. */
async function whoIsCalling(run: Run): Promise<Caller | Failure> {
  const sts = run.factories.sts(run.opts.hub.region);
  try {
    const id = await sts.send(new GetCallerIdentityCommand({}));
    if (!id.Account || !id.Arn) throw new Error("the response has no Account");
    return { account: id.Account, arn: id.Arn, sts };
  } catch (err) {
    return fail(
      "credentials",
      `sts:GetCallerIdentity failed: ${errorText(err)}`,
      "provide AWS credentials (AWS_PROFILE, SSO login or environment variables) and run the self-test again",
    );
  }
}

/** Stage 2 on the hub path: the caller must be in the hub account. */
function hubRoute(run: Run, caller: Caller): Route | Failure {
  const { bus, opts } = run;
  if (caller.account !== bus.accountId) {
    return fail(
      "credentials",
      `the credentials are for account ${caller.account}, but the hub bus and the notifier's logs are in ${bus.accountId}`,
      `run the self-test with credentials of the hub account ${bus.accountId}, or test through a spoke with --account <id>`,
    );
  }
  return {
    sendRegion: bus.region,
    busName: opts.hub.eventBusArn,
    where: `the hub bus ${opts.hub.eventBusArn}`,
  };
}

/**
 * Stage 2 through a spoke: the member account's default bus, and the hub's logs. The caller's own
 * account needs no role; every other account is reached through the member role, once.
 */
async function spokeRoute(
  run: Run,
  caller: Caller,
  path: Extract<SelfTestOptions["path"], { via: "spoke" }>,
): Promise<Route | Failure> {
  const { bus } = run;
  const assumed = new Map<string, Credentials>();
  type Reached = { ok: true; credentials?: Credentials } | Failure;
  const reach = async (accountId: string, purpose: string): Promise<Reached> => {
    if (accountId === caller.account) return { ok: true };
    const arn = roleArn(bus.partition, accountId, path.memberRoleName);
    const cached = assumed.get(accountId);
    if (cached) return { ok: true, credentials: cached };
    const result = await assumeRole(caller.sts, arn, SELF_TEST_SESSION_NAME);
    if (!result.ok) {
      return fail(
        "assume role",
        `cannot assume ${arn} ${purpose}: ${errorText(result.error)}`,
        `create role ${path.memberRoleName} in ${accountId} trusting ${accountRootArn(bus.partition, caller.account)}, ` +
          "or run with credentials that may assume it (the spoke stack's credentials)",
      );
    }
    assumed.set(accountId, result.credentials);
    run.stages.push({ stage: "assume role", ok: true, detail: `${arn} (${purpose})` });
    return { ok: true, credentials: result.credentials };
  };
  const send = await reach(path.accountId, "to put the event on its default bus");
  if (failed(send)) return send;
  const read = await reach(bus.accountId, "to read the notifier's logs in the hub account");
  if (failed(read)) return read;
  const route: Route = {
    sendRegion: path.region,
    busName: "default",
    where: `the default bus of ${path.accountId} in ${path.region}`,
  };
  if (send.credentials) route.sendCredentials = send.credentials;
  if (read.credentials) route.logsCredentials = read.credentials;
  return route;
}

/** Stage 3, the event. Its source is not aws.*, so nothing can mistake it for real CloudTrail. */
async function putTestEvent(
  run: Run,
  caller: Caller,
  route: Route,
  sentAt: number,
): Promise<StageResult | Failure> {
  const { where } = route;
  const detail: SelfTestDetail = {
    testId: run.testId,
    requestedBy: caller.arn,
    requestedAt: new Date(sentAt).toISOString(),
    via: run.opts.path.via,
  };
  const fix = `the credentials need events:PutEvents on ${where}; check the bus exists`;
  try {
    const out = await run.factories.eventBridge(route.sendRegion, route.sendCredentials).send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: route.busName,
            Source: SELF_TEST_SOURCE,
            DetailType: SELF_TEST_DETAIL_TYPE,
            Detail: JSON.stringify(detail),
          },
        ],
      }),
    );
    const entry = out.Entries?.[0];
    if ((out.FailedEntryCount ?? 0) > 0 || !entry?.EventId) {
      return fail(
        "put events",
        `${where} rejected the event: ${entry?.ErrorCode ?? "no event ID"}: ${entry?.ErrorMessage ?? "(no message)"}`,
        fix,
      );
    }
    return { stage: "put events", ok: true, detail: `accepted by ${where} (event ID ${entry.EventId})` };
  } catch (err) {
    return fail("put events", `PutEvents on ${where} failed: ${errorText(err)}`, fix);
  }
}

/** Stage 4: follows the event in the notifier's log group until published, a failed publish, or the deadline. */
async function followInLogs(run: Run, route: Route, sentAt: number): Promise<NotifierTrace | Failure> {
  const { hub, timeoutMs, pollIntervalMs } = run.opts;
  const logs = run.factories.logs(hub.region, route.logsCredentials);
  const deadline = sentAt + timeoutMs;
  // Log timestamps come from Lambda's clock, not ours: look back a minute for skew.
  const startTime = sentAt - 60_000;
  let trace: NotifierTrace = {};
  for (;;) {
    try {
      const events = await readTestEvents(logs, hub.notifierLogGroupName, run.testId, startTime);
      trace = traceOf(events, run.testId, trace);
    } catch (err) {
      return fail(
        "notifier logs",
        `cannot read the log group ${hub.notifierLogGroupName} in ${hub.region}: ${errorText(err)}`,
        `the credentials need logs:FilterLogEvents on ${hub.notifierLogGroupName}; check the hub's notifierLogGroupName output`,
      );
    }
    if (trace.publishedAt !== undefined || trace.publishFailed !== undefined) return trace;
    const left = deadline - run.now();
    if (left <= 0) return trace;
    await run.sleep(Math.min(pollIntervalMs, left));
  }
}

/** Stages 5 and 6 from the trace: received, then published (or the first of them that failed). */
function outcome(run: Run, trace: NotifierTrace, sentAt: number): (StageResult | Failure)[] {
  const { opts, testId } = run;
  const after = (at: number | undefined) => seconds((at ?? run.now()) - sentAt);
  const waited = seconds(opts.timeoutMs);
  if (trace.receivedAt === undefined && trace.publishedAt === undefined) {
    return [fail("received", `the notifier did not log the test within ${waited}`, notReceivedFix(opts))];
  }
  const received: StageResult = {
    stage: "received",
    ok: true,
    detail:
      trace.receivedAt === undefined
        ? "no received line, but the alert was published"
        : `the notifier logged it after ${after(trace.receivedAt)}`,
  };
  if (trace.publishedAt === undefined) {
    const detail =
      trace.publishFailed !== undefined
        ? `the notifier failed to publish the [TEST] alert: ${trace.publishFailed}`
        : `received, but no published alert was logged within ${waited}`;
    return [received, fail("published", detail, notPublishedFix(opts.hub, testId))];
  }
  return [
    received,
    { stage: "published", ok: true, detail: `the [TEST] alert was on SNS after ${after(trace.publishedAt)}` },
  ];
}

export async function runSelfTest(opts: SelfTestOptions): Promise<SelfTestReport> {
  const now = opts.now ?? Date.now;
  const testId = opts.testId ?? newTestId(new Date(now()));
  const stages: StageResult[] = [];
  const report = (ok: boolean): SelfTestReport => ({ ok, testId, via: opts.path.via, stages });
  const stop = (f: Failure): SelfTestReport => {
    stages.push(f);
    return report(false);
  };

  const bus = parseBusArn(opts.hub.eventBusArn);
  if (!bus) {
    return stop(
      fail(
        "put events",
        `"${opts.hub.eventBusArn}" is not an EventBridge bus ARN`,
        "pass the hub stack's outputs (eventBusArn)",
      ),
    );
  }
  const run: Run = {
    opts,
    factories: { ...defaults, ...opts.clients },
    bus,
    testId,
    now,
    sleep: opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))),
    stages,
  };

  const caller = await whoIsCalling(run);
  if (failed(caller)) return stop(caller);
  stages.push({ stage: "credentials", ok: true, detail: `caller ${caller.arn}` });

  const route = opts.path.via === "hub" ? hubRoute(run, caller) : await spokeRoute(run, caller, opts.path);
  if (failed(route)) return stop(route);

  const sentAt = now();
  const sent = await putTestEvent(run, caller, route, sentAt);
  if (failed(sent)) return stop(sent);
  stages.push(sent);

  const trace = await followInLogs(run, route, sentAt);
  if (failed(trace)) return stop(trace);
  for (const stage of outcome(run, trace, sentAt)) {
    if (failed(stage)) return stop(stage);
    stages.push(stage);
  }
  return report(true);
}
