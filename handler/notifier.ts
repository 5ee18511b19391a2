// The notifier's core, with its collaborators injected: lambda.ts wires SNS, Organizations and
// console.log; tests wire fakes. No Pulumi imports, no SDK imports, no module-level Set/Map:
// serialized into the Lambda.
import { NAME_FAILURE_RETRY_AFTER_MS, NAME_LOOKUP_CAP_MS, PUBLISH_DEADLINE_MS } from "./budget";
import { decide, decideSqsBody, describeType, isObject, readPartial, type Decision } from "./classify";
import { buildAlert, buildUnreadableAlert, rawText, type AccountName, type Alert } from "./message";
import { isValidSnsSubject, oneLine, toSnsSubject, wellFormed } from "./text";

export interface PublishInput {
  topicArn: string;
  subject: string;
  message: string;
  /** SNS message attributes (String), for subscription filter policies. */
  attributes: Record<string, string>;
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
  now?(): Date;
  /** Pass a container-lifetime object to keep names across invocations. Default: a fresh one. */
  nameCache?: NameCache;
  nameLookupCapMs?: number;
  publishDeadlineMs?: number;
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

export function createNotifier(deps: NotifierDeps): Notifier {
  if (typeof deps.topicArn !== "string" || deps.topicArn === "") {
    throw new Error("createNotifier: topicArn is empty; alerts would have nowhere to go");
  }
  const now = deps.now ?? (() => new Date());
  const cache: NameCache = deps.nameCache ?? {};
  const lookupCap = deps.nameLookupCapMs ?? NAME_LOOKUP_CAP_MS;
  const publishDeadline = deps.publishDeadlineMs ?? PUBLISH_DEADLINE_MS;
  // Lookups in flight during this invocation, so one batch asks once per account.
  const inFlight: Record<string, Promise<AccountName>> = {};

  function log(line: Record<string, unknown>): void {
    try {
      deps.log(line);
    } catch {
      // Logging must never stop an alert.
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
    if (!/^\d{12}$/.test(id))
      return { ok: false, reason: `"${oneLine(id, 40)}" is not a 12-digit account ID` };
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

  async function publish(alert: Alert, logBase: Record<string, unknown>): Promise<void> {
    const subject = isValidSnsSubject(alert.subject) ? alert.subject : toSnsSubject(alert.subject);
    const msg: PublishInput = {
      topicArn: deps.topicArn,
      subject,
      // Last safety net: SNS cannot take what UTF-8 cannot encode.
      message: wellFormed(alert.message),
      attributes: { severity: alert.severity },
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
    log({ ...logBase, level: "info", msg: "alert published", severity: alert.severity, subject });
  }

  /** Everything after the decision: skip-log, or look up the name, build and publish. */
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
    if (decision.decision === "alert") {
      const f = decision.facts;
      const base = { ...ids(f), decision: "alert", reason: decision.verdict.reason, eventName: f.eventName };
      log({ level: "info", msg: "root activity", ...base, severity: decision.verdict.severity });
      const name = await accountName(f.accountId);
      let alert: Alert;
      try {
        alert = buildAlert(f, decision.verdict, name, now(), sqsMessageId);
      } catch (err) {
        // A formatting bug must not swallow a root alert: fall back to the unreadable form.
        const problem = `internal error formatting the alert (${errorText(err)})`;
        alert = buildUnreadableAlert(
          problem,
          readPartial(payload),
          rawText(payload),
          name,
          now(),
          sqsMessageId,
        );
      }
      await publish(alert, base);
      return;
    }
    const p = decision.partial;
    const base = { ...ids(p), decision: "unreadable", reason: decision.problem };
    log({ level: "warn", msg: "unreadable root-activity event", ...base });
    const name = await accountName(p.accountId);
    await publish(
      buildUnreadableAlert(decision.problem, p, rawText(payload), name, now(), sqsMessageId),
      base,
    );
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
