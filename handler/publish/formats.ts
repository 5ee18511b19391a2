// Renders one alert per protocol: the SNS MessageStructure "json" document (email, default, email-
// json, https = chat card) and incoming-webhook bodies. Keeps the whole SNS message under the limit
// by rebuilding with smaller caps.
import { FULL_CAPS, scaleCaps, type Alert, type Caps } from "../alerts/alertModel";
import { utf8Bytes } from "../support/text";

/** SNS takes 256 KiB per message, attributes included; our attributes stay well under 16 KB. */
export const SNS_MESSAGE_BUDGET_BYTES = 240_000;
/** Chat card limits we keep to (the chat schema's own limits are higher). */
export const CHAT_TITLE_MAX = 250;
export const CHAT_DESCRIPTION_MAX = 3500;

/** A value shown in chat markdown: a code span, so it cannot format, link or mention. */
function code(v: string): string {
  return "`" + v.replace(/`/g, "'").replace(/</g, "\u2039").replace(/>/g, "\u203a") + "`";
}

function cut(s: string, max: number): string {
  return s.length <= max ? s : s.slice(0, max - 15) + " ...[truncated]";
}

/** The Amazon Q Developer in chat applications (AWS Chatbot) custom notification. */
export function chatCard(a: Alert): Record<string, unknown> {
  const description = cut(
    a.chat.facts.map(([k, v]) => `*${k}:* ${code(v)}`).join("\n"),
    CHAT_DESCRIPTION_MAX,
  );
  const context: Record<string, string> = {};
  for (const [k, v] of Object.entries(a.attributes))
    context[k] = cut(Array.isArray(v) ? v.join(",") : v, 256);
  return {
    version: "1.0",
    source: "custom",
    content: {
      textType: "client-markdown",
      title: cut(`${a.severity === "critical" ? ":rotating_light: " : ""}${a.chat.title}`, CHAT_TITLE_MAX),
      description,
      nextSteps: a.chat.nextSteps.slice(0, 5).map((s) => cut(s, 500)),
      keywords: a.chat.keywords.slice(0, 10).map((k) => cut(k, 60)),
    },
    metadata: {
      threadId: a.chat.threadId,
      summary: cut(a.subject, 200),
      eventType: a.kind,
      relatedResources: a.chat.link ? [a.chat.link] : [],
      additionalContext: context,
    },
  };
}

/**
 * JSON text in which no string holds a lone surrogate: JSON.parse turns a "\\ud800" escape into one,
 * and the SDK's query-protocol encoder throws "URI malformed" on it, on every retry.
 */
function json(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === "string" ? x.toWellFormed() : x));
}

/** The MessageStructure "json" document: one string per protocol, `default` required. */
export function snsMessage(a: Alert): string {
  const doc = json(a.doc);
  return json({ default: doc, email: a.text, "email-json": doc, https: json(chatCard(a)) });
}

const SCALES = [1, 0.5, 0.25, 0.1, 0.03];

/**
 * Builds the alert with full caps, and with smaller ones while the SNS message is over budget. The
 * last scale fits any alert our builders make; the check after it is the safety net that makes a
 * size bug visible instead of an SNS error.
 */
export function fitForSns(build: (caps: Caps) => Alert): { alert: Alert; message: string } {
  let last: { alert: Alert; message: string } | undefined;
  for (const scale of SCALES) {
    const alert = build(scale === 1 ? FULL_CAPS : scaleCaps(scale));
    const message = snsMessage(alert);
    last = { alert, message };
    if (utf8Bytes(message) <= SNS_MESSAGE_BUDGET_BYTES) return last;
  }
  throw new Error(`alert does not fit in ${SNS_MESSAGE_BUDGET_BYTES} bytes even at the smallest caps`);
}

export type WebhookFormat = "slack" | "teams";
export const WEBHOOK_FORMATS: readonly WebhookFormat[] = ["slack", "teams"];

/** Slack mrkdwn: &, < and > are control characters and must be escaped. */
function slackEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Body for a Slack or Teams (Workflows) incoming webhook. */
export function webhookBody(a: Alert, format: WebhookFormat): string {
  const steps = a.chat.nextSteps.map((s) => cut(s, 500));
  if (format === "teams") {
    // Teams markdown turns [text](url) into links; brackets in values must not.
    const plain = (s: string) => s.replace(/\[/g, "(").replace(/\]/g, ")");
    return json({
      type: "message",
      attachments: [
        {
          contentType: "application/vnd.microsoft.card.adaptive",
          content: {
            $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
            type: "AdaptiveCard",
            version: "1.4",
            body: [
              { type: "TextBlock", text: plain(a.subject), weight: "Bolder", size: "Medium", wrap: true },
              {
                type: "FactSet",
                facts: a.chat.facts.map(([title, value]) => ({ title, value: plain(cut(value, 1000)) })),
              },
              ...steps.map((s) => ({ type: "TextBlock", text: plain(s), wrap: true })),
            ],
          },
        },
      ],
    });
  }
  const facts = a.chat.facts.map(([k, v]) => `*${k}:* ${slackEscape(cut(v, 500))}`).join("\n");
  return json({
    text: slackEscape(a.subject),
    blocks: [
      { type: "header", text: { type: "plain_text", text: cut(a.subject, 150) } },
      { type: "section", text: { type: "mrkdwn", text: cut(facts, 2900) } },
      { type: "section", text: { type: "mrkdwn", text: cut(slackEscape(steps.join("\n")), 2900) } },
    ],
  });
}
