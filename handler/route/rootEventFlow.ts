// One root event, from decision to alert: the account names and the root-session attribution run
// beside the router's state phase, then the alert is published (unless it is a duplicate or held
// for a digest) and its claim settled.
import type { AccountNames } from "../alerts/accountNames";
import { STATE_PHASE_CAP_MS } from "../support/budget";
import { readPartial } from "../classify/decide";
import { type RootEventFacts } from "../classify/facts";
import { errorText, withDeadline } from "../support/deadline";
import type { Kit } from "../support/deps";
import { buildAlert } from "../alerts/rootEventAlert";
import { buildUnreadableAlert } from "../alerts/unreadableAlert";
import { rawText } from "../alerts/alertParts";
import type { Publisher } from "../publish/publisher";
import type { Router } from "./router";
import type { SeverityVerdict } from "../classify/severity";
import type { RootSession } from "../records";

export type RootEventFlow = (
  f: RootEventFacts,
  initial: SeverityVerdict,
  base: Record<string, unknown>,
  payload: unknown,
  sqsMessageId: string | undefined,
) => Promise<void>;

/**
 * Attribution of root sessions. A successful AssumeRoot records who opened the session under its
 * access key; a root-session event looks its key up. Runs beside the state phase, within the same
 * cap; a failure or a miss only leaves the alert unattributed.
 */
async function rootSession(
  kit: Kit,
  f: RootEventFacts,
  base: Record<string, unknown>,
): Promise<RootSession | undefined> {
  const store = kit.deps.store;
  const cap = kit.deps.statePhaseCapMs ?? STATE_PHASE_CAP_MS;
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
    return await withDeadline(cap, "state store", async (signal) =>
      put
        ? void (await store.putRootSession(key, session, kit.now().getTime(), signal))
        : store.getRootSession(key, signal),
    );
  } catch (err) {
    kit.stateFailed(base, "root session attribution failed", err);
    return undefined;
  }
}

export function createRootEventFlow(
  kit: Kit,
  accountName: AccountNames,
  router: Router,
  publish: Publisher,
): RootEventFlow {
  const { now } = kit;
  return async (f, initial, base, payload, sqsMessageId) => {
    // The name lookup overlaps the state store's round trips (a cold container pays both). It never
    // rejects, and every path awaits it: a request left pending would be frozen with the container.
    const naming = accountName(f.accountId);
    const targetNaming = f.access === "assume-root" ? accountName(f.targetAccount) : undefined;
    const attributing = rootSession(kit, f, base);
    const r = await router.route(f, initial, base);
    const settled = () => Promise.all([naming, targetNaming, attributing]);
    if (r.route === "busy") {
      // Another delivery of this event is being handled right now, and nothing proves it will be
      // published: SQS brings this record back after its visibility timeout, when that claim is
      // done (a duplicate then) or stale (taken over). Publishing now would send it twice.
      await settled();
      throw new Error("another delivery of this event holds a live claim; SQS will deliver it again");
    }
    if (r.route === "duplicate") {
      kit.metric("DuplicatesSuppressed");
      kit.log({ ...base, level: "info", msg: "duplicate delivery; already notified" });
      await settled();
      return;
    }
    if (r.route === "digested") {
      kit.metric("Alerts", { severity: r.verdict.severity, accountId: f.accountId, eventName: f.eventName });
      kit.log({
        ...base,
        level: "info",
        msg: "held for the account's digest",
        bucket: r.bucket,
        severity: r.verdict.severity,
      });
      await settled();
      return;
    }
    const verdict = r.verdict;
    const [name, target, session] = await settled();
    const ctx = { ...(target ? { target } : {}), session };
    try {
      await publish(
        (caps) => {
          try {
            return buildAlert({ facts: f, verdict, name, now: now(), caps, sqsMessageId, ctx });
          } catch (err) {
            // A formatting bug must not swallow a root alert: fall back to the unreadable form.
            const problem = `internal error formatting the alert (${errorText(err)})`;
            const partial = readPartial(payload);
            return buildUnreadableAlert({
              problem,
              partial,
              raw: rawText(payload),
              name,
              now: now(),
              caps,
              sqsMessageId,
            });
          }
        },
        { ...base, ...(r.note ? { note: r.note } : {}) },
      );
    } catch (err) {
      await router.settle(r.claim, false);
      throw err;
    }
    kit.metric("Alerts", { severity: verdict.severity, accountId: f.accountId, eventName: f.eventName });
    await router.settle(r.claim, true);
  };
}
