// Who receives alerts, and which: `subscriptions` config entries (protocol, endpoint, optional SNS
// filter policy on the notifier's message attributes), and the optional incoming webhook.
import { createHash } from "node:crypto";
import { arnPattern, isAccountId } from "../common/awsNames";
import { configError, readJsonValue, type ConfigSource } from "../common/config";
import { WEBHOOK_FORMATS, type WebhookFormat } from "../handler/publish/formats";
import { ROOT_ACCESS_VALUES } from "../handler/alerts/alertModel";
import { SEVERITY_LEVELS } from "../handler/classify/severity";
import { TAMPER_VALUES } from "../handler/alerts/tamperAlert";
import { COVERAGE_EVENTS } from "../handler/coverage/notices";

export const PROTOCOLS = ["email", "email-json", "https", "sqs", "lambda", "sms"] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** Message attributes the notifier sets on every publish: what a filter policy may test. */
export const FILTER_ATTRIBUTES = [
  "kind",
  "severity",
  "accountId",
  "accountName",
  "eventName",
  "region",
  "rootAccess",
  "taskPolicy",
  "assumedBy",
  "tamper",
  // Coverage notices (hub/coverage/): what happened, and the spoke stacks concerned.
  "coverage",
  "stack",
] as const;
export const KINDS = ["alert", "unreadable", "digest", "test", "coverage"];

export interface Subscription {
  protocol: Protocol;
  endpoint: string;
  filterPolicy?: Record<string, unknown[]>;
  rawMessageDelivery?: boolean;
}

export const EMAIL = /^[^\s@"<>,;]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$/;
const ENDPOINTS: Record<Protocol, { test: (s: string) => boolean; want: string }> = {
  email: { test: (s) => s.length <= 254 && EMAIL.test(s), want: "an email address" },
  "email-json": { test: (s) => s.length <= 254 && EMAIL.test(s), want: "an email address" },
  https: { test: isHttpsUrl, want: "an https:// URL" },
  sqs: { test: (s) => arnPattern("sqs", "[A-Za-z0-9_-]{1,80}(\\.fifo)?").test(s), want: "an SQS queue ARN" },
  lambda: {
    test: (s) => arnPattern("lambda", "function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]+)?").test(s),
    want: "a Lambda function ARN",
  },
  sms: { test: (s) => /^\+[1-9]\d{7,14}$/.test(s), want: "a phone number in E.164 form, like +14155550100" },
};

function isHttpsUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === "https:" && u.hostname !== "";
  } catch {
    return false;
  }
}

/** A stable resource name for a subscription that never shows its endpoint (URLs can carry tokens). */
export function subscriptionName(s: { protocol: string; endpoint: string }): string {
  const hash = createHash("sha256").update(`${s.protocol}\n${s.endpoint}`).digest("hex").slice(0, 12);
  return `sub-${s.protocol}-${hash}`;
}

/** A filter policy on message attributes; `$or` (a list of policies, as SNS supports) nests. */
function readFilterPolicy(
  key: string,
  where: string,
  raw: unknown,
  path = `${where}.filterPolicy`,
): Record<string, unknown[]> {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw configError(key, `${path} must be an object like {"severity": ["critical"]}.`);
  }
  const out: Record<string, unknown[]> = {};
  for (const [attr, values] of Object.entries(raw as Record<string, unknown>)) {
    if (attr === "$or") {
      if (!Array.isArray(values) || values.length < 2) {
        throw configError(key, `${path}.$or must be a list of at least two filter policies.`);
      }
      out[attr] = values.map((p: unknown, i) => readFilterPolicy(key, where, p, `${path}.$or[${i}]`));
      continue;
    }
    if (!(FILTER_ATTRIBUTES as readonly string[]).includes(attr)) {
      throw configError(
        key,
        `${path} tests "${attr}", which the notifier never sets. Use one of ${FILTER_ATTRIBUTES.join(", ")}.`,
      );
    }
    if (!Array.isArray(values) || values.length === 0) {
      throw configError(key, `${path}.${attr} must be a non-empty list, like ["critical", "high"].`);
    }
    const known: Record<string, string[]> = {
      severity: [...SEVERITY_LEVELS, "test"],
      kind: KINDS,
      rootAccess: [...ROOT_ACCESS_VALUES],
      tamper: [...TAMPER_VALUES],
      coverage: [...COVERAGE_EVENTS],
    };
    const allowed = known[attr];
    for (const v of values) {
      if (typeof v === "string" && allowed && !allowed.includes(v)) {
        throw configError(key, `${path}.${attr}: "${v}" never occurs. Use ${allowed.join(", ")}.`);
      }
      if (attr === "accountId" && typeof v === "string" && !isAccountId(v)) {
        throw configError(key, `${path}.accountId: "${v}" is not a 12-digit account ID.`);
      }
    }
    out[attr] = values;
  }
  return out;
}

