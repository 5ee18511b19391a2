// Turns a decision into an alert meant to be read at 3 a.m.: one model per alert (subject, plain-text
// body, stable JSON document, chat card content, routing attributes) that formats.ts renders per
// protocol. No Pulumi imports: serialized into the Lambda.
import type { PartialFacts, RootEventFacts, SelfTestFacts } from "./classify";
import { CONSOLE_INVOKED_BY, ROOT_IDENTITY_TYPE } from "./rootEvent";
import { SELF_TEST_SOURCE } from "./selfTest";
import { UNREADABLE_ADVICE, UNREADABLE_SEVERITY, type Severity, type SeverityVerdict } from "./severity";
import type { RootSession } from "./stateStore";
import {
  asciiOnly,
  block,
  capBytes,
  isAccountId,
  oneLine,
  toSnsSubject,
  truncateAscii,
  utf8Bytes,
} from "./text";

/** Size caps in UTF-8 bytes. formats.ts scales them down when the whole SNS message would not fit. */
export interface Caps {
  field: number;
  requestParameters: number;
  raw: number;
  text: number;
}
export const FULL_CAPS: Caps = { field: 1000, requestParameters: 4000, raw: 32_000, text: 64_000 };
export const RAW_PAYLOAD_MAX_BYTES = FULL_CAPS.raw;
export const MESSAGE_MAX_BYTES = FULL_CAPS.text;

export function scaleCaps(factor: number): Caps {
  const s = (n: number) => Math.max(64, Math.floor(n * factor));
  return {
    field: s(FULL_CAPS.field),
    requestParameters: s(FULL_CAPS.requestParameters),
    raw: s(FULL_CAPS.raw),
    text: s(FULL_CAPS.text),
  };
}

/** The outcome of the account-name lookup. */
export type AccountName = { ok: true; name: string } | { ok: false; reason: string };

export type AlertKind = "alert" | "unreadable" | "digest" | "test";

/** Values of the `rootAccess` attribute: root's own credentials, root sessions, AssumeRoot calls. */
export const ROOT_ACCESS_VALUES = [
  "root-credentials",
  "root-session",
  "unattributed-root-session",
  "assume-root",
] as const;

/** What the notifier learned beside the event: the AssumeRoot target's name, who opened the session. */
export interface AlertContext {
  target?: AccountName;
  session?: RootSession | undefined;
}

/** What a chat card shows (formats.ts wraps it in the chat schema). Values are already sanitized. */
export interface ChatContent {
  title: string;
  /** [label, value] pairs; values are plain text, formats.ts escapes them per chat platform. */
  facts: [string, string][];
  nextSteps: string[];
  keywords: string[];
  threadId: string;
  link?: string;
}

export interface Alert {
  kind: AlertKind;
  /** `test` for self-tests; a severity otherwise. Also the `severity` message attribute. */
  severity: Severity | "test";
  subject: string;
  /** Plain text laid out for reading (the email body). */
  text: string;
  /** The stable JSON document (`default` and `email-json`), described in the README. */
  doc: Record<string, unknown>;
  chat: ChatContent;
  /** SNS message attributes for subscription filter policies. Arrays become String.Array. */
  attributes: Record<string, string | string[]>;
}

export const DOC_SCHEMA = "root-activity-monitor/alert/v1";
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

function accountLine(accountId: string | undefined, name: AccountName): string {
  if (!accountId) return "unknown (no account ID in the event)";
  const id = oneLine(accountId, 100);
  if (name.ok) return `${oneLine(name.name, 200)} (${id})`;
  return `${id} (account name unavailable: ${oneLine(name.reason, 300)})`;
}

function accountDoc(accountId: string | undefined, name: AccountName): Record<string, unknown> {
  return {
    id: docValue(accountId, 100),
    name: name.ok ? oneLine(name.name, 200) : null,
    ...(name.ok ? {} : { nameUnavailable: oneLine(name.reason, 300) }),
  };
}

