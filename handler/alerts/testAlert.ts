// The [TEST] alert a self-test produces.
import type { SelfTestFacts } from "../classify/facts";
import { DOC_SCHEMA, type AccountName, type Alert } from "./alertModel";
import * as part from "./alertParts";
import { SELF_TEST_SOURCE } from "../classify/selfTest";
import { asciiOnly, oneLine } from "../support/text";

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
    attributes: part.attributesOf({
      kind: "test",
      severity: "test",
      accountId: t.accountId,
      name,
      eventName: "SelfTest",
      region: t.region,
    }),
  };
}
