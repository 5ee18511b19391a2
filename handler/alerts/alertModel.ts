// The alert model that every builder fills and formats.ts renders per protocol, and the size caps
// the builders keep to.
import type { Severity } from "../records";
import type { RootSession } from "../records";

/** Size caps in UTF-8 bytes. formats.ts scales them down when the whole SNS message would not fit. */
export interface Caps {
  field: number;
  requestParameters: number;
  raw: number;
  text: number;
}
export const FULL_CAPS: Caps = { field: 1000, requestParameters: 4000, raw: 32_000, text: 64_000 };
// Literals, not FULL_CAPS.raw: the bundle keeps a property read it cannot prove unused.
export const RAW_PAYLOAD_MAX_BYTES = 32_000;
export const MESSAGE_MAX_BYTES = 64_000;

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

/** `coverage`: the coverage function's notices (an account joined, left, opted into a region). */
export type AlertKind = "alert" | "unreadable" | "digest" | "test" | "coverage";

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
  /** The stable JSON document (`default` and `email-json`), described in docs/alerts.md. */
  doc: Record<string, unknown>;
  chat: ChatContent;
  /** SNS message attributes for subscription filter policies. Arrays become String.Array. */
  attributes: Record<string, string | string[]>;
}

export const DOC_SCHEMA = "root-activity-monitor/alert/v1";
