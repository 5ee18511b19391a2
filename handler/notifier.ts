// The notifier's core, with its collaborators injected: lambda.ts wires SNS, Organizations, DynamoDB,
// SQS, the webhook and console output; tests wire fakes. No Pulumi imports, no SDK imports, no
// module-level Set/Map: serialized into the Lambda.
import {
  NAME_FAILURE_RETRY_AFTER_MS,
  NAME_LOOKUP_CAP_MS,
  NOTIFIER_TIMEOUT_SECONDS,
  PUBLISH_DEADLINE_MS,
  STATE_DONE_CAP_MS,
  STATE_PHASE_CAP_MS,
  WEBHOOK_CAP_MS,
} from "./budget";
import {
  decide,
  decideSqsBody,
  describeType,
  isObject,
  readPartial,
  type Decision,
  type RootEventFacts,
} from "./classify";
import { buildDigest, sortEntries, type DigestEntry } from "./digest";
import { fitForSns, webhookBody, type WebhookFormat } from "./formats";
import {
  buildAlert,
  buildTestAlert,
  buildUnreadableAlert,
  rawText,
  resultOf,
  type AccountName,
  type Alert,
  type Caps,
} from "./message";
import type { MetricName } from "./metrics";
import { SELF_TEST_LOG } from "./selfTest";
import { escalateForFailures, SIGN_IN_FAILURE_WINDOW_MINUTES, type SeverityVerdict } from "./severity";
import {
  BUCKET_MS,
  bucketOf,
  DIGEST_MAX_EVENTS_PER_MESSAGE,
  FLUSH_GRACE_SECONDS,
  isFlushRequest,
  type FlushRequest,
  type RootSession,
  type StateStore,
} from "./stateStore";
import { isAccountId, isValidSnsSubject, oneLine, toSnsSubject, wellFormed } from "./text";

export interface PublishInput {
  topicArn: string;
  subject: string;
  /** A MessageStructure "json" document: one string per protocol (see formats.ts). */
  message: string;
  messageStructure: "json";
  /** SNS message attributes: strings are String, arrays are String.Array. */
  attributes: Record<string, string | string[]>;
}

/** Container-lifetime cache of account names. Successes are kept; failures only for a short while. */
export type NameCache = Record<string, { name?: string; failedAt?: number; reason?: string }>;

export interface NotifierDeps {
  topicArn: string;
  /** Must reject when the message was not accepted. `signal` aborts at the publish deadline. */
  publish(msg: PublishInput, signal?: AbortSignal): Promise<void>;
  /** Organizations DescribeAccount Account.Name. `signal` aborts at the lookup cap. */
  lookupAccountName(accountId: string, signal?: AbortSignal): Promise<string>;
  log(line: Record<string, unknown>): void;
  /** One data point of a metric (lambda.ts writes it in embedded metric format). */
  metric?(name: MetricName, alert?: { severity: string; accountId?: string; eventName?: string }): void;
  /** Duplicate suppression, failed sign-in counts and storm control. Without it, every event alerts alone. */
  store?: StateStore;
  /** Sends the delayed message that makes the notifier send a digest. Needed with `store`. */
  scheduleFlush?(request: FlushRequest, delaySeconds: number): Promise<void>;
  /** Posts to the incoming webhook, if one is configured. Best effort: the SNS alert is already out. */
  postWebhook?(body: string, signal?: AbortSignal): Promise<void>;
  webhookFormat?: WebhookFormat;
  now?(): Date;
  /** Pass a container-lifetime object to keep names across invocations. Default: a fresh one. */
  nameCache?: NameCache;
  nameLookupCapMs?: number;
  publishDeadlineMs?: number;
  statePhaseCapMs?: number;
}

export interface SqsBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

export interface Notifier {
  /** An SQS event gets a batch response; anything else is one envelope, and a failed publish throws. */
  handle(event: unknown): Promise<SqsBatchResponse | void>;
  /** One already-parsed envelope. Throws when the alert could not be published. */
  processEnvelope(envelope: unknown): Promise<void>;
}

/** A claim older than this is taken to be from an invocation that died (twice the function timeout). */
export const CLAIM_STALE_MS = 2 * NOTIFIER_TIMEOUT_SECONDS * 1000;

/** An SQS event, as Lambda delivers it: `{ Records: [...] }`. */
export function isSqsEvent(event: unknown): event is { Records: unknown[] } {
  return isObject(event) && Array.isArray(event.Records);
}

function errorText(err: unknown): string {
  if (err instanceof Error) return oneLine(`${err.name}: ${err.message}`, 300);
  return oneLine(String(err), 300);
}

