// The alerts that are not about one readable root event: an event that matched the root rule but
// could not be read, and the [TEST] alert of a self-test. No Pulumi imports: serialized into the
// Lambda.
import type { PartialFacts, SelfTestFacts } from "./classify";
import { DOC_SCHEMA, FULL_CAPS, type AccountName, type Alert, type Caps } from "./alertModel";
import * as part from "./alertParts";
import { SELF_TEST_SOURCE } from "./selfTest";
import { UNREADABLE_ADVICE, UNREADABLE_SEVERITY } from "./severity";
import { asciiOnly, block, capBytes, oneLine, utf8Bytes } from "./text";

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
  const subject = part.buildSubject(
    severity,
    "Unreadable root-activity event",
    partial.accountId,
    name.ok ? name.name : undefined,
  );
  const link = part.consoleLink(partial.region, partial.eventId);
  const account = part.accountLine(partial.accountId, name);
  const problemLine = oneLine(problem, Math.max(caps.field, 2000));
  const rows: [string, string][] = [
    ["Problem", problemLine],
    ["Account", account],
    ["Event", part.field(partial.eventName, caps.field, "unknown")],
    ["Region", part.field(partial.region, caps.field, "unknown")],
    ["Time (UTC)", part.formatUtc(partial.eventTime)],
    ["CloudTrail event ID", part.field(partial.eventId, caps.field, "unknown")],
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
      event: {
        name: part.docValue(partial.eventName, caps.field),
        id: part.docValue(partial.eventId, caps.field),
        time: part.docValue(partial.eventTime, 100),
        region: part.docValue(partial.region, caps.field),
      },
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
    attributes: part.attributesOf(
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
  const subject = part.buildSubject(
    "test",
    `Self-test ${asciiOnly(testId)}`,
    t.accountId,
    name.ok ? name.name : undefined,
  );
  const account = part.accountLine(t.accountId, name);
  const rows: [string, string][] = [
    ["Test ID", testId],
    ["Sent from", account],
    ["Region", part.field(t.region, 100)],
    [
      "Path",
      t.via === "spoke" ? "member account's forwarding rule, then the hub" : "straight onto the hub bus",
    ],
    ["Requested by", part.field(t.requestedBy, 200)],
    ["Time (UTC)", part.formatUtc(t.time)],
  ];
  const text = [
    "ROOT ACTIVITY MONITOR SELF-TEST (TEST)",
    "",
    `This is a test, not root activity. It was sent with the source ${SELF_TEST_SOURCE}, which real CloudTrail events never carry.`,
    "",
    part.lines(rows),
    "",
    TEST_ADVICE,
    "",
    part.footer(now, t.envelopeId, sqsMessageId),
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
      testId: part.docValue(t.testId, 100),
      account: part.accountDoc(t.accountId, name),
      region: part.docValue(t.region, 100),
      via: part.docValue(t.via, 100),
      requestedBy: part.docValue(t.requestedBy, 200),
      envelopeId: part.docValue(t.envelopeId, 100),
      sqsMessageId: part.docValue(sqsMessageId, 100),
      generatedAt: now.toISOString(),
    },
    chat: {
      title: subject,
      facts: rows,
      nextSteps: [TEST_ADVICE],
      keywords: part.keywords("test", t.accountId),
      threadId: `root-activity-selftest`,
    },
    attributes: part.attributesOf("test", "test", t.accountId, name, "SelfTest", t.region),
  };
}
