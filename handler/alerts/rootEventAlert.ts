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
    ...(t ? tamperRows(f, t, caps.field) : []),
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
  const parts = [
    `${t ? "MONITOR TAMPERING" : "ROOT USER ACTIVITY"} (${sev})`,
    "",
    lines(rows),
    "",
    `WHAT TO DO NOW: ${verdict.advice}`,
  ];
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
    ...(t ? { tamper: tamperDoc(t) } : {}),
    access:
      t && !t.byRoot
        ? null
        : {
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
    ...(t ? tamperRows(f, t, 200) : []),
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
      tamper: t?.outcome,
      // Only root's own tamper carries rootAccess: an administrator's is no root access.
      rootAccess: !t || t.byRoot ? rootAccessOf(f, ctx) : undefined,
      taskPolicy: task,
      assumedBy: by,
    }),
  };
}
