// The self-test itself: send one synthetic, clearly labelled event and follow it through the hub
// (rule -> queue -> notifier -> SNS) by the notifier's log lines, reporting the first stage that
// fails. Clients come from factories so tests can aim them at a local fake.
import { randomBytes } from "node:crypto";
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { accountRootArn, parseBusArn, roleArn } from "../../common/awsNames";
import { SELF_TEST_DETAIL_TYPE, SELF_TEST_SOURCE, type SelfTestDetail } from "../../handler/selfTest";
import { assumeRole, errorText, type AwsCredentialIdentity } from "../access";
import { notPublishedFix, notReceivedFix } from "./fixes";
import { readTestEvents, traceOf, type NotifierTrace } from "./notifierLog";

export const SELF_TEST_SESSION_NAME = "root-activity-monitor-selftest";

/** Static AWS credentials, as AssumeRole returns them. */
export type Credentials = AwsCredentialIdentity;

export interface ClientFactories {
  sts?: (region: string, credentials?: Credentials) => STSClient;
  eventBridge?: (region: string, credentials?: Credentials) => EventBridgeClient;
  logs?: (region: string, credentials?: Credentials) => CloudWatchLogsClient;
}

/** What the self-test needs from the hub stack's outputs. */
export interface HubTarget {
  eventBusArn: string;
  notifierLogGroupName: string;
  /** The hub's region: where the notifier's log group is. */
  region: string;
  topicArn?: string;
  deadLetterQueueUrl?: string;
  /** For the fix hints, e.g. "hub" or "acme/root-activity-monitor/hub". */
  stackName?: string;
}

export type SelfTestPath =
  | { via: "hub" }
  | {
      via: "spoke";
      /** Member account whose default bus receives the event. */
      accountId: string;
      region: string;
      /** Role assumed in the member account, and in the hub account to read the logs. */
      memberRoleName: string;
      spokeStack?: string;
    };

