// The alert for an event that matched the root rule but could not be read: what could be read, and
// the payload as received.
import type { PartialFacts } from "../classify/facts";
import { DOC_SCHEMA, FULL_CAPS, type AccountName, type Alert, type Caps } from "./alertModel";
import * as part from "./alertParts";
import { UNREADABLE_ADVICE, UNREADABLE_SEVERITY } from "../classify/severity";
import { block, capBytes, oneLine, utf8Bytes } from "../support/text";

export interface UnreadableAlertInput {
  /** What could not be read, for the reader. */
  problem: string;
  /** What could be read. */
  partial: PartialFacts;
  /** The payload as received. */
  raw: string;
  name: AccountName;
  now: Date;
  caps?: Caps;
  sqsMessageId?: string | undefined;
}

/** The text's facts: what the problem is and what of the event could be read. */
function factRows(
  partial: PartialFacts,
  problemLine: string,
  account: string,
  link: string | undefined,
  cap: number,
): [string, string][] {
  const rows: [string, string][] = [
    ["Problem", problemLine],
    ["Account", account],
    ["Event", part.field(partial.eventName, cap, "unknown")],
    ["Region", part.field(partial.region, cap, "unknown")],
    ["Time (UTC)", part.formatUtc(partial.eventTime)],
    ["CloudTrail event ID", part.field(partial.eventId, cap, "unknown")],
  ];
  if (link) rows.push(["CloudTrail console", link]);
  rows.push([
    "Severity",
    `${UNREADABLE_SEVERITY.toUpperCase()}: an event that matched the root rule but could not be read`,
  ]);
  return rows;
}

/** What of the event the JSON document can name. */
function eventDoc(partial: PartialFacts, cap: number) {
  return {
    name: part.docValue(partial.eventName, cap),
    id: part.docValue(partial.eventId, cap),
    time: part.docValue(partial.eventTime, 100),
    region: part.docValue(partial.region, cap),
  };
}

/** The alert for a root-activity event that could not be read. */
export function buildUnreadableAlert(input: UnreadableAlertInput): Alert {
  const { problem, partial, raw, name, now, caps = FULL_CAPS, sqsMessageId } = input;
  const severity = UNREADABLE_SEVERITY;
  const subject = part.buildSubject(
    severity,
    "Unreadable root-activity event",
    partial.accountId,
    name.ok ? name.name : undefined,
  );
  const link = part.consoleLink(partial.region, partial.eventId);
  const account = part.accountLine(partial.accountId, name);
  const problemLine = oneLine(problem, Math.max(caps.field, 2000));
  const rows = factRows(partial, problemLine, account, link, caps.field);
  const rawBytes = utf8Bytes(raw);
  const rawShown = block(raw, caps.raw);
  const parts = [
    `UNREADABLE ROOT-ACTIVITY EVENT (${severity.toUpperCase()})`,
    "",
    "The notifier received an event that passed the root-activity rule but could not be read.",
    "",
    part.lines(rows),
    "",
    `WHAT TO DO NOW: ${UNREADABLE_ADVICE}`,
    "",
    `Raw payload (${rawBytes} bytes${rawBytes > caps.raw ? `, truncated to ${caps.raw}` : ""}):`,
    rawShown,
    "",
    part.footer(now, partial.envelopeId, sqsMessageId),
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
      account: part.accountDoc(partial.accountId, name),
      event: eventDoc(partial, caps.field),
      advice: UNREADABLE_ADVICE,
      cloudTrailUrl: link ?? null,
      rawPayload: rawShown,
      envelopeId: part.docValue(partial.envelopeId, 100),
      sqsMessageId: part.docValue(sqsMessageId, 100),
      generatedAt: now.toISOString(),
    },
    chat: {
      title: subject,
      facts: [
        ["Problem", oneLine(problem, 500)],
        ["Account", account],
        ["Time", part.formatUtc(partial.eventTime)],
      ],
      nextSteps: [UNREADABLE_ADVICE],
      keywords: part.keywords(severity, "unreadable", partial.accountId),
      threadId: part.threadOf(partial.accountId),
      ...(link ? { link } : {}),
    },
    attributes: part.attributesOf({
      kind: "unreadable",
      severity,
      accountId: partial.accountId,
      name,
      eventName: partial.eventName,
      region: partial.region,
    }),
  };
}
