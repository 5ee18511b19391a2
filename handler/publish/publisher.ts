// Sends one alert: fitted to SNS's limits, published under the deadline, then posted to the webhook
// (best effort: the SNS alert is already out).
import type { Alert, Caps } from "../alerts/alertModel";
import { PUBLISH_DEADLINE_MS, WEBHOOK_CAP_MS } from "../support/budget";
import { errorText, withDeadline } from "../support/deadline";
import type { Kit, PublishInput } from "../support/deps";
import { fitForSns, webhookBody } from "./formats";
import { toSnsSubject } from "../support/text";

/** Builds the alert (shrinking caps until it fits), publishes it, posts it. Throws when the publish failed. */
export type Publisher = (build: (caps: Caps) => Alert, logBase: Record<string, unknown>) => Promise<Alert>;

/** The SNS request for an alert: a subject SNS accepts, attributes without lone surrogates. */
export function publishInput(topicArn: string, alert: Alert, message: string): PublishInput {
  const attributes: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(alert.attributes)) {
    attributes[k] = Array.isArray(v) ? v.map((x) => x.toWellFormed()) : v.toWellFormed();
  }
  // Our builders already make valid subjects (toSnsSubject leaves them as they are): a last check.
  return { topicArn, subject: toSnsSubject(alert.subject), message, messageStructure: "json", attributes };
}

export function createPublisher(kit: Kit): Publisher {
  const { deps } = kit;
  const deadline = deps.publishDeadlineMs ?? PUBLISH_DEADLINE_MS;

  async function postWebhook(alert: Alert, logBase: Record<string, unknown>): Promise<void> {
    const post = deps.postWebhook;
    if (!post) return;
    try {
      const body = webhookBody(alert, deps.webhookFormat ?? "slack");
      await withDeadline(WEBHOOK_CAP_MS, "webhook post", (signal) => post(body, signal));
    } catch (err) {
      kit.metric("WebhookFailures");
      kit.log({
        ...logBase,
        level: "error",
        msg: "webhook post failed; the SNS alert went out",
        error: errorText(err),
      });
    }
  }

  return async (build, logBase) => {
    const { alert, message } = fitForSns(build);
    const msg = publishInput(deps.topicArn, alert, message);
    try {
      await withDeadline(deadline, "SNS Publish", (signal) => deps.publish(msg, signal));
    } catch (err) {
      kit.log({
        ...logBase,
        level: "error",
        msg: "publish failed",
        severity: alert.severity,
        error: errorText(err),
      });
      throw err;
    }
    kit.log({
      ...logBase,
      level: "info",
      msg: "alert published",
      kind: alert.kind,
      severity: alert.severity,
      subject: msg.subject,
    });
    await postWebhook(alert, logBase);
    return alert;
  };
}
