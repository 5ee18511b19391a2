// Turns a decision into an SNS subject and a plain-text body meant to be read at 3 a.m. No Pulumi
// imports: serialized into the Lambda.
import type { PartialFacts, RootEventFacts } from "./classify";
import { CONSOLE_INVOKED_BY } from "./rootEvent";
import { UNREADABLE_ADVICE, UNREADABLE_SEVERITY, type Severity, type SeverityVerdict } from "./severity";
import { asciiOnly, block, capBytes, oneLine, toSnsSubject, truncateAscii, utf8Bytes } from "./text";

/** Caps, in UTF-8 bytes. SNS allows 256 KB per message; we stay far below. */
export const FIELD_MAX_BYTES = 1000;
export const REQUEST_PARAMETERS_MAX_BYTES = 4000;
export const RAW_PAYLOAD_MAX_BYTES = 32_000;
export const MESSAGE_MAX_BYTES = 64_000;

/** The outcome of the account-name lookup. */
export type AccountName = { ok: true; name: string } | { ok: false; reason: string };

export interface Alert {
  subject: string;
  message: string;
  severity: Severity;
}

const PROJECT = "root-activity-monitor";

/**
 * `[SEVERITY] <what> in <account name> (<account id>)`, valid as an SNS subject. Each piece is made
 * ASCII first; when too long, the event name and then the account name are shortened, never the ID.
 */
export function buildSubject(
  severity: Severity,
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

function accountLine(accountId: string | undefined, name: AccountName): string {
  if (!accountId) return "unknown (no account ID in the event)";
  const id = oneLine(accountId, 100);
  if (name.ok) return `${oneLine(name.name, 200)} (${id})`;
  return `${id} (account name unavailable: ${oneLine(name.reason, 300)})`;
}

function field(v: string | undefined, fallback = "not recorded"): string {
  return v === undefined || v === "" ? fallback : oneLine(v, FIELD_MAX_BYTES);
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v, null, 2) ?? String(v);
  } catch {
    return String(v);
  }
}

function lines(rows: [string, string][]): string {
  const width = Math.max(...rows.map(([k]) => k.length)) + 1;
  return rows.map(([k, v]) => `${(k + ":").padEnd(width + 1)}${v}`).join("\n");
}

function footer(now: Date, envelopeId: string | undefined, sqsMessageId: string | undefined): string {
  const ids = [
    envelopeId ? `EventBridge event id ${oneLine(envelopeId, 100)}` : "",
    sqsMessageId ? `SQS message id ${oneLine(sqsMessageId, 100)}` : "",
  ].filter(Boolean);
  return `-- ${PROJECT}, alert generated ${formatUtc(now.toISOString())}${ids.length ? ". " + ids.join(", ") : ""}`;
}

function finish(subject: string, body: string, severity: Severity): Alert {
  return { subject, message: capBytes(body, MESSAGE_MAX_BYTES), severity };
}

function howLine(f: RootEventFacts): string {
  if (f.isSignIn) return "console sign-in";
  if (f.invokedBy === undefined) return "API call (CLI, SDK or console; see user agent)";
  const by = oneLine(f.invokedBy, 200);
  if (f.invokedBy.trim().toLowerCase() === CONSOLE_INVOKED_BY)
    return `API call made in the AWS console (invokedBy ${by})`;
  return `API call (invokedBy "${by}", not a known AWS service principal)`;
}

function resultLine(f: RootEventFacts): string {
  const err = [
    f.errorCode ? `errorCode ${oneLine(f.errorCode, 300)}` : "",
    f.errorMessage ? `errorMessage "${oneLine(f.errorMessage, FIELD_MAX_BYTES)}"` : "",
  ].filter(Boolean);
  if (err.length) return `FAILED: ${err.join(", ")}`;
  if (f.isSignIn) {
    const result = f.signInResult?.trim().toLowerCase();
    if (result === "failure") return `FAILED (responseElements.${oneLine(f.eventName, 100)} = Failure)`;
    if (result === "success") return "success";
    return `unknown (responseElements.${oneLine(f.eventName, 100)} = ${f.signInResult === undefined ? "not recorded" : `"${oneLine(f.signInResult, 200)}"`}); treated as success`;
  }
  return "success (no errorCode)";
}