/** Routing attributes; empty values are left out (SNS rejects them). */
function attributesOf(
  kind: AlertKind,
  severity: string,
  accountId: string | undefined,
  name: AccountName,
  eventName: string | undefined,
  region: string | undefined,
  more: Record<string, string | undefined> = {},
): Record<string, string | string[]> {
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

/** The `rootAccess` attribute: a root session nobody was seen opening is told apart. */
function rootAccessOf(f: RootEventFacts, ctx: AlertContext): (typeof ROOT_ACCESS_VALUES)[number] {
  return f.access === "root-session" && !ctx.session ? "unattributed-root-session" : f.access;
}

/** Which root access this is, and who opened it when known: the "Access" line (none for plain root). */
function accessLine(f: RootEventFacts, ctx: AlertContext, cap: number): string | undefined {
  const s = ctx.session;
  if (f.access === "assume-root") return "AssumeRoot call: opens a root session in the target account";
  if (s) {
    return `root session opened with AssumeRoot by ${field(s.by, cap)} (task policy ${field(s.taskPolicy, cap)}) at ${formatUtc(s.at)}`;
  }
  if (f.access === "root-session") {
    return `temporary root credentials: an AssumeRoot session or a root GetSessionToken; not attributed yet: search the management account's CloudTrail for the AssumeRoot that returned ${field(f.accessKeyId, cap)}`;
  }
  if (f.issuerType === ROOT_IDENTITY_TYPE) {
    return `a session root issued with GetFederationToken (${field(f.issuerArn, cap)})`;
  }
  return undefined;
}

/** A sanitized, capped value for the JSON document, or null. */
function docValue(v: string | undefined, cap: number): string | null {
  return v ? oneLine(v, cap) : null;
}

/** Chat thread per account; anything but a 12-digit ID (an unreadable event's) threads as unknown. */
function threadOf(accountId: string | undefined): string {
  return `root-activity-${isAccountId(accountId) ? accountId : "unknown"}`;
}

function field(v: string | undefined, cap: number, fallback = "not recorded"): string {
  return v === undefined || v === "" ? fallback : oneLine(v, cap);
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

function keywords(...words: (string | undefined)[]): string[] {
  return words.filter((w): w is string => !!w).map((w) => oneLine(w, 60));
}

function howLine(f: RootEventFacts, cap: number): string {
  if (f.isSignIn) return "console sign-in";
  if (f.invokedBy === undefined) return "API call (CLI, SDK or console; see user agent)";
  const by = oneLine(f.invokedBy, Math.min(cap, 200));
  if (f.invokedBy.trim().toLowerCase() === CONSOLE_INVOKED_BY)
    return `API call made in the AWS console (invokedBy ${by})`;
  return `API call (invokedBy "${by}", not a known AWS service principal)`;
}

/** "success", "failed" or "unknown", for digests and the JSON document. */
export function resultOf(f: RootEventFacts): "success" | "failed" | "unknown" {
  if (f.failed) return "failed";
  if (f.isSignIn && f.signInResult?.trim().toLowerCase() !== "success") return "unknown";
  return "success";
}

function resultLine(f: RootEventFacts, cap: number): string {
  const err = [
    f.errorCode ? `errorCode ${oneLine(f.errorCode, 300)}` : "",
    f.errorMessage ? `errorMessage "${oneLine(f.errorMessage, cap)}"` : "",
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

function mfaLine(f: RootEventFacts): [string, string] | undefined {
  if (f.isSignIn || f.eventName === "ConsoleLogin") {
    return [
      "MFA used",
      f.mfaUsedRaw === undefined
        ? "no (MFAUsed not recorded)"
        : `${f.mfaUsed ? "yes" : "no"} (MFAUsed = "${oneLine(f.mfaUsedRaw, 50)}")`,
    ];
  }
  if (f.sessionMfaAuthenticated === undefined) return undefined;
  const v = oneLine(f.sessionMfaAuthenticated, 50);
  return ["MFA session", v === "true" ? "yes" : `no (mfaAuthenticated = "${v}")`];
}

/** The alert for an event that is root activity. */
export function buildAlert(
  f: RootEventFacts,
  verdict: SeverityVerdict,
  name: AccountName,
  now: Date,
  caps: Caps = FULL_CAPS,
  sqsMessageId?: string,
  ctx: AlertContext = {},
): Alert {
  const sev = verdict.severity.toUpperCase();
  const assume = f.access === "assume-root";
  const subject = buildSubject(
    verdict.severity,
    assume ? `AssumeRoot ${f.taskPolicy ?? ""} into ${f.targetAccount ?? "unknown"}` : `Root ${f.eventName}`,
    f.accountId,
    name.ok ? name.name : undefined,
  );
  const access = accessLine(f, ctx, caps.field);
  const by = assume ? f.arn : ctx.session?.by;
  const task = assume ? f.taskPolicy : ctx.session?.taskPolicy;
  const target = assume
    ? accountLine(f.targetAccount, ctx.target ?? { ok: false, reason: "not looked up" })
    : undefined;
  const link = consoleLink(f.region, f.eventId);
  const account = accountLine(f.accountId, name);
  const result = resultLine(f, caps.field);
  const mfa = mfaLine(f);
  const rows: [string, string][] = [
    ["Account", account],
    [
      "Event",
      `${oneLine(f.eventName, 300)} (${field(f.eventSource, caps.field, "event source not recorded")})`,
    ],
    ["Result", result],
    ["Read-only", f.readOnly === undefined ? "not recorded" : f.readOnly ? "yes" : "no"],
    ["How", howLine(f, caps.field)],
  ];
  if (access) rows.push(["Access", access]);
  if (target) {
    rows.push(
      ["Target account", target],
      ["Task policy", field(f.taskPolicy, caps.field)],
      ["Session issuer", field(f.issuerArn, caps.field)],
      ["Source identity", field(f.sourceIdentity, caps.field)],
      ["Session key", field(f.issuedKey, caps.field)],
    );
  }
  if (mfa) rows.push(mfa);
  rows.push(
    ["Region", field(f.region, caps.field)],
    ["Source IP", field(f.sourceIp, caps.field)],
    ["User agent", field(f.userAgent, caps.field)],
    ["Time (UTC)", formatUtc(f.eventTime)],
    [
      "Identity",
      `${field(f.arn, caps.field, "arn not recorded")}${f.accessKeyId ? `, access key ${oneLine(f.accessKeyId, 200)}` : ""}`,
    ],
    ["CloudTrail event ID", field(f.eventId, caps.field)],
    ["CloudTrail console", link ?? "link not available (region or event ID missing or not valid)"],
    ["Severity", `${sev}: ${oneLine(verdict.reason, caps.field)}`],
  );
  const parts = [`ROOT USER ACTIVITY (${sev})`, "", lines(rows), "", `WHAT TO DO NOW: ${verdict.advice}`];
  const params =
    f.requestParameters !== undefined && f.requestParameters !== null
      ? block(safeJson(f.requestParameters), caps.requestParameters)
      : undefined;
  if (params !== undefined) parts.push("", "Request parameters:", params);
  parts.push("", footer(now, f.envelopeId, sqsMessageId));

  const doc = {
    schema: DOC_SCHEMA,
    kind: "alert",
    severity: verdict.severity,
    title: subject,
    account: accountDoc(f.accountId, name),
    event: {
      name: oneLine(f.eventName, 300),
      source: docValue(f.eventSource, caps.field),
      id: docValue(f.eventId, caps.field),
      time: docValue(f.eventTime, 100),
      region: docValue(f.region, caps.field),
      result: resultOf(f),
      resultDetail: result,
      readOnly: f.readOnly ?? null,
      how: howLine(f, caps.field),
      mfaUsed: mfa ? mfa[1].startsWith("yes") : null,
      sourceIp: docValue(f.sourceIp, caps.field),
      userAgent: docValue(f.userAgent, caps.field),
      identityArn: docValue(f.arn, caps.field),
      accessKeyId: docValue(f.accessKeyId, 200),
      requestParameters: params ?? null,
    },
    access: {
      type: rootAccessOf(f, ctx),
      by: docValue(by, caps.field),
      taskPolicy: docValue(task, caps.field),
      targetAccountId: docValue(f.targetAccount, 100),
    },
    reason: oneLine(verdict.reason, caps.field),
    advice: verdict.advice,
    cloudTrailUrl: link ?? null,
    envelopeId: docValue(f.envelopeId, 100),
    sqsMessageId: docValue(sqsMessageId, 100),
    generatedAt: now.toISOString(),
  };
  const facts: [string, string][] = [
    ["Account", account],
    ["Result", result],
  ];
  if (access) facts.push(["Access", access]);
  if (target) facts.push(["Target account", target]);
  if (mfa) facts.push(mfa);
  facts.push(
    ["Source IP", field(f.sourceIp, 200)],
    ["Region", field(f.region, 100)],
    ["Time", formatUtc(f.eventTime)],
    ["Why", oneLine(verdict.reason, 500)],
  );
  return {
    kind: "alert",
    severity: verdict.severity,
    subject,
    text: capBytes(parts.join("\n"), caps.text),
    doc,
    chat: {
      title: subject,
      facts,
      nextSteps: [verdict.advice, link ? `Open the event in CloudTrail: ${link}` : ""].filter(Boolean),
      keywords: keywords(verdict.severity, f.eventName, f.accountId, f.region),
      threadId: threadOf(f.accountId),
      ...(link ? { link } : {}),
    },
    attributes: attributesOf("alert", verdict.severity, f.accountId, name, f.eventName, f.region, {
      rootAccess: rootAccessOf(f, ctx),
      taskPolicy: task,
      assumedBy: by,
    }),
  };
}

/** The alert for a root-activity event that could not be read. */
export function buildUnreadableAlert(
  problem: string,
  partial: PartialFacts,
  raw: string,
  name: AccountName,
  now: Date,
  caps: Caps = FULL_CAPS,
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
  const account = accountLine(partial.accountId, name);
  const problemLine = oneLine(problem, Math.max(caps.field, 2000));
  const rows: [string, string][] = [
    ["Problem", problemLine],
    ["Account", account],
    ["Event", field(partial.eventName, caps.field, "unknown")],
    ["Region", field(partial.region, caps.field, "unknown")],
    ["Time (UTC)", formatUtc(partial.eventTime)],
    ["CloudTrail event ID", field(partial.eventId, caps.field, "unknown")],
  ];
  if (link) rows.push(["CloudTrail console", link]);
  rows.push([
    "Severity",
    `${severity.toUpperCase()}: an event that matched the root rule but could not be read`,
  ]);
  const rawBytes = utf8Bytes(raw);
  const rawShown = block(raw, caps.raw);
  const parts = [
    `UNREADABLE ROOT-ACTIVITY EVENT (${severity.toUpperCase()})`,
    "",
    "The notifier received an event that passed the root-activity rule but could not be read.",
    "",
    lines(rows),
    "",
    `WHAT TO DO NOW: ${UNREADABLE_ADVICE}`,
    "",
    `Raw payload (${rawBytes} bytes${rawBytes > caps.raw ? `, truncated to ${caps.raw}` : ""}):`,
    rawShown,
    "",
    footer(now, partial.envelopeId, sqsMessageId),
  ];
  return {
    kind: "unreadable",
    severity,
    subject,
    text: capBytes(parts.join("\n"), caps.text),
    doc: {
      schema: DOC_SCHEMA,
      kind: "unreadable",
      severity,
      title: subject,
      problem: problemLine,
      account: accountDoc(partial.accountId, name),
      event: {
        name: docValue(partial.eventName, caps.field),
        id: docValue(partial.eventId, caps.field),
        time: docValue(partial.eventTime, 100),
        region: docValue(partial.region, caps.field),
      },
      advice: UNREADABLE_ADVICE,
      cloudTrailUrl: link ?? null,
      rawPayload: rawShown,
      envelopeId: docValue(partial.envelopeId, 100),
      sqsMessageId: docValue(sqsMessageId, 100),
      generatedAt: now.toISOString(),
    },
    chat: {
      title: subject,
      facts: [
        ["Problem", oneLine(problem, 500)],
        ["Account", account],
        ["Time", formatUtc(partial.eventTime)],
      ],
      nextSteps: [UNREADABLE_ADVICE],
      keywords: keywords(severity, "unreadable", partial.accountId),
      threadId: threadOf(partial.accountId),
      ...(link ? { link } : {}),
    },
    attributes: attributesOf(
      "unreadable",
      severity,
      partial.accountId,
      name,
      partial.eventName,
      partial.region,
    ),
  };
}

export const TEST_ADVICE =
  "Nothing to do: this proves alerts reach you. A real root alert never says [TEST] and never comes from the self-test source.";

/** The [TEST] alert for a self-test event. Never a severity: filter policies on severity skip it. */
export function buildTestAlert(t: SelfTestFacts, name: AccountName, now: Date, sqsMessageId?: string): Alert {
  const testId = t.testId ? oneLine(t.testId, 100) : "no test ID";
  const subject = buildSubject(
    "test",
    `Self-test ${asciiOnly(testId)}`,
    t.accountId,
    name.ok ? name.name : undefined,
  );
  const account = accountLine(t.accountId, name);
  const rows: [string, string][] = [
    ["Test ID", testId],
    ["Sent from", account],
    ["Region", field(t.region, 100)],
    [
      "Path",
      t.via === "spoke" ? "member account's forwarding rule, then the hub" : "straight onto the hub bus",
    ],
    ["Requested by", field(t.requestedBy, 200)],
    ["Time (UTC)", formatUtc(t.time)],
  ];
  const text = [
    "ROOT ACTIVITY MONITOR SELF-TEST (TEST)",
    "",
    `This is a test, not root activity. It was sent with the source ${SELF_TEST_SOURCE}, which real CloudTrail events never carry.`,
    "",
    lines(rows),
    "",
    TEST_ADVICE,
    "",
    footer(now, t.envelopeId, sqsMessageId),
  ].join("\n");
  return {
    kind: "test",
    severity: "test",
    subject,
    text,
    doc: {
      schema: DOC_SCHEMA,
      kind: "test",
      severity: "test",
      title: subject,
      testId: docValue(t.testId, 100),
      account: accountDoc(t.accountId, name),
      region: docValue(t.region, 100),
      via: docValue(t.via, 100),
      requestedBy: docValue(t.requestedBy, 200),
      envelopeId: docValue(t.envelopeId, 100),
      sqsMessageId: docValue(sqsMessageId, 100),
      generatedAt: now.toISOString(),
    },
    chat: {
      title: subject,
      facts: rows,
      nextSteps: [TEST_ADVICE],
      keywords: keywords("test", t.accountId),
      threadId: `root-activity-selftest`,
    },
    attributes: attributesOf("test", "test", t.accountId, name, "SelfTest", t.region),
  };
}

/** Text of any input for the raw-payload section, without throwing. */
export function rawText(input: unknown): string {
  if (typeof input === "string") return input;
  if (input === undefined) return "(undefined)";
  return safeJson(input);
}