export function readSubscriptions(cfg: ConfigSource): Subscription[] {
  const key = "subscriptions";
  const raw = readJsonValue(cfg, key, "a list of {protocol, endpoint, filterPolicy}");
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw configError(key, "expected a list of {protocol, endpoint, filterPolicy}.");
  const out: Subscription[] = [];
  raw.forEach((entry: unknown, i) => {
    const where = `subscriptions[${i}]`;
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
      throw configError(key, `${where} must be an object with protocol and endpoint.`);
    }
    const e = entry as Record<string, unknown>;
    const extra = Object.keys(e).filter(
      (k) => !["protocol", "endpoint", "filterPolicy", "rawMessageDelivery"].includes(k),
    );
    if (extra.length) {
      throw configError(
        key,
        `${where} has unknown field(s) ${extra.join(", ")}; allowed: protocol, endpoint, filterPolicy, rawMessageDelivery.`,
      );
    }
    const protocol = e.protocol;
    if (typeof protocol !== "string" || !(PROTOCOLS as readonly string[]).includes(protocol)) {
      throw configError(
        key,
        `${where}.protocol ${JSON.stringify(protocol)} is not one of ${PROTOCOLS.join(", ")}.`,
      );
    }
    const p = protocol as Protocol;
    const endpoint = typeof e.endpoint === "string" ? e.endpoint.trim() : "";
    if (!ENDPOINTS[p].test(endpoint)) {
      // An https endpoint may carry a token: do not echo it.
      const shown = p === "https" ? "the endpoint" : JSON.stringify(e.endpoint);
      throw configError(key, `${where}: ${shown} is not ${ENDPOINTS[p].want}.`);
    }
    const sub: Subscription = { protocol: p, endpoint };
    if (e.filterPolicy !== undefined) sub.filterPolicy = readFilterPolicy(key, where, e.filterPolicy);
    if (e.rawMessageDelivery !== undefined) {
      if (typeof e.rawMessageDelivery !== "boolean")
        throw configError(key, `${where}.rawMessageDelivery must be true or false.`);
      if (e.rawMessageDelivery && !["sqs", "https"].includes(p)) {
        throw configError(key, `${where}.rawMessageDelivery works only for sqs and https subscriptions.`);
      }
      sub.rawMessageDelivery = e.rawMessageDelivery;
    }
    if (out.some((o) => o.protocol === sub.protocol && o.endpoint === sub.endpoint)) {
      throw configError(
        key,
        `${where} repeats an earlier subscription (${p}); merge their filter policies instead.`,
      );
    }
    out.push(sub);
  });
  return out;
}

export interface WebhookConfig {
  format: WebhookFormat;
}

/**
 * The webhook's format, when a webhook is configured. The URL itself is read as a Pulumi secret by
 * the hub program and never passes through here: this only checks that it was set as one.
 */
export function readWebhook(
  cfg: ConfigSource,
  isSecret: (key: string) => boolean,
): WebhookConfig | undefined {
  const formatRaw = cfg.get("webhookFormat");
  const format = (formatRaw === undefined || formatRaw === "" ? "slack" : formatRaw) as WebhookFormat;
  if (!WEBHOOK_FORMATS.includes(format)) {
    throw configError("webhookFormat", `"${formatRaw}" is not one of ${WEBHOOK_FORMATS.join(", ")}.`);
  }
  const url = cfg.get("webhookUrl");
  if (url === undefined || url === "") return undefined;
  if (!isSecret("webhookUrl")) {
    throw configError(
      "webhookUrl",
      "the webhook URL is a credential and must be a secret. Set it again with: pulumi config set --secret root-activity-monitor:webhookUrl <url>",
    );
  }
  if (!isHttpsUrl(url)) throw configError("webhookUrl", "the value is not an https:// URL.");
  return { format };
}