export interface SelfTestOptions {
  hub: HubTarget;
  path: SelfTestPath;
  timeoutMs: number;
  pollIntervalMs: number;
  clients?: ClientFactories;
  /** Default: a fresh "selftest-<UTC time>-<random>". */
  testId?: string;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export type StageName =
  "credentials" | "assume role" | "put events" | "notifier logs" | "received" | "published";

export interface StageResult {
  stage: StageName;
  ok: boolean;
  detail: string;
  /** What to check or do; set on every failed stage. */
  fix?: string;
}

export interface SelfTestReport {
  ok: boolean;
  testId: string;
  via: "hub" | "spoke";
  stages: StageResult[];
}

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

export async function runSelfTest(opts: SelfTestOptions): Promise<SelfTestReport> {
  const factories = { ...defaults, ...opts.clients };
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const testId = opts.testId ?? newTestId(new Date(now()));
  const { hub, path } = opts;
  const stages: StageResult[] = [];
  const report = (ok: boolean): SelfTestReport => ({ ok, testId, via: path.via, stages });
  const fail = (stage: StageName, detail: string, fix: string): SelfTestReport => {
    stages.push({ stage, ok: false, detail, fix });
    return report(false);
  };

  const bus = parseBusArn(hub.eventBusArn);
  if (!bus) {
    return fail(
      "put events",
      `"${hub.eventBusArn}" is not an EventBridge bus ARN`,
      "pass the hub stack's outputs (eventBusArn)",
    );
  }

  // 1. Who is calling: decides whether roles must be assumed.
  const ownSts = factories.sts(hub.region);
  let caller: { account: string; arn: string };
  try {
    const id = await ownSts.send(new GetCallerIdentityCommand({}));
    if (!id.Account || !id.Arn) throw new Error("the response has no Account");
    caller = { account: id.Account, arn: id.Arn };
  } catch (err) {
    return fail(
      "credentials",
      `sts:GetCallerIdentity failed: ${errorText(err)}`,
      "provide AWS credentials (AWS_PROFILE, SSO login or environment variables) and run the self-test again",
    );
  }
  stages.push({ stage: "credentials", ok: true, detail: `caller ${caller.arn}` });

  // 2. Credentials to send the event with, and to read the hub's logs with.
  let sendCredentials: Credentials | undefined;
  let logsCredentials: Credentials | undefined;
  let sendRegion: string;
  let busName: string;
  let where: string;
  if (path.via === "hub") {
    if (caller.account !== bus.accountId) {
      return fail(
        "credentials",
        `the credentials are for account ${caller.account}, but the hub bus and the notifier's logs are in ${bus.accountId}`,
        `run the self-test with credentials of the hub account ${bus.accountId}, or test through a spoke with --account <id>`,
      );
    }
    sendRegion = bus.region;
    busName = hub.eventBusArn;
    where = `the hub bus ${hub.eventBusArn}`;
  } else {
    sendRegion = path.region;
    busName = "default";
    where = `the default bus of ${path.accountId} in ${path.region}`;
    // The caller's own account needs no role; every other account is reached through the member role.
    const assumed = new Map<string, Credentials>();
    type Reached = { ok: true; credentials?: Credentials } | { ok: false; detail: string; fix: string };
    const reach = async (accountId: string, purpose: string): Promise<Reached> => {
      if (accountId === caller.account) return { ok: true };
      const arn = roleArn(bus.partition, accountId, path.memberRoleName);
      const cached = assumed.get(accountId);
      if (cached) return { ok: true, credentials: cached };
      const result = await assumeRole(ownSts, arn, SELF_TEST_SESSION_NAME);
      if (!result.ok) {
        return {
          ok: false,
          detail: `cannot assume ${arn} ${purpose}: ${errorText(result.error)}`,
          fix:
            `create role ${path.memberRoleName} in ${accountId} trusting ${accountRootArn(bus.partition, caller.account)}, ` +
            "or run with credentials that may assume it (the spoke stack's credentials)",
        };
      }
      assumed.set(accountId, result.credentials);
      stages.push({ stage: "assume role", ok: true, detail: `${arn} (${purpose})` });
      return { ok: true, credentials: result.credentials };
    };
    const send = await reach(path.accountId, "to put the event on its default bus");
    if (!send.ok) return fail("assume role", send.detail, send.fix);
    sendCredentials = send.credentials;
    const read = await reach(bus.accountId, "to read the notifier's logs in the hub account");
    if (!read.ok) return fail("assume role", read.detail, read.fix);
    logsCredentials = read.credentials;
  }

  // 3. The event. Its source is not aws.*, so nothing can mistake it for real CloudTrail.
  const sentAt = now();
  const detail: SelfTestDetail = {
    testId,
    requestedBy: caller.arn,
    requestedAt: new Date(sentAt).toISOString(),
    via: path.via,
  };
  try {
    const out = await factories.eventBridge(sendRegion, sendCredentials).send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: busName,
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
        `the credentials need events:PutEvents on ${where}; check the bus exists`,
      );
    }
    stages.push({
      stage: "put events",
      ok: true,
      detail: `accepted by ${where} (event ID ${entry.EventId})`,
    });
  } catch (err) {
    return fail(
      "put events",
      `PutEvents on ${where} failed: ${errorText(err)}`,
      `the credentials need events:PutEvents on ${where}; check the bus exists`,
    );
  }

  // 4. Follow it in the notifier's log group until published, a failed publish, or the deadline.
  const logs = factories.logs(hub.region, logsCredentials);
  const deadline = sentAt + opts.timeoutMs;
  // Log timestamps come from Lambda's clock, not ours: look back a minute for skew.
  const startTime = sentAt - 60_000;
  let trace: NotifierTrace = {};
  for (;;) {
    try {
      trace = traceOf(await readTestEvents(logs, hub.notifierLogGroupName, testId, startTime), testId, trace);
    } catch (err) {
      return fail(
        "notifier logs",
        `cannot read the log group ${hub.notifierLogGroupName} in ${hub.region}: ${errorText(err)}`,
        `the credentials need logs:FilterLogEvents on ${hub.notifierLogGroupName}; check the hub's notifierLogGroupName output`,
      );
    }
    if (trace.publishedAt !== undefined || trace.publishFailed !== undefined) break;
    const left = deadline - now();
    if (left <= 0) break;
    await sleep(Math.min(opts.pollIntervalMs, left));
  }

  const after = (at: number | undefined) => seconds((at ?? now()) - sentAt);
  const waited = seconds(opts.timeoutMs);
  if (trace.receivedAt === undefined && trace.publishedAt === undefined) {
    return fail("received", `the notifier did not log the test within ${waited}`, notReceivedFix(opts));
  }
  stages.push({
    stage: "received",
    ok: true,
    detail:
      trace.receivedAt === undefined
        ? "no received line, but the alert was published"
        : `the notifier logged it after ${after(trace.receivedAt)}`,
  });
  if (trace.publishedAt === undefined) {
    if (trace.publishFailed !== undefined) {
      return fail(
        "published",
        `the notifier failed to publish the [TEST] alert: ${trace.publishFailed}`,
        notPublishedFix(hub, testId),
      );
    }
    return fail(
      "published",
      `received, but no published alert was logged within ${waited}`,
      notPublishedFix(hub, testId),
    );
  }
  stages.push({
    stage: "published",
    ok: true,
    detail: `the [TEST] alert was on SNS after ${after(trace.publishedAt)}`,
  });
  return report(true);
}
