// Bursts of root events as production delivers them (SQS batches of up to 10, one account or
// several, copies of one event), and the check of the notifier's guarantees over what it published.
import * as fs from "node:fs";
import * as path from "node:path";
import type { DigestEntry } from "../handler/records";

const FIXTURES = path.join(__dirname, "..", "tests", "fixtures");

/** Critical fixtures (a key for root, CloudTrail stopped) and a plain one (read-only listing). */
export const CRITICAL_FIXTURES = ["root-createaccesskey-noinvokedby.json", "root-stoplogging-error.json"];
export const PLAIN_FIXTURE = "root-readonly-listaccesskeys.json";

export interface BurstEvent {
  id: string;
  account: string;
  critical: boolean;
  body: string;
}

/** One root event of `account` with CloudTrail event ID `id`, as the hub rule delivers it. */
export function rootEventBody(fixture: string, account: string, id: string, atMs: number): string {
  const base = JSON.parse(fs.readFileSync(path.join(FIXTURES, fixture), "utf8"));
  return JSON.stringify({
    ...base,
    id: `env-${id}`,
    account,
    detail: {
      ...base.detail,
      userIdentity: { ...base.detail.userIdentity, accountId: account },
      recipientAccountId: account,
      eventID: id,
      eventTime: new Date(atMs).toISOString(),
    },
  });
}

/** `count` events of `account`; the indexes in `criticalAt` are critical. */
export function burstOf(
  account: string,
  count: number,
  criticalAt: number[] = [],
  atMs = Date.now(),
  prefix = `ev-${account}`,
): BurstEvent[] {
  return Array.from({ length: count }, (_, i) => {
    const k = criticalAt.indexOf(i);
    const fixture = k >= 0 ? (CRITICAL_FIXTURES[k % CRITICAL_FIXTURES.length] as string) : PLAIN_FIXTURE;
    const id = `${prefix}-${i}`;
    return { id, account, critical: k >= 0, body: rootEventBody(fixture, account, id, atMs) };
  });
}

export interface SqsRecord {
  messageId: string;
  body: string;
  eventSource: "aws:sqs";
}

let messages = 0;
/** SQS records of these bodies, each with a message ID of its own (as SQS gives every copy). */
export function sqsRecords(bodies: string[]): SqsRecord[] {
  return bodies.map((body) => ({ messageId: `m-${++messages}`, body, eventSource: "aws:sqs" }));
}

/** Cut records into batches of `size`, as the event source mapping does. */
export function batchesOf<T>(records: T[], size = 10): { Records: T[] }[] {
  const out: { Records: T[] }[] = [];
  for (let i = 0; i < records.length; i += size) out.push({ Records: records.slice(i, i + size) });
  return out;
}

/** The JSON document of each published message (the `default` protocol of MessageStructure json). */
export type PublishedDoc = Record<string, any>;

export function docOf(message: string): PublishedDoc {
  return JSON.parse(JSON.parse(message).default) as PublishedDoc;
}

/** What the published messages say: event IDs sent alone (in order), and listed per digest. */
export function namedIn(docs: PublishedDoc[]): {
  alone: string[];
  digests: { account: string; window: string; ids: string[] }[];
} {
  return {
    alone: docs.filter((d) => d.kind === "alert").map((d) => String(d.event?.id)),
    digests: docs
      .filter((d) => d.kind === "digest")
      .map((d) => ({
        account: String(d.account?.id ?? d.accountId ?? ""),
        window: String(d.window?.start),
        ids: (d.events as { eventId: string }[]).map((e) => e.eventId),
      })),
  };
}

/**
 * G1: every event is named by ID in some message, or its record was reported as a batch item
 * failure. Returns the IDs that are neither: each one a root event lost.
 */
export function missing(events: { id: string }[], docs: PublishedDoc[], failedIds: Set<string>): string[] {
  const { alone, digests } = namedIn(docs);
  const named = new Set([...alone, ...digests.flatMap((d) => d.ids)]);
  return events.map((e) => e.id).filter((id) => !named.has(id) && !failedIds.has(id));
}

/** A digest entry of a read-only listing, with this event ID: for the store's own tests. */
export function digestEntry(id: string): DigestEntry {
  return {
    eventId: id,
    name: "ListAccessKeys",
    time: "2026-01-01T00:00:00Z",
    region: "us-east-1",
    result: "success",
    severity: "low",
  };
}