/** Resolves with `work`, or rejects after `ms` (aborting `work` through the signal). */
async function withDeadline<T>(
  ms: number,
  what: string,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`${what} did not finish within ${ms} ms`));
    }, ms);
  });
  const running = work(controller.signal);
  // The loser of the race must not become an unhandled rejection (fatal in the Lambda runtime).
  running.catch(() => undefined);
  try {
    return await Promise.race([running, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** What the state phase decided for one root event. */
type Route =
  | { route: "alone"; verdict: SeverityVerdict; claimKey?: string; note?: string }
  | { route: "duplicate" }
  | { route: "digested"; bucket: number; verdict: SeverityVerdict };

export function createNotifier(deps: NotifierDeps): Notifier {
  if (typeof deps.topicArn !== "string" || deps.topicArn === "") {
    throw new Error("createNotifier: topicArn is empty; alerts would have nowhere to go");
  }
  const now = deps.now ?? (() => new Date());
  const cache: NameCache = deps.nameCache ?? {};
  const lookupCap = deps.nameLookupCapMs ?? NAME_LOOKUP_CAP_MS;
  const publishDeadline = deps.publishDeadlineMs ?? PUBLISH_DEADLINE_MS;
  const stateCap = deps.statePhaseCapMs ?? STATE_PHASE_CAP_MS;
  // Lookups in flight during this invocation, so one batch asks once per account.
  const inFlight: Record<string, Promise<AccountName>> = {};

  function log(line: Record<string, unknown>): void {
    try {
      deps.log(line);
    } catch {
      // Logging must never stop an alert.
    }
  }

  function metric(name: MetricName, alert?: { severity: string; accountId?: string; eventName?: string }) {
    try {
      deps.metric?.(name, alert);
    } catch {
      // Metrics must never stop an alert either.
    }
  }

  async function lookup(id: string): Promise<AccountName> {
    try {
      const name = await withDeadline(lookupCap, "Organizations DescribeAccount", (signal) =>
        deps.lookupAccountName(id, signal),
      );
      if (typeof name !== "string" || name.trim() === "") throw new Error("DescribeAccount returned no name");
      cache[id] = { name };
      return { ok: true, name };
    } catch (err) {
      const reason = `lookup failed: ${errorText(err)}`;
      cache[id] = { failedAt: now().getTime(), reason };
      log({ level: "warn", msg: "account name lookup failed", accountId: id, reason });
      return { ok: false, reason };
    }
  }

  async function accountName(id: string | undefined): Promise<AccountName> {
    if (id === undefined || id === "") return { ok: false, reason: "no account ID in the event" };
    if (!isAccountId(id)) return { ok: false, reason: `"${oneLine(id, 40)}" is not a 12-digit account ID` };
    const hit = cache[id];
    if (hit?.name !== undefined) return { ok: true, name: hit.name };
    if (hit?.failedAt !== undefined && now().getTime() - hit.failedAt < NAME_FAILURE_RETRY_AFTER_MS) {
      return { ok: false, reason: `${hit.reason ?? "lookup failed"} (recently; not retried yet)` };
    }
    const pending = inFlight[id] ?? lookup(id);
    inFlight[id] = pending;
    try {
      return await pending;
    } finally {
      delete inFlight[id];
    }
  }

  async function postWebhook(alert: Alert, logBase: Record<string, unknown>): Promise<void> {
    const post = deps.postWebhook;
    if (!post) return;
    try {
      const body = webhookBody(alert, deps.webhookFormat ?? "slack");
      await withDeadline(WEBHOOK_CAP_MS, "webhook post", (signal) => post(body, signal));
    } catch (err) {
      metric("WebhookFailures");
      log({
        ...logBase,
        level: "error",
        msg: "webhook post failed; the SNS alert went out",
        error: errorText(err),
      });
    }
  }

  /** Builds (shrinking caps until it fits), publishes, then posts to the webhook. Throws on publish failure. */
  async function publish(build: (caps: Caps) => Alert, logBase: Record<string, unknown>): Promise<Alert> {
    const { alert, message } = fitForSns(build);
    const subject = isValidSnsSubject(alert.subject) ? alert.subject : toSnsSubject(alert.subject);
    const attributes: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(alert.attributes)) {
      attributes[k] = Array.isArray(v) ? v.map(wellFormed) : wellFormed(v);
    }
    const msg: PublishInput = {
      topicArn: deps.topicArn,
      subject,
      message,
      messageStructure: "json",
      attributes,
    };
    try {
      await withDeadline(publishDeadline, "SNS Publish", (signal) => deps.publish(msg, signal));
    } catch (err) {
      log({
        ...logBase,
        level: "error",
        msg: "publish failed",
        severity: alert.severity,
        error: errorText(err),
      });
      throw err;
    }
    log({
      ...logBase,
      level: "info",
      msg: "alert published",
      kind: alert.kind,
      severity: alert.severity,
      subject,
    });
    await postWebhook(alert, logBase);
    return alert;
  }

  function eventKey(f: RootEventFacts): string | undefined {
    const id = f.eventId ?? f.envelopeId;
    if (!id) return undefined;
    return `${f.accountId ?? "unknown"}#${oneLine(id, 200)}`;
  }

  function digestEntry(f: RootEventFacts, verdict: SeverityVerdict, key: string): DigestEntry {
    return {
      eventId: oneLine(f.eventId ?? key, 64),
      name: oneLine(f.eventName, 100),
      time: oneLine(f.eventTime ?? now().toISOString(), 32),
      region: oneLine(f.region ?? "unknown", 32),
      result: resultOf(f),
      severity: verdict.severity,
    };
  }

  /**
   * Duplicate check, failed sign-in escalation and storm control. Any store failure, or running out
   * of time, sends the alert on its own.
   */
  async function route(
    f: RootEventFacts,
    initial: SeverityVerdict,
    base: Record<string, unknown>,
  ): Promise<Route> {
    const store = deps.store;
    const key = eventKey(f);
    if (!store || !key) return { route: "alone", verdict: initial };
    let claimed = false;
    let verdict = initial;
    const work = async (): Promise<Route> => {
      const t = now().getTime();
      if ((await store.claimEvent(key, t, t - CLAIM_STALE_MS)) === "duplicate") return { route: "duplicate" };
      claimed = true;
      if (f.isSignIn && f.failed && f.accountId) {
        const at = Date.parse(f.eventTime ?? "");
        const atMs = Number.isNaN(at) ? t : at;
        const count = await store.recordSignInFailure(
          f.accountId,
          key,
          atMs,
          atMs - SIGN_IN_FAILURE_WINDOW_MINUTES * 60_000,
        );
        verdict = escalateForFailures(verdict, count);
      }
      if (verdict.severity === "critical" || !isAccountId(f.accountId) || !deps.scheduleFlush) {
        if (f.accountId) await store.bumpBucket(f.accountId, bucketOf(t), t).catch(() => undefined);
        return { route: "alone", verdict, claimKey: key };
      }
      const acct = f.accountId;
      const b = bucketOf(t);
      const bump = await store.bumpBucket(acct, b, t);
      if (bump.closed) return { route: "alone", verdict, claimKey: key, note: "digest already sent" };
      if (bump.n === 1 && (await store.bucketCount(acct, b - 1)) === 0) {
        return { route: "alone", verdict, claimKey: key };
      }
      await store.addDigestEntry(acct, b, digestEntry(f, verdict, key), t);
      const state = await store.bucketState(acct, b);
      // The flush closed the bucket before it could have read this entry: send it on its own.
      if (state.closed) return { route: "alone", verdict, claimKey: key, note: "digest closed meanwhile" };
      if (!state.scheduled) {
        const delay = Math.ceil(((b + 1) * BUCKET_MS - t) / 1000) + FLUSH_GRACE_SECONDS;
        await deps.scheduleFlush({ rootActivityMonitor: "digest-flush", accountId: acct, bucket: b }, delay);
        await store.markScheduled(acct, b);
      }
      return { route: "digested", bucket: b, verdict };
    };
    try {
      return await withDeadline(stateCap, "state store", () => work());
    } catch (err) {
      metric("StateStoreErrors");
      log({
        ...base,
        level: "warn",
        msg: "state store failed; sending the alert on its own",
        error: errorText(err),
      });
      return { route: "alone", verdict, ...(claimed ? { claimKey: key } : {}) };
    }
  }

  /**
   * Attribution of root sessions. A successful AssumeRoot records who opened the session under its
   * access key; a root-session event looks its key up. Runs beside the state phase, within the same
   * cap; a failure or a miss only leaves the alert unattributed.
   */
  async function rootSession(
    f: RootEventFacts,
    base: Record<string, unknown>,
  ): Promise<RootSession | undefined> {
    const store = deps.store;
    const put = f.access === "assume-root" && !f.failed;
    const key = put ? f.issuedKey : f.access === "root-session" ? f.accessKeyId : undefined;
    if (!store || !key) return undefined;
    const session: RootSession = {
      by: f.arn,
      taskPolicy: f.taskPolicy,
      targetAccount: f.targetAccount,
      at: f.eventTime,
    };
    try {
      return await withDeadline(stateCap, "state store", async () =>
        put ? void (await store.putRootSession(key, session, now().getTime())) : store.getRootSession(key),
      );
    } catch (err) {
      metric("StateStoreErrors");
      log({ ...base, level: "warn", msg: "root session attribution failed", error: errorText(err) });
      return undefined;
    }
  }

  async function settle(store: StateStore | undefined, key: string | undefined, ok: boolean): Promise<void> {
    if (!store || !key) return;
    try {
      await withDeadline(STATE_DONE_CAP_MS, "state store", () =>
        ok ? store.markEventDone(key) : store.releaseEvent(key),
      );
    } catch (err) {
      metric("StateStoreErrors");
      log({ level: "warn", msg: "could not record the event's state", eventKey: key, error: errorText(err) });
    }
  }

  async function alertOnRootEvent(
    f: RootEventFacts,
    initial: SeverityVerdict,
    base: Record<string, unknown>,
    payload: unknown,
    sqsMessageId: string | undefined,
  ): Promise<void> {
    // The name lookup overlaps the state store's round trips (a cold container pays both). It never
    // rejects, and every path awaits it: a request left pending would be frozen with the container.
    const naming = accountName(f.accountId);
    const targetNaming = f.access === "assume-root" ? accountName(f.targetAccount) : undefined;
    const attributing = rootSession(f, base);
    const r = await route(f, initial, base);
    // Every path awaits the side work: nothing may be left pending when the container freezes.
    const settled = () => Promise.all([naming, targetNaming, attributing]);
    if (r.route === "duplicate") {
      metric("DuplicatesSuppressed");
      log({ ...base, level: "info", msg: "duplicate delivery; already notified" });
      await settled();
      return;
    }
    if (r.route === "digested") {
      metric("Alerts", { severity: r.verdict.severity, accountId: f.accountId, eventName: f.eventName });
      log({
        ...base,
        level: "info",
        msg: "held for the account's digest",
        bucket: r.bucket,
        severity: r.verdict.severity,
      });
      if (deps.store) await settle(deps.store, eventKey(f), true);
      await settled();
      return;
    }
    const verdict = r.verdict;
    const [name, target, session] = await settled();
    try {
      await publish(
        (caps) => {
          try {
            return buildAlert(f, verdict, name, now(), caps, sqsMessageId, {
              ...(target ? { target } : {}),
              session,
            });
          } catch (err) {
            // A formatting bug must not swallow a root alert: fall back to the unreadable form.
            const problem = `internal error formatting the alert (${errorText(err)})`;
            return buildUnreadableAlert(
              problem,
              readPartial(payload),
              rawText(payload),
              name,
              now(),
              caps,
              sqsMessageId,
            );
          }
        },
        { ...base, ...(r.note ? { note: r.note } : {}) },
      );
    } catch (err) {
      await settle(deps.store, r.claimKey, false);
      throw err;
    }
    metric("Alerts", { severity: verdict.severity, accountId: f.accountId, eventName: f.eventName });
    await settle(deps.store, r.claimKey, true);
  }

  /** Sends the digest of one account's bucket: every entry, in parts if long. Throws on failure (SQS retries). */
  async function flush(req: FlushRequest, sqsMessageId: string | undefined): Promise<void> {
    const store = deps.store;
    const base = { msg: "digest", accountId: req.accountId, bucket: req.bucket, sqsMessageId };
    if (!store) throw new Error("a digest flush arrived but the notifier has no state store configured");
    const t = now().getTime();
    if ((await store.claimFlush(req.accountId, req.bucket, t, t - CLAIM_STALE_MS)) === "skip") {
      log({ ...base, level: "info", msg: "digest already sent, or being sent by another flush" });
      return;
    }
    const entries = sortEntries(await store.digestEntries(req.accountId, req.bucket));
    if (entries.length > 0) {
      const name = await accountName(req.accountId);
      const window = { start: new Date(req.bucket * BUCKET_MS), end: new Date((req.bucket + 1) * BUCKET_MS) };
      const parts: DigestEntry[][] = [];
      for (let i = 0; i < entries.length; i += DIGEST_MAX_EVENTS_PER_MESSAGE) {
        parts.push(entries.slice(i, i + DIGEST_MAX_EVENTS_PER_MESSAGE));
      }
      await Promise.all(
        parts.map(async (part, i) => {
          await publish(
            (caps) =>
              buildDigest(
                req.accountId,
                name,
                part,
                window,
                { index: i + 1, count: parts.length },
                now(),
                caps,
              ),
            { ...base, events: part.length },
          );
          metric("Digests");
        }),
      );
    }
    await store.markBucketSent(req.accountId, req.bucket);
    log({ ...base, level: "info", msg: "digest sent", events: entries.length });
  }

  /** Everything after the decision: skip-log, or route and publish. */
  async function act(decision: Decision, payload: unknown, sqsMessageId?: string): Promise<void> {
    const ids = (f: { eventId?: string; envelopeId?: string; accountId?: string }) => ({
      eventId: f.eventId ?? f.envelopeId,
      accountId: f.accountId,
      ...(sqsMessageId !== undefined ? { sqsMessageId } : {}),
    });
    if (decision.decision === "skip") {
      log({
        level: "info",
        msg: "not root activity; skipped",
        ...ids(decision.facts),
        decision: "skip",
        reason: decision.reason,
      });
      return;
    }
    if (decision.decision === "test") {
      const t = decision.test;
      const base = { ...ids(t), decision: "test", testId: t.testId };
      log({ level: "info", ...base, msg: SELF_TEST_LOG.received });
      const name = await accountName(t.accountId);
      await publish((_caps) => buildTestAlert(t, name, now(), sqsMessageId), base);
      metric("SelfTests");
      log({ level: "info", ...base, msg: SELF_TEST_LOG.published });
      return;
    }
    if (decision.decision === "alert") {
      const f = decision.facts;
      const base = { ...ids(f), decision: "alert", reason: decision.verdict.reason, eventName: f.eventName };
      log({ level: "info", msg: "root activity", ...base, severity: decision.verdict.severity });
      await alertOnRootEvent(f, decision.verdict, base, payload, sqsMessageId);
      return;
    }
    const p = decision.partial;
    const base = { ...ids(p), decision: "unreadable", reason: decision.problem };
    log({ level: "warn", msg: "unreadable root-activity event", ...base });
    const name = await accountName(p.accountId);
    await publish(
      (caps) => buildUnreadableAlert(decision.problem, p, rawText(payload), name, now(), caps, sqsMessageId),
      base,
    );
    metric("Alerts", { severity: "high", accountId: p.accountId, eventName: p.eventName ?? "unreadable" });
  }

  /** Decide, never throwing: an unexpected error becomes an unreadable-event decision. */
  function safeDecide(run: () => Decision, payload: unknown): Decision {
    try {
      return run();
    } catch (err) {
      const problem = `internal error reading the event (${errorText(err)})`;
      let partial = {};
      try {
        partial = readPartial(payload);
      } catch {
        // keep it empty
      }
      return { decision: "unreadable", problem, partial };
    }
  }

  async function processEnvelope(envelope: unknown): Promise<void> {
    if (isFlushRequest(envelope)) return flush(envelope, undefined);
    await act(
      safeDecide(() => decide(envelope), envelope),
      envelope,
    );
  }

  async function processSqsRecord(record: unknown): Promise<void> {
    const messageId = isObject(record) && typeof record.messageId === "string" ? record.messageId : undefined;
    if (!isObject(record)) {
      const decision: Decision = {
        decision: "unreadable",
        problem: `the SQS record is ${describeType(record)}, expected an object`,
        partial: {},
      };
      return act(decision, record, messageId);
    }
    let parsed: unknown = undefined;
    const decision = safeDecide(() => {
      const out = decideSqsBody(record.body);
      parsed = out.parsed;
      return out.decision;
    }, record.body);
    if (isFlushRequest(parsed)) return flush(parsed, messageId);
    // Show the parsed envelope when there is one (pretty-printed), else the body as received.
    const payload = parsed !== undefined ? parsed : record.body;
    return act(decision, payload, messageId);
  }

  async function handle(event: unknown): Promise<SqsBatchResponse | void> {
    if (!isSqsEvent(event)) return processEnvelope(event);
    const batchItemFailures: { itemIdentifier: string }[] = [];
    let unidentifiedFailures = 0;
    await Promise.all(
      event.Records.map(async (record) => {
        try {
          await processSqsRecord(record);
        } catch (err) {
          const id = isObject(record) && typeof record.messageId === "string" ? record.messageId : undefined;
          if (id !== undefined && id !== "") batchItemFailures.push({ itemIdentifier: id });
          else unidentifiedFailures++;
          log({
            level: "error",
            msg: "record failed; SQS will redeliver it",
            sqsMessageId: id,
            error: errorText(err),
          });
        }
      }),
    );
    if (unidentifiedFailures > 0) {
      // Cannot name the failed record: fail the whole batch so SQS redelivers all of it.
      throw new Error(`${unidentifiedFailures} SQS record(s) without a messageId could not be published`);
    }
    return { batchItemFailures };
  }

  return { handle, processEnvelope };
}