/** Subject and body for an event that is root activity. */
export function buildAlert(
  f: RootEventFacts,
  verdict: SeverityVerdict,
  name: AccountName,
  now: Date,
  sqsMessageId?: string,
): Alert {
  const sev = verdict.severity.toUpperCase();
  const subject = buildSubject(
    verdict.severity,
    `Root ${f.eventName}`,
    f.accountId,
    name.ok ? name.name : undefined,
  );
  const link = consoleLink(f.region, f.eventId);
  const rows: [string, string][] = [
    ["Account", accountLine(f.accountId, name)],
    ["Event", `${oneLine(f.eventName, 300)} (${field(f.eventSource, "event source not recorded")})`],
    ["Result", resultLine(f)],
    ["Read-only", f.readOnly === undefined ? "not recorded" : f.readOnly ? "yes" : "no"],
    ["How", howLine(f)],
  ];
  if (f.isSignIn || f.eventName === "ConsoleLogin") {
    const mfa =
      f.mfaUsedRaw === undefined
        ? "no (MFAUsed not recorded)"
        : `${f.mfaUsed ? "yes" : "no"} (MFAUsed = "${oneLine(f.mfaUsedRaw, 50)}")`;
    rows.push(["MFA used", mfa]);
  } else if (f.sessionMfaAuthenticated !== undefined) {
    rows.push([
      "MFA session",
      oneLine(f.sessionMfaAuthenticated, 50) === "true"
        ? "yes"
        : `no (mfaAuthenticated = "${oneLine(f.sessionMfaAuthenticated, 50)}")`,
    ]);
  }
  rows.push(
    ["Region", field(f.region)],
    ["Source IP", field(f.sourceIp)],
    ["User agent", field(f.userAgent)],
    ["Time (UTC)", formatUtc(f.eventTime)],
    [
      "Identity",
      `${field(f.arn, "arn not recorded")}${f.accessKeyId ? `, access key ${oneLine(f.accessKeyId, 200)}` : ""}`,
    ],
    ["CloudTrail event ID", field(f.eventId)],
    ["CloudTrail console", link ?? "link not available (region or event ID missing or not valid)"],
    ["Severity", `${sev}: ${oneLine(verdict.reason, FIELD_MAX_BYTES)}`],
  );
  const parts = [`ROOT USER ACTIVITY (${sev})`, "", lines(rows), "", `WHAT TO DO NOW: ${verdict.advice}`];
  if (f.requestParameters !== undefined && f.requestParameters !== null) {
    parts.push("", "Request parameters:", block(safeJson(f.requestParameters), REQUEST_PARAMETERS_MAX_BYTES));
  }
  parts.push("", footer(now, f.envelopeId, sqsMessageId));
  return finish(subject, parts.join("\n"), verdict.severity);
}

/** Subject and body for a root-activity event that could not be read. */
export function buildUnreadableAlert(
  problem: string,
  partial: PartialFacts,
  raw: string,
  name: AccountName,
  now: Date,
  sqsMessageId?: string,
): Alert {
  const severity = UNREADABLE_SEVERITY;
  const subject = buildSubject(
    severity,
    "Unreadable root-activity event",
    partial.accountId,
    name.ok ? name.name : undefined,
  );
  const link = consoleLink(partial.region, partial.eventId);
  const rows: [string, string][] = [
    ["Problem", oneLine(problem, 2000)],
    ["Account", accountLine(partial.accountId, name)],
    ["Event", field(partial.eventName, "unknown")],
    ["Region", field(partial.region, "unknown")],
    ["Time (UTC)", formatUtc(partial.eventTime)],
    ["CloudTrail event ID", field(partial.eventId, "unknown")],
  ];
  if (link) rows.push(["CloudTrail console", link]);
  rows.push([
    "Severity",
    `${severity.toUpperCase()}: an event that matched the root rule but could not be read`,
  ]);
  const parts = [
    `UNREADABLE ROOT-ACTIVITY EVENT (${severity.toUpperCase()})`,
    "",
    "The notifier received an event that passed the root-activity rule but could not be read.",
    "",
    lines(rows),
    "",
    `WHAT TO DO NOW: ${UNREADABLE_ADVICE}`,
    "",
    `Raw payload (${utf8Bytes(raw)} bytes${utf8Bytes(raw) > RAW_PAYLOAD_MAX_BYTES ? `, truncated to ${RAW_PAYLOAD_MAX_BYTES}` : ""}):`,
    block(raw, RAW_PAYLOAD_MAX_BYTES),
    "",
    footer(now, partial.envelopeId, sqsMessageId),
  ];
  return finish(subject, parts.join("\n"), severity);
}

/** Text of any input for the raw-payload section, without throwing. */
export function rawText(input: unknown): string {
  if (typeof input === "string") return input;
  if (input === undefined) return "(undefined)";
  return safeJson(input);
}
