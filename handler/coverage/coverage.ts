// The coverage function's logic: a lifecycle event in, the spoke stacks that must run started (at
// most once per account, stack and window), people told, and each Pulumi deployment followed until
// it ends. lambda.ts wires AWS and HTTP; tests wire fakes.
import type { SQSBatchResponse } from "aws-lambda";
import { isObject } from "../event/objects";
import { errorText } from "../support/deadline";
import type { PublishInput } from "../support/deps";
import { fitForSns } from "../publish/formats";
import { publishInput } from "../publish/publisher";
import { readLifecycleEvent, type LifecycleChange } from "../classify/lifecycleEvent";
import { isSqsEvent, messageIdOf, processBatch } from "../event/sqsBatch";
import type { ClaimKey, Claims, ClaimResult } from "./claims";
import {
  departedNotice,
  followUpNotice,
  joinedNotice,
  regionNotice,
  type FollowUp,
  type StackAction,
} from "./notices";
import { regionWatched, stacksFor, type SpokeSelection } from "./selection";
import {
  deploymentStatus,
  FINAL_STATUSES,
  startUpdate,
  type HttpFetch,
  type TriggerConfig,
} from "./triggers";
import type { Alert } from "../alerts/alertModel";

/** A deployment's status is read again this long after the last look (SQS delays up to 900 s). */
export const FOLLOW_UP_DELAY_SECONDS = 60;
/** Each HTTP call to Pulumi Cloud or GitHub gives up after this long; SQS retries the record. */
export const HTTP_TIMEOUT_MS = 10_000;

export interface CoverageDeps {
  topicArn: string;
  stacks: SpokeSelection[];
  trigger: TriggerConfig;
  /** How long a deployment may run before it is reported as timed out. */
  deadlineMinutes: number;
  publish(msg: PublishInput): Promise<void>;
  /** At most once per account, stack and window. Without it, every delivery acts. */
  claims?: Claims;
  /** The API token, read at run time (Secrets Manager). Needed unless the trigger is none. */
  token?(): Promise<string>;
  fetch: HttpFetch;
  /** Sends the delayed message that reads a deployment's status again. */
  scheduleFollowUp(f: FollowUp, delaySeconds: number): Promise<void>;
  log(line: Record<string, unknown>): void;
  now?(): Date;
}

/** The queue message of a follow-up, beside EventBridge envelopes on the same queue. */
export interface FollowUpMessage {
  coverageFollowUp: FollowUp;
}

const DEPARTURES = ["departed", "closed"];

/** What every path of the function shares: its collaborators, its clock and its log. */
interface Context {
  deps: CoverageDeps;
  now: () => Date;
  log: (line: Record<string, unknown>) => void;
}

function contextOf(deps: CoverageDeps): Context {
  return {
    deps,
    now: deps.now ?? (() => new Date()),
    log: (line) => {
      try {
        deps.log({ ...line, component: "root-activity-coverage" });
      } catch {
        // Logging never stops a notice.
      }
    },
  };
}

async function publishNotice({ deps, log }: Context, alert: (caps: unknown) => Alert): Promise<void> {
  const { alert: a, message } = fitForSns(alert);
  await deps.publish(publishInput(deps.topicArn, a, message));
  log({ level: "info", msg: "notice published", subject: a.subject, severity: a.severity });
}

/** Stable for every delivery of one event: a retry recognises its own claims. */
function tokenOf(change: LifecycleChange, sqsMessageId?: string): string {
  return change.envelopeId ?? change.eventId ?? sqsMessageId ?? `${change.eventName}:${change.time}`;
}

/** Publishes unless this notice was already sent (by this event or another) within the window. */
async function tellOnce(ctx: Context, key: ClaimKey, claimToken: string, build: () => Alert): Promise<void> {
  const { claims } = ctx.deps;
  const claim = claims ? await claims.claim(key, claimToken) : { status: "claimed" };
  if (claim.status === "done" || claim.status === "taken") {
    ctx.log({
      level: "info",
      msg: "already told within the window; no second notice",
      ...key,
      now: undefined,
    });
    return;
  }
  await publishNotice(ctx, build);
  await claims?.started(key, claimToken);
}

