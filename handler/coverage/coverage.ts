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

export function createCoverage(deps: CoverageDeps) {
  const now = deps.now ?? (() => new Date());
  const log = (line: Record<string, unknown>) => {
    try {
      deps.log({ ...line, component: "root-activity-coverage" });
    } catch {
      // Logging never stops a notice.
    }
  };
  const publish = async (alert: (caps: unknown) => Alert) => {
    const { alert: a, message } = fitForSns(alert);
    await deps.publish(publishInput(deps.topicArn, a, message));
    log({ level: "info", msg: "notice published", subject: a.subject, severity: a.severity });
  };

  /** Stable for every delivery of one event: a retry recognises its own claims. */
  function tokenOf(change: LifecycleChange, sqsMessageId?: string): string {
    return change.envelopeId ?? change.eventId ?? sqsMessageId ?? `${change.eventName}:${change.time}`;
  }

  /** Publishes unless this notice was already sent (by this event or another) within the window. */
  async function tellOnce(key: ClaimKey, claimToken: string, build: () => Alert): Promise<void> {
    const claim = deps.claims ? await deps.claims.claim(key, claimToken) : { status: "claimed" };
    if (claim.status === "done" || claim.status === "taken") {
      log({ level: "info", msg: "already told within the window; no second notice", ...key, now: undefined });
      return;
    }
    await publish(build);
    await deps.claims?.started(key, claimToken);
  }

  async function token(): Promise<string> {
    if (!deps.token) throw new Error(`coverageTrigger ${deps.trigger.kind} needs a token secret`);
    return deps.token();
  }

  /** Claims, starts and records one stack's update; gives the claim back if the start failed. */
  async function act(
    change: LifecycleChange,
    stack: string,
    certain: boolean,
    claimToken: string,
  ): Promise<StackAction> {
    // Nothing to start: only the notice is claimed (tellOnce).
    if (deps.trigger.kind === "none") return { stack, certain };
    const key = { accountId: change.accountId, stack, now: now() };
    const claim: ClaimResult = deps.claims ? await deps.claims.claim(key, claimToken) : { status: "claimed" };
    if (claim.status === "done" || claim.status === "taken") {
      const id = claim.deploymentId;
      return { stack, certain, alreadyStarted: true, ...(id ? { started: { id } } : {}) };
    }
    try {
      const signal = AbortSignal.timeout(HTTP_TIMEOUT_MS);
      const started = await startUpdate(deps.trigger, stack, await token(), deps.fetch, signal);
      log({
        level: "info",
        msg: "spoke update started",
        stack,
        accountId: change.accountId,
        deploymentId: started.id,
      });
      await deps.claims?.started(key, claimToken, started.id);
      if (started.id && deps.trigger.kind === "pulumi-deployments") {
        const t = now();
        await deps.scheduleFollowUp(
          {
            stack,
            deploymentId: started.id,
            ...(started.consoleUrl ? { consoleUrl: started.consoleUrl } : {}),
            ...(change.accountId ? { accountId: change.accountId } : {}),
            ...(change.accountName ? { accountName: change.accountName } : {}),
            startedAt: t.toISOString(),
            deadline: new Date(t.getTime() + deps.deadlineMinutes * 60_000).toISOString(),
          },
          FOLLOW_UP_DELAY_SECONDS,
        );
      }
      return { stack, certain, started };
    } catch (err) {
      await deps.claims?.release(key, claimToken);
      throw err;
    }
  }

  async function onChange(change: LifecycleChange, sqsMessageId?: string): Promise<void> {
    const base = { eventName: change.eventName, accountId: change.accountId, kind: change.kind };
    if (change.kind === "region-enabled") {
      const concerned = stacksFor({ accountId: change.accountId }, deps.stacks).map((c) => c.stack);
      const region = change.region;
      if (region && regionWatched(change.accountId, region, deps.stacks)) {
        log({ ...base, level: "info", msg: "opted-in region is watched", region });
        return;
      }
      const key = { accountId: change.accountId, stack: `region-${region ?? "unknown"}`, now: now() };
      await tellOnce(key, tokenOf(change, sqsMessageId), () =>
        regionNotice(change, concerned, now(), sqsMessageId),
      );
      return;
    }
    const parentIds = [change.parentId, change.previousParentId].filter((p): p is string => !!p);
    const concerned = stacksFor({ accountId: change.accountId, parentIds }, deps.stacks);
    const claimToken = tokenOf(change, sqsMessageId);
    // In parallel: an event that names no account concerns every stack, and the function has a minute.
    const actions: StackAction[] = await Promise.all(
      concerned.map((c) => act(change, c.stack, c.certain, claimToken)),
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
    await tellOnce({ accountId: change.accountId, stack: "notice", now: now() }, claimToken, () =>
      DEPARTURES.includes(change.kind) ? departedNotice(context) : joinedNotice(context),
    );
  }

  async function onFollowUp(f: FollowUp, sqsMessageId?: string): Promise<void> {
    const signal = AbortSignal.timeout(HTTP_TIMEOUT_MS);
    const status = await deploymentStatus(
      deps.trigger,
      f.stack,
      f.deploymentId,
      await token(),
      deps.fetch,
      signal,
    );
    const t = now();
    const base = { stack: f.stack, deploymentId: f.deploymentId, status };
    if (FINAL_STATUSES.includes(status)) {
      log({ ...base, level: "info", msg: "deployment ended" });
      await publish(() =>
        followUpNotice(f, status as "succeeded" | "failed" | "skipped", status, t, sqsMessageId),
      );
    } else if (t.getTime() >= Date.parse(f.deadline)) {
      log({ ...base, level: "warn", msg: "deployment timed out" });
      await publish(() => followUpNotice(f, "timeout", status, t, sqsMessageId));
    } else {
      await deps.scheduleFollowUp(f, FOLLOW_UP_DELAY_SECONDS);
    }
  }

  async function onBody(body: unknown, sqsMessageId?: string): Promise<void> {
    if (isObject(body) && isObject(body.coverageFollowUp)) {
      await onFollowUp(body.coverageFollowUp as unknown as FollowUp, sqsMessageId);
      return;
    }
    const change = readLifecycleEvent(body);
    if (!change) {
      const id = isObject(body) ? body.id : undefined;
      log({ level: "warn", msg: "not a lifecycle event this function acts on; ignored", envelopeId: id });
      return;
    }
    await onChange(change, sqsMessageId);
  }

  return {
    async handle(event: unknown): Promise<SQSBatchResponse | void> {
      if (!isSqsEvent(event)) return onBody(event);
      return processBatch(
        event,
        async (record) => {
          const raw = isObject(record) ? record.body : undefined;
          let body: unknown;
          try {
            body = typeof raw === "string" ? JSON.parse(raw) : raw;
          } catch (err) {
            // Redelivering unreadable text would fail again: log it and let it go.
            log({ level: "error", msg: "unreadable queue message; dropped", error: errorText(err) });
            return;
          }
          await onBody(body, messageIdOf(record));
        },
        log,
      );
    },
  };
}
