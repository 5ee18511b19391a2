// The alert for a change to the monitor itself: how bad it is (critical when it went through, high
// when it was refused or failed), and the alert naming who, from where, what, which rule or role,
// and whether the guard stopped it. No Pulumi imports: serialized into the Lambda.
import {
  DOC_SCHEMA,
  FULL_CAPS,
  type AccountName,
  type Alert,
  type AlertContext,
  type Caps,
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
import type { RootEventFacts, TamperFacts } from "./facts";
import type { SeverityVerdict } from "./severity";
import { block, capBytes, oneLine } from "./text";

/** Values of the `tamper` message attribute: every tamper alert has one, no other alert does. */
export const TAMPER_VALUES = ["changed", "denied", "failed"] as const;

const RESTORE =
  "Restore it: run `pulumi up` on the spoke stack that watches this account (or let the drift schedule do it), " +
  "then find out who made the call and why; a person who can blind the monitor can also act unseen.";

function what(t: TamperFacts): string {
  return `the monitor's ${t.kind === "rule" ? "forwarding rule" : "forwarder role"} ${t.name}`;
}

/** Severity, reason and advice of a tamper event. */
export function tamperVerdict(t: TamperFacts, eventName: string): SeverityVerdict {
  const call = oneLine(eventName, 100);
  if (t.outcome === "changed") {
    return {
      severity: "critical",
      reason: `${call} changed ${what(t)}: this account${t.kind === "rule" ? " and region" : ""} may no longer be watched.`,
      advice: `${RESTORE} Turn the guard on (guardMonitor) if it is off for this account.`,
    };
  }
  const stopped =
    t.outcome === "denied"
      ? t.bySCP
        ? "refused by a service control policy (the guard)"
        : "refused (AccessDenied, not by a service control policy)"
      : "failed";
  return {
    severity: "high",
    reason: `Someone tried to ${call} ${what(t)}; the call was ${stopped}.`,
    advice:
      "Nothing changed, but someone tried to blind the monitor: find out who made the call and why, and " +
      "check what else that principal did in this account.",
  };
}

/** "denied by the guard (a service control policy)", ..., for the Guard line. */
function guardLine(f: RootEventFacts, t: TamperFacts, cap: number): string {
  const err = [
    f.errorCode ? `errorCode ${oneLine(f.errorCode, 300)}` : "",
    f.errorMessage ? `errorMessage "${oneLine(f.errorMessage, cap)}"` : "",
  ]
    .filter(Boolean)
    .join(", ");
  if (t.outcome === "changed") return "did NOT stop it: the call succeeded (no errorCode)";
  if (t.outcome === "denied" && t.bySCP) return `STOPPED it: denied by a service control policy (${err})`;
  if (t.outcome === "denied") return `refused, but not by a service control policy (${err})`;
  return `not involved: the call failed (${err})`;
}

/** Who made the call: the identity, and the role behind a session. */
function whoLine(f: RootEventFacts, cap: number): string {
  const type = f.identityType ?? "unknown type";
  const arn = field(f.arn, cap, "arn not recorded");
  const issuer = f.issuerArn && f.issuerArn !== f.arn ? ` (role ${oneLine(f.issuerArn, cap)})` : "";
  return `${arn}${issuer}, ${oneLine(type, 100)}${f.tamper?.byRoot ? " (ROOT USER)" : ""}`;
}

export function buildTamperAlert(
  f: RootEventFacts,
  t: TamperFacts,
  verdict: SeverityVerdict,
  name: AccountName,
  now: Date,
  caps: Caps = FULL_CAPS,
  sqsMessageId?: string,
  ctx: AlertContext = {},
): Alert {
  const sev = verdict.severity.toUpperCase();
  const verb = t.outcome === "changed" ? "" : ` ${t.outcome}`;
  const subject = buildSubject(
    verdict.severity,
    `Monitor tampering${verb}: ${f.eventName} on its ${t.kind}${t.byRoot ? " by root" : ""}`,
    f.accountId,
    name.ok ? name.name : undefined,
  );
  const link = consoleLink(f.region, f.eventId);
  const account = accountLine(f.accountId, name);
  const who = whoLine(f, caps.field);
  const guard = guardLine(f, t, caps.field);
  const target = `${t.kind} ${oneLine(t.name, 200)}`;
  const rows: [string, string][] = [
    ["Account", account],
    ["Region", field(f.region, caps.field)],
    [
      "Call",
      `${oneLine(f.eventName, 300)} (${field(f.eventSource, caps.field, "event source not recorded")})`,
    ],
    ["Target", target],
    ["Outcome", t.outcome],
    ["Guard", guard],
    ["Who", who],
    ["Source IP", field(f.sourceIp, caps.field)],
    ["User agent", field(f.userAgent, caps.field)],
    ["Time (UTC)", formatUtc(f.eventTime)],
    ["CloudTrail event ID", field(f.eventId, caps.field)],
    ["CloudTrail console", link ?? "link not available (region or event ID missing or not valid)"],
    ["Severity", `${sev}: ${oneLine(verdict.reason, caps.field)}`],
  ];
  const parts = [`MONITOR TAMPERING (${sev})`, "", lines(rows), "", `WHAT TO DO NOW: ${verdict.advice}`];
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
      result: t.outcome === "changed" ? "success" : "failed",
      resultDetail: guard,
      sourceIp: docValue(f.sourceIp, caps.field),
      userAgent: docValue(f.userAgent, caps.field),
      identityArn: docValue(f.arn, caps.field),
      identityType: docValue(f.identityType, 100),
      sessionIssuer: docValue(f.issuerArn, caps.field),
      requestParameters: params ?? null,
    },
    tamper: {
      target: t.kind,
      name: oneLine(t.name, 200),
      outcome: t.outcome,
      stoppedByGuard: t.outcome === "denied" && t.bySCP,
      byRoot: t.byRoot,
    },
    reason: oneLine(verdict.reason, caps.field),
    advice: verdict.advice,
    cloudTrailUrl: link ?? null,
    envelopeId: docValue(f.envelopeId, 100),
    sqsMessageId: docValue(sqsMessageId, 100),
    generatedAt: now.toISOString(),
  };
  return {
    kind: "alert",
    severity: verdict.severity,
    subject,
    text: capBytes(parts.join("\n"), caps.text),
    doc,
    chat: {
      title: subject,
      facts: [
        ["Account", account],
        ["Call", oneLine(f.eventName, 100)],
        ["Target", target],
        ["Guard", guard],
        ["Who", who],
        ["Source IP", field(f.sourceIp, 200)],
        ["Region", field(f.region, 100)],
        ["Time", formatUtc(f.eventTime)],
      ],
      nextSteps: [verdict.advice, link ? `Open the event in CloudTrail: ${link}` : ""].filter(Boolean),
      keywords: keywords(verdict.severity, "tamper", f.eventName, f.accountId, f.region),
      threadId: threadOf(f.accountId),
      ...(link ? { link } : {}),
    },
    // `tamper` routes these apart; `rootAccess` only when root made the change.
    attributes: attributesOf("alert", verdict.severity, f.accountId, name, f.eventName, f.region, {
      tamper: t.outcome,
      ...(t.byRoot
        ? { rootAccess: f.access === "root-session" && !ctx.session ? "unattributed-root-session" : f.access }
        : {}),
    }),
  };
}
