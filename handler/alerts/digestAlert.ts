// The digest message of storm control: every root event of one account and one minute that was not
// alerted on its own, one line each.
import { buildSubject, formatUtc } from "./alertParts";
import { DOC_SCHEMA, type AccountName, type Alert, type Caps } from "./alertModel";
import type { DigestEntry, Severity } from "../records";
import { SEVERITY_LEVELS } from "../classify/severity";
import { capBytes, oneLine } from "../support/text";

export const DIGEST_ADVICE =
  "Root is busy in this account. Confirm with the account owner that this session was planned; if not, treat root as compromised: reset the root password, check root MFA, delete root access keys.";

function most(entries: DigestEntry[]): Severity {
  let best = SEVERITY_LEVELS.length - 1;
  for (const e of entries) best = Math.min(best, Math.max(0, SEVERITY_LEVELS.indexOf(e.severity)));
  return SEVERITY_LEVELS[best] ?? "medium";
}

function distinct(values: string[]): string[] {
  return values.filter((v, i) => v !== "" && values.indexOf(v) === i);
}

/** Entries of a digest in time order, stable for equal times. */
export function sortEntries(entries: DigestEntry[]): DigestEntry[] {
  return entries
    .map((e, i) => ({ e, i }))
    .sort((a, b) => (a.e.time < b.e.time ? -1 : a.e.time > b.e.time ? 1 : a.i - b.i))
    .map((x) => x.e);
}

export interface DigestInput {
  accountId: string;
  name: AccountName;
  /** The held events, sorted by time (sortEntries). */
  entries: DigestEntry[];
  /** The bucket's minute. */
  window: { start: Date; end: Date };
  /** Which message of the digest this is, when it is sent in parts. */
  part: { index: number; count: number };
  now: Date;
  caps: Caps;
}

/** The digest's table: one event a line, columns padded to their widest cell. */
function eventTable(entries: DigestEntry[]): string[] {
  const head = ["Time (UTC)", "Severity", "Result", "Region", "Event", "CloudTrail event ID"];
  const rows = entries.map((e) => [
    formatUtc(e.time).replace(" UTC", ""),
    e.severity.toUpperCase(),
    e.result,
    e.region,
    e.name,
    e.eventId,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  return [head, ...rows].map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd(),
  );
}

/** "Name xN" for the chat card, most frequent first, at most ten. */
function eventCounts(entries: DigestEntry[], names: string[]): string {
  const counts = names
    .map((nm) => ({ nm, c: entries.filter((e) => e.name === nm).length }))
    .sort((a, b) => b.c - a.c);
  return (
    counts
      .slice(0, 10)
      .map((x) => `${x.nm} x${x.c}`)
      .join(", ") + (counts.length > 10 ? ", ..." : "")
  );
}

export function buildDigest(input: DigestInput): Alert {
  const { accountId, name, entries, window, part, now, caps } = input;
  const severity = most(entries);
  const n = entries.length;
  const partNote = part.count > 1 ? ` (part ${part.index} of ${part.count})` : "";
  const subject = buildSubject(
    severity,
    `Root activity digest: ${n} event${n === 1 ? "" : "s"}${partNote}`,
    accountId,
    name.ok ? name.name : undefined,
  );
  const account = name.ok ? `${oneLine(name.name, 200)} (${accountId})` : accountId;
  const from = formatUtc(window.start.toISOString());
  const to = formatUtc(window.end.toISOString());
  const text = [
    `ROOT USER ACTIVITY DIGEST (${severity.toUpperCase()})${partNote}`,
    "",
    `${n} root event${n === 1 ? "" : "s"} in ${account} received between ${from} and ${to}.`,
    "Storm control: the first event of a burst is alerted on its own, then about one digest per account per",
    "minute lists the rest. Critical events are always alerted on their own.",
    "",
    ...eventTable(entries),
    "",
    `WHAT TO DO NOW: ${DIGEST_ADVICE}`,
    "",
    `-- root-activity-monitor, digest generated ${formatUtc(now.toISOString())}`,
  ].join("\n");
  const names = distinct(entries.map((e) => e.name));
  const regions = distinct(entries.map((e) => e.region));
  const attributes: Record<string, string | string[]> = { kind: "digest", severity, accountId };
  if (name.ok) attributes.accountName = oneLine(name.name, 256);
  if (names.length) attributes.eventName = names.slice(0, 50);
  if (regions.length) attributes.region = regions.slice(0, 50);
  return {
    kind: "digest",
    severity,
    subject,
    text: capBytes(text, caps.text),
    doc: {
      schema: DOC_SCHEMA,
      kind: "digest",
      severity,
      title: subject,
      account: { id: accountId, name: name.ok ? oneLine(name.name, 200) : null },
      window: { start: window.start.toISOString(), end: window.end.toISOString() },
      part: part.index,
      parts: part.count,
      count: n,
      events: entries.map((e) => ({ ...e })),
      advice: DIGEST_ADVICE,
      generatedAt: now.toISOString(),
    },
    chat: {
      title: subject,
      facts: [
        ["Account", account],
        ["Window", `${from} to ${to}`],
        ["Events", eventCounts(entries, names)],
        ["Regions", regions.slice(0, 10).join(", ") + (regions.length > 10 ? ", ..." : "")],
      ],
      nextSteps: [DIGEST_ADVICE, "The email and JSON versions of this digest list every event."],
      keywords: [severity, "digest", accountId],
      threadId: `root-activity-${accountId}`,
    },
    attributes,
  };
}
