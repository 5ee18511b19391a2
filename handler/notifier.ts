// The notifier, composed from its parts: the SQS batch (sqsBatch.ts), the decision (classify.ts),
// the router (router.ts: duplicates, storm control), the publisher (publisher.ts), account names
// (accountNames.ts) and digests (digestFlush.ts). Collaborators are injected (deps.ts).
import type { SQSBatchResponse } from "aws-lambda";
import { createAccountNames, type AccountNames } from "./alerts/accountNames";
import { decide, decideSqsBody, readPartial } from "./classify/decide";
import { describeType, isObject } from "./event/objects";
import type { Decision, PartialFacts, SelfTestFacts } from "./classify/facts";
import { errorText } from "./support/deadline";
import { kitOf, type Kit, type NotifierDeps } from "./support/deps";
import { createFlusher } from "./route/digestFlush";
import { buildTestAlert } from "./alerts/testAlert";
import { buildUnreadableAlert } from "./alerts/unreadableAlert";
import { rawText } from "./alerts/alertParts";
import { createPublisher, type Publisher } from "./publish/publisher";
import { createRootEventFlow, type RootEventFlow } from "./route/rootEventFlow";
import { createRouter } from "./route/router";
import { SELF_TEST_LOG } from "./classify/selfTest";
import { isSqsEvent, messageIdOf, processBatch } from "./event/sqsBatch";
import { isFlushRequest } from "./records";

export interface Notifier {
  /** An SQS event gets a batch response; anything else is one envelope, and a failed publish throws. */
  handle(event: unknown): Promise<SQSBatchResponse | void>;
  /** One already-parsed envelope. Throws when the alert could not be published. */
  processEnvelope(envelope: unknown): Promise<void>;
}

/** Decide, never throwing: an unexpected error becomes an unreadable-event decision. */
function safeDecide(run: () => Decision, payload: unknown): Decision {
  try {
    return run();
  } catch (err) {
    let partial = {};
    try {
      partial = readPartial(payload);
    } catch {
      // keep it empty
    }
    return {
      decision: "unreadable",
      problem: `internal error reading the event (${errorText(err)})`,
      partial,
    };
  }
}

/** What the paths after the decision share. */
interface Parts {
  kit: Kit;
  accountName: AccountNames;
  publish: Publisher;
}

/** The IDs every log line of a record carries. */
function idsOf(f: { eventId?: string; envelopeId?: string; accountId?: string }, sqsMessageId?: string) {
  return {
    eventId: f.eventId ?? f.envelopeId,
    accountId: f.accountId,
    ...(sqsMessageId !== undefined ? { sqsMessageId } : {}),
  };
}

/** A self-test: the [TEST] alert, and the log lines `npm run selftest` waits for. */
async function notifyTest({ kit, accountName, publish }: Parts, t: SelfTestFacts, sqsMessageId?: string) {
  const base = { ...idsOf(t, sqsMessageId), decision: "test", testId: t.testId };
  kit.log({ level: "info", ...base, msg: SELF_TEST_LOG.received });
  const name = await accountName(t.accountId);
  await publish((_caps) => buildTestAlert(t, name, kit.now(), sqsMessageId), base);
  kit.metric("SelfTests");
  kit.log({ level: "info", ...base, msg: SELF_TEST_LOG.published });
}

/** An event that matched the root rule but could not be read: alerted, never dropped. */
async function notifyUnreadable(
  { kit, accountName, publish }: Parts,
  problem: string,
  p: PartialFacts,
  payload: unknown,
  sqsMessageId?: string,
) {
  const base = { ...idsOf(p, sqsMessageId), decision: "unreadable", reason: problem };
  kit.log({ level: "warn", msg: "unreadable root-activity event", ...base });
  const name = await accountName(p.accountId);
  await publish(
    (caps) =>
      buildUnreadableAlert({
        problem,
        partial: p,
        raw: rawText(payload),
        name,
        now: kit.now(),
        caps,
        sqsMessageId,
      }),
    base,
  );
  kit.metric("Alerts", { severity: "high", accountId: p.accountId, eventName: p.eventName ?? "unreadable" });
}

/** Everything after the decision: skip-log, or route and publish. */
async function actOn(
  parts: Parts,
  rootEventFlow: RootEventFlow,
  decision: Decision,
  payload: unknown,
  sqsMessageId?: string,
): Promise<void> {
  if (decision.decision === "skip") {
    const reason = decision.reason;
    const ids = idsOf(decision.facts, sqsMessageId);
    parts.kit.log({ level: "info", msg: "not root activity; skipped", ...ids, decision: "skip", reason });
    return;
  }
  if (decision.decision === "test") return notifyTest(parts, decision.test, sqsMessageId);
  if (decision.decision === "unreadable")
    return notifyUnreadable(parts, decision.problem, decision.partial, payload, sqsMessageId);
  const f = decision.facts;
  const base = {
    ...idsOf(f, sqsMessageId),
    decision: "alert",
    reason: decision.verdict.reason,
    eventName: f.eventName,
  };
  parts.kit.log({ level: "info", msg: "root activity", ...base, severity: decision.verdict.severity });
  await rootEventFlow(f, decision.verdict, base, payload, sqsMessageId);
}

export function createNotifier(deps: NotifierDeps): Notifier {
  if (typeof deps.topicArn !== "string" || deps.topicArn === "") {
    throw new Error("createNotifier: topicArn is empty; alerts would have nowhere to go");
  }
  const kit = kitOf(deps);
  const { log } = kit;
  const accountName = createAccountNames(kit);
  const publish = createPublisher(kit);
  const flush = createFlusher(kit, accountName, publish);
  const rootEventFlow = createRootEventFlow(kit, accountName, createRouter(kit), publish);

  const parts: Parts = { kit, accountName, publish };
  const act = (decision: Decision, payload: unknown, sqsMessageId?: string) =>
    actOn(parts, rootEventFlow, decision, payload, sqsMessageId);

  async function processEnvelope(envelope: unknown): Promise<void> {
    if (isFlushRequest(envelope)) return flush(envelope, undefined);
    await act(
      safeDecide(() => decide(envelope), envelope),
      envelope,
    );
  }

  async function processSqsRecord(record: unknown): Promise<void> {
    const messageId = messageIdOf(record);
    if (!isObject(record)) {
      const problem = `the SQS record is ${describeType(record)}, expected an object`;
      return act({ decision: "unreadable", problem, partial: {} }, record, messageId);
    }
    let parsed: unknown = undefined;
    const decision = safeDecide(() => {
      const out = decideSqsBody(record.body);
      parsed = out.parsed;
      return out.decision;
    }, record.body);
    if (isFlushRequest(parsed)) return flush(parsed, messageId);
    // Show the parsed envelope when there is one (pretty-printed), else the body as received.
    return act(decision, parsed !== undefined ? parsed : record.body, messageId);
  }

  async function handle(event: unknown): Promise<SQSBatchResponse | void> {
    if (!isSqsEvent(event)) return processEnvelope(event);
    return processBatch(event, processSqsRecord, log);
  }

  return { handle, processEnvelope };
}
