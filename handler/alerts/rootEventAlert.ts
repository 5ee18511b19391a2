// Turns a root event into an alert meant to be read at 3 a.m.: one model per alert (subject, plain-
// text body, stable JSON document, chat card content, routing attributes) that formats.ts renders
// per protocol. The other alerts are in notices.ts and digest.ts.
import {
  DOC_SCHEMA,
  FULL_CAPS,
  type AccountName,
  type Alert,
  type AlertContext,
  type Caps,
  type ROOT_ACCESS_VALUES,
} from "./alertModel";
import {
  accountDoc,
  accountLine,
  attributesOf,
  buildSubject,
  consoleLink,
  docValue,
  field,
  footer,
  formatUtc,
  keywords,
  lines,
  safeJson,
  threadOf,
} from "./alertParts";
import { resultOf, type RootEventFacts } from "../classify/facts";
import { CONSOLE_INVOKED_BY, ROOT_IDENTITY_TYPE } from "../classify/rootEvent";
import type { SeverityVerdict } from "../classify/severity";
import { tamperDoc, tamperRows, tamperSubject } from "./tamperAlert";
import { block, capBytes, oneLine } from "../support/text";

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

function howLine(f: RootEventFacts, cap: number): string {
  if (f.isSignIn) return "console sign-in";
  if (f.invokedBy === undefined) return "API call (CLI, SDK or console; see user agent)";
  const by = oneLine(f.invokedBy, Math.min(cap, 200));
  if (f.invokedBy.trim().toLowerCase() === CONSOLE_INVOKED_BY)
    return `API call made in the AWS console (invokedBy ${by})`;
  return `API call (invokedBy "${by}", not a known AWS service principal)`;
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

export interface RootEventAlertInput {
  facts: RootEventFacts;
  verdict: SeverityVerdict;
  name: AccountName;
  now: Date;
  caps?: Caps;
  sqsMessageId?: string | undefined;
  ctx?: AlertContext;
}

/** What the alert's parts (text, document, chat, attributes) all say, worked out once. */
function viewOf(input: RootEventAlertInput) {
  const { facts: f, verdict, name, caps = FULL_CAPS, ctx = {} } = input;
  const assume = f.access === "assume-root";
  // A change to the monitor itself (root's or anyone's) is one alert, told as tamper.
  const t = f.tamper;
  const subject = buildSubject(
    verdict.severity,
    t
      ? tamperSubject(f, t)
      : assume
        ? `AssumeRoot ${f.taskPolicy ?? ""} into ${f.targetAccount ?? "unknown"}`
        : `Root ${f.eventName}`,
    f.accountId,
    name.ok ? name.name : undefined,
  );
  const params =
    f.requestParameters !== undefined && f.requestParameters !== null
      ? block(safeJson(f.requestParameters), caps.requestParameters)
      : undefined;
  return {
    ...input,
    f,
    caps,
    ctx,
    t,
    subject,
    sev: verdict.severity.toUpperCase(),
    access: accessLine(f, ctx, caps.field),
    by: assume ? f.arn : ctx.session?.by,
    task: assume ? f.taskPolicy : ctx.session?.taskPolicy,
    target: assume
      ? accountLine(f.targetAccount, ctx.target ?? { ok: false, reason: "not looked up" })
      : undefined,
    link: consoleLink(f.region, f.eventId),
    account: accountLine(f.accountId, name),
    result: resultLine(f, caps.field),
    mfa: mfaLine(f),
    params,
  };
}

type AlertView = ReturnType<typeof viewOf>;

/** The email and SMS text: one fact a line, the advice, the request, the footer. */
function textOf(v: AlertView): string {
  const { f, caps, t } = v;
  const rows: [string, string][] = [
    ["Account", v.account],
    [
      "Event",
      `${oneLine(f.eventName, 300)} (${field(f.eventSource, caps.field, "event source not recorded")})`,
    ],
    ["Result", v.result],
    ...(t ? tamperRows(f, t, caps.field) : []),
    ["Read-only", f.readOnly === undefined ? "not recorded" : f.readOnly ? "yes" : "no"],
    ["How", howLine(f, caps.field)],
  ];
  if (v.access) rows.push(["Access", v.access]);
  if (v.target) {
    rows.push(
      ["Target account", v.target],
      ["Task policy", field(f.taskPolicy, caps.field)],
      ["Session issuer", field(f.issuerArn, caps.field)],
      ["Source identity", field(f.sourceIdentity, caps.field)],
      ["Session key", field(f.issuedKey, caps.field)],
    );
  }
  if (v.mfa) rows.push(v.mfa);
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
    ["CloudTrail console", v.link ?? "link not available (region or event ID missing or not valid)"],
    ["Severity", `${v.sev}: ${oneLine(v.verdict.reason, caps.field)}`],
  );
  const parts = [
    `${t ? "MONITOR TAMPERING" : "ROOT USER ACTIVITY"} (${v.sev})`,
    "",
    lines(rows),
    "",
    `WHAT TO DO NOW: ${v.verdict.advice}`,
  ];
  if (v.params !== undefined) parts.push("", "Request parameters:", v.params);
  parts.push("", footer(v.now, f.envelopeId, v.sqsMessageId));
  return capBytes(parts.join("\n"), caps.text);
}