async function apiToken(deps: CoverageDeps): Promise<string> {
  if (!deps.token) throw new Error(`coverageTrigger ${deps.trigger.kind} needs a token secret`);
  return deps.token();
}

/** The first look at a started Pulumi deployment, FOLLOW_UP_DELAY_SECONDS from now. */
async function scheduleFirstFollowUp(
  { deps, now }: Context,
  change: LifecycleChange,
  stack: string,
  deploymentId: string,
  consoleUrl?: string,
): Promise<void> {
  const t = now();
  await deps.scheduleFollowUp(
    {
      stack,
      deploymentId,
      ...(consoleUrl ? { consoleUrl } : {}),
      ...(change.accountId ? { accountId: change.accountId } : {}),
      ...(change.accountName ? { accountName: change.accountName } : {}),
      startedAt: t.toISOString(),
      deadline: new Date(t.getTime() + deps.deadlineMinutes * 60_000).toISOString(),
    },
    FOLLOW_UP_DELAY_SECONDS,
  );
}

/** Claims, starts and records one stack's update; gives the claim back if the start failed. */
async function act(
  ctx: Context,
  change: LifecycleChange,
  stack: string,
  certain: boolean,
  claimToken: string,
): Promise<StackAction> {
  const { deps } = ctx;
  // Nothing to start: only the notice is claimed (tellOnce).
  if (deps.trigger.kind === "none") return { stack, certain };
  const key = { accountId: change.accountId, stack, now: ctx.now() };
  const claim: ClaimResult = deps.claims ? await deps.claims.claim(key, claimToken) : { status: "claimed" };
  if (claim.status === "done" || claim.status === "taken") {
    const id = claim.deploymentId;
    return { stack, certain, alreadyStarted: true, ...(id ? { started: { id } } : {}) };
  }
  try {
    const signal = AbortSignal.timeout(HTTP_TIMEOUT_MS);
    const started = await startUpdate(deps.trigger, stack, await apiToken(deps), deps.fetch, signal);
    ctx.log({
      level: "info",
      msg: "spoke update started",
      stack,
      accountId: change.accountId,
      deploymentId: started.id,
    });
    await deps.claims?.started(key, claimToken, started.id);
    if (started.id && deps.trigger.kind === "pulumi-deployments")
      await scheduleFirstFollowUp(ctx, change, stack, started.id, started.consoleUrl);
    return { stack, certain, started };
  } catch (err) {
    await deps.claims?.release(key, claimToken);
    throw err;
  }
}

/** An opted-in region: nothing if a spoke watches it there, else one notice per account and window. */
async function onRegionEnabled(ctx: Context, change: LifecycleChange, sqsMessageId?: string): Promise<void> {
  const { deps, now } = ctx;
  const base = { eventName: change.eventName, accountId: change.accountId, kind: change.kind };
  const concerned = stacksFor({ accountId: change.accountId }, deps.stacks).map((c) => c.stack);
  const region = change.region;
  if (region && regionWatched(change.accountId, region, deps.stacks)) {
    ctx.log({ ...base, level: "info", msg: "opted-in region is watched", region });
    return;
  }
  const key = { accountId: change.accountId, stack: `region-${region ?? "unknown"}`, now: now() };
  await tellOnce(ctx, key, tokenOf(change, sqsMessageId), () =>
    regionNotice(change, concerned, now(), sqsMessageId),
  );
}

