// The pieces every alert builder shares: subject, times, links, account lines, fields, attributes
// and the footer. Each value is sanitized (one line, capped) here.
import { isAccountId } from "../../common/awsNames";
import type { AccountName, AlertKind } from "./alertModel";
import { asciiOnly, oneLine, toSnsSubject, truncateAscii } from "../support/text";

const PROJECT = "root-activity-monitor";

/**
 * `[SEVERITY] <what> in <account name> (<account id>)`, valid as an SNS subject. Each piece is made
 * ASCII first; when too long, the event name and then the account name are shortened, never the ID.
 */
export function buildSubject(
  severity: string,
  what: string,
  accountId: string | undefined,
  accountName: string | undefined,
): string {
  const prefix = `[${severity.toUpperCase()}] `;
  const id = truncateAscii(asciiOnly(accountId ?? ""), 20);
  let name = asciiOnly(accountName ?? "");
  let head = asciiOnly(what) || "Root activity";
  const max = 99;
  if (!id)
    return toSnsSubject(
      truncateAscii(`${prefix}${head}`, max - " in unknown account".length) + " in unknown account",
    );
  if (!name || name === id)
    return toSnsSubject(`${truncateAscii(`${prefix}${head}`, max - ` in ${id}`.length)} in ${id}`);
  const room = max - prefix.length - " in ".length - ` (${id})`.length;
  if (head.length + name.length > room) {
    // Give the event name up to half the room (more if the account name is short), the rest to the name.
    const headMax = Math.max(room - name.length, Math.min(head.length, Math.floor(room / 2)));
    head = truncateAscii(head, headMax);
    name = truncateAscii(name, room - head.length);
  }
  return toSnsSubject(`${prefix}${head} in ${name} (${id})`);
}

/** A time as "YYYY-MM-DD HH:MM:SS UTC", or the raw value marked as unparsed. */
export function formatUtc(raw: string | undefined): string {
  if (raw === undefined || raw === "") return "not recorded";
  const ms = Date.parse(raw);
  if (Number.isNaN(ms)) return `${oneLine(raw, 200)} (not a valid timestamp)`;
  return new Date(ms)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d{3}Z$/, " UTC");
}

const REGION_RE = /^[a-z]{2}(-[a-z0-9]+)+-\d+$/;
const EVENT_ID_RE = /^[A-Za-z0-9-]{1,128}$/;

/** CloudTrail console link for the event, when region and event ID look real. */
export function consoleLink(region: string | undefined, eventId: string | undefined): string | undefined {
  if (!region || !eventId || !REGION_RE.test(region) || !EVENT_ID_RE.test(eventId)) return undefined;
  return `https://${region}.console.aws.amazon.com/cloudtrailv2/home?region=${region}#/events/${eventId}`;
}

export function accountLine(accountId: string | undefined, name: AccountName): string {
  if (!accountId) return "unknown (no account ID in the event)";
  const id = oneLine(accountId, 100);
  if (name.ok) return `${oneLine(name.name, 200)} (${id})`;
  return `${id} (account name unavailable: ${oneLine(name.reason, 300)})`;
}

export function accountDoc(accountId: string | undefined, name: AccountName): Record<string, unknown> {
  return {
    id: docValue(accountId, 100),
    name: name.ok ? oneLine(name.name, 200) : null,
    ...(name.ok ? {} : { nameUnavailable: oneLine(name.reason, 300) }),
  };
}

/** Routing attributes; empty values are left out (SNS rejects them). */
/** What an alert's SNS message attributes say (subscription filter policies route on them). */
export interface AttributeInput {
  kind: AlertKind;
  severity: string;
  accountId: string | undefined;
  name: AccountName;
  eventName: string | undefined;
  region: string | undefined;
  /** Further attributes; empty values are left out. */
  more?: Record<string, string | undefined>;
}

export function attributesOf(input: AttributeInput): Record<string, string | string[]> {
  const { kind, severity, accountId, name, eventName, region, more = {} } = input;
  const out: Record<string, string | string[]> = { kind, severity };
  const put = (k: string, v: string | undefined) => {
    const s = v === undefined ? "" : oneLine(v, 256);
    if (s !== "") out[k] = s;
  };
  put("accountId", accountId);
  if (name.ok) put("accountName", name.name);
  put("eventName", eventName);
  put("region", region);
  for (const k in more) put(k, more[k]);
  return out;
}

/** A sanitized, capped value for the JSON document, or null. */
export function docValue(v: string | undefined, cap: number): string | null {
  return v ? oneLine(v, cap) : null;
}

/** Chat thread per account; anything but a 12-digit ID (an unreadable event's) threads as unknown. */
export function threadOf(accountId: string | undefined): string {
  return `root-activity-${isAccountId(accountId) ? accountId : "unknown"}`;
}

export function field(v: string | undefined, cap: number, fallback = "not recorded"): string {
  return v === undefined || v === "" ? fallback : oneLine(v, cap);
}

export function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v, null, 2) ?? String(v);
  } catch {
    return String(v);
  }
}

export function lines(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([k]) => k.length)) + 1;
  return rows.map(([k, v]) => `${(k + ":").padEnd(width + 1)}${v}`).join("\n");
}

export function footer(now: Date, envelopeId: string | undefined, sqsMessageId: string | undefined): string {
  const ids = [
    envelopeId ? `EventBridge event id ${oneLine(envelopeId, 100)}` : "",
    sqsMessageId ? `SQS message id ${oneLine(sqsMessageId, 100)}` : "",
  ].filter(Boolean);
  return `-- ${PROJECT}, alert generated ${formatUtc(now.toISOString())}${ids.length ? ". " + ids.join(", ") : ""}`;
}

export function keywords(...words: (string | undefined)[]): string[] {
  return words.filter((w): w is string => !!w).map((w) => oneLine(w, 60));
}

/** Text of any input for the raw-payload section, without throwing. */
export function rawText(input: unknown): string {
  if (typeof input === "string") return input;
  if (input === undefined) return "(undefined)";
  return safeJson(input);
}