/** The JSON document (the email-json, sqs, lambda and https protocols). */
function docOf(v: AlertView) {
  const { f, caps, t } = v;
  return {
    schema: DOC_SCHEMA,
    kind: "alert",
    severity: v.verdict.severity,
    title: v.subject,
    account: accountDoc(f.accountId, v.name),
    event: {
      name: oneLine(f.eventName, 300),
      source: docValue(f.eventSource, caps.field),
      id: docValue(f.eventId, caps.field),
      time: docValue(f.eventTime, 100),
      region: docValue(f.region, caps.field),
      result: resultOf(f),
      resultDetail: v.result,
      readOnly: f.readOnly ?? null,
      how: howLine(f, caps.field),
      mfaUsed: v.mfa ? v.mfa[1].startsWith("yes") : null,
      sourceIp: docValue(f.sourceIp, caps.field),
      userAgent: docValue(f.userAgent, caps.field),
      identityArn: docValue(f.arn, caps.field),
      accessKeyId: docValue(f.accessKeyId, 200),
      requestParameters: v.params ?? null,
    },
    ...(t ? { tamper: tamperDoc(t) } : {}),
    access:
      t && !t.byRoot
        ? null
        : {
            type: rootAccessOf(f, v.ctx),
            by: docValue(v.by, caps.field),
            taskPolicy: docValue(v.task, caps.field),
            targetAccountId: docValue(f.targetAccount, 100),
          },
    reason: oneLine(v.verdict.reason, caps.field),
    advice: v.verdict.advice,
    cloudTrailUrl: v.link ?? null,
    envelopeId: docValue(f.envelopeId, 100),
    sqsMessageId: docValue(v.sqsMessageId, 100),
    generatedAt: v.now.toISOString(),
  };
}

/** The chat card: the few facts that fit, the advice and the console link. */
function chatOf(v: AlertView): Alert["chat"] {
  const { f, t } = v;
  const facts: [string, string][] = [
    ["Account", v.account],
    ["Result", v.result],
    ...(t ? tamperRows(f, t, 200) : []),
  ];
  if (v.access) facts.push(["Access", v.access]);
  if (v.target) facts.push(["Target account", v.target]);
  if (v.mfa) facts.push(v.mfa);
  facts.push(
    ["Source IP", field(f.sourceIp, 200)],
    ["Region", field(f.region, 100)],
    ["Time", formatUtc(f.eventTime)],
    ["Why", oneLine(v.verdict.reason, 500)],
  );
  return {
    title: v.subject,
    facts,
    nextSteps: [v.verdict.advice, v.link ? `Open the event in CloudTrail: ${v.link}` : ""].filter(Boolean),
    keywords: keywords(v.verdict.severity, f.eventName, f.accountId, f.region),
    threadId: threadOf(f.accountId),
    ...(v.link ? { link: v.link } : {}),
  };
}

/** The alert for an event that is root activity. */
export function buildAlert(input: RootEventAlertInput): Alert {
  const v = viewOf(input);
  const { f, t } = v;
  return {
    kind: "alert",
    severity: v.verdict.severity,
    subject: v.subject,
    text: textOf(v),
    doc: docOf(v),
    chat: chatOf(v),
    attributes: attributesOf({
      kind: "alert",
      severity: v.verdict.severity,
      accountId: f.accountId,
      name: v.name,
      eventName: f.eventName,
      region: f.region,
      more: {
        tamper: t?.outcome,
        // Only root's own tamper carries rootAccess: an administrator's is no root access.
        rootAccess: !t || t.byRoot ? rootAccessOf(f, v.ctx) : undefined,
        taskPolicy: v.task,
        assumedBy: v.by,
      },
    }),
  };
}