/** An account gained, lost or moved: the stacks concerned started, then one notice. */
async function onChange(ctx: Context, change: LifecycleChange, sqsMessageId?: string): Promise<void> {
  if (change.kind === "region-enabled") return onRegionEnabled(ctx, change, sqsMessageId);
  const { deps, now } = ctx;
  const parentIds = [change.parentId, change.previousParentId].filter((p): p is string => !!p);
  const concerned = stacksFor({ accountId: change.accountId, parentIds }, deps.stacks);
  const claimToken = tokenOf(change, sqsMessageId);
  // In parallel: an event that names no account concerns every stack, and the function has a minute.
  const actions: StackAction[] = await Promise.all(
    concerned.map((c) => act(ctx, change, c.stack, c.certain, claimToken)),
  );
  const context = {
    change,
    actions,
    trigger: deps.trigger.kind,
    now: now(),
    ...(sqsMessageId ? { sqsMessageId } : {}),
  };
  // One notice per account and window, whichever of its events gets here first (one new account
  // makes CreateAccountResult and AccountJoinedOrganization, often in one batch).
  await tellOnce(ctx, { accountId: change.accountId, stack: "notice", now: now() }, claimToken, () =>
    DEPARTURES.includes(change.kind) ? departedNotice(context) : joinedNotice(context),
  );
}

/** A deployment's status read again: told when it ended or timed out, else looked at later. */
async function onFollowUp(ctx: Context, f: FollowUp, sqsMessageId?: string): Promise<void> {
  const { deps } = ctx;
  const signal = AbortSignal.timeout(HTTP_TIMEOUT_MS);
  const token = await apiToken(deps);
  const status = await deploymentStatus(deps.trigger, f.stack, f.deploymentId, token, deps.fetch, signal);
  const t = ctx.now();
  const base = { stack: f.stack, deploymentId: f.deploymentId, status };
  if (FINAL_STATUSES.includes(status)) {
    ctx.log({ ...base, level: "info", msg: "deployment ended" });
    await publishNotice(ctx, () =>
      followUpNotice(f, status as "succeeded" | "failed" | "skipped", status, t, sqsMessageId),
    );
  } else if (t.getTime() >= Date.parse(f.deadline)) {
    ctx.log({ ...base, level: "warn", msg: "deployment timed out" });
    await publishNotice(ctx, () => followUpNotice(f, "timeout", status, t, sqsMessageId));
  } else {
    await deps.scheduleFollowUp(f, FOLLOW_UP_DELAY_SECONDS);
  }
}

/** One queue message: a follow-up, a lifecycle event, or something this function ignores. */
async function onBody(ctx: Context, body: unknown, sqsMessageId?: string): Promise<void> {
  if (isObject(body) && isObject(body.coverageFollowUp)) {
    await onFollowUp(ctx, body.coverageFollowUp as unknown as FollowUp, sqsMessageId);
    return;
  }
  const change = readLifecycleEvent(body);
  if (!change) {
    const id = isObject(body) ? body.id : undefined;
    ctx.log({ level: "warn", msg: "not a lifecycle event this function acts on; ignored", envelopeId: id });
    return;
  }
  await onChange(ctx, change, sqsMessageId);
}

/** One SQS record: its body parsed (unreadable text is logged and let go) and acted on. */
async function onRecord(ctx: Context, record: unknown): Promise<void> {
  const raw = isObject(record) ? record.body : undefined;
  let body: unknown;
  try {
    body = typeof raw === "string" ? JSON.parse(raw) : raw;
  } catch (err) {
    // Redelivering unreadable text would fail again: log it and let it go.
    ctx.log({ level: "error", msg: "unreadable queue message; dropped", error: errorText(err) });
    return;
  }
  await onBody(ctx, body, messageIdOf(record));
}

export function createCoverage(deps: CoverageDeps) {
  const ctx = contextOf(deps);
  return {
    async handle(event: unknown): Promise<SQSBatchResponse | void> {
      if (!isSqsEvent(event)) return onBody(ctx, event);
      return processBatch(event, (record) => onRecord(ctx, record), ctx.log);
    },
  };
}
