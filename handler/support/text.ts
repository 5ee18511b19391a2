// Text safety for SNS: subjects that SNS accepts, fields that cannot forge lines of the alert, and
// UTF-8 byte caps.

/** An AWS account ID: exactly 12 digits. Anything else from an event is not used as one. */
/** SNS rejects subjects of 100 characters or more. */
export const SNS_SUBJECT_MAX_CHARS = 99;

/** Used when nothing printable is left of a subject. */
export const FALLBACK_SUBJECT = "Root activity alert";

/** Bytes of `s` in UTF-8. */
export function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, "utf8");
}

/** The longest prefix of `s` that is at most `maxBytes` in UTF-8, never splitting a character. */
export function truncateUtf8(s: string, maxBytes: number): string {
  if (maxBytes <= 0) return "";
  // encodeInto stops before the first character that does not fit whole.
  return s.slice(0, new TextEncoder().encodeInto(s, new Uint8Array(maxBytes)).read);
}

/**
 * `s` capped at `maxBytes` UTF-8 bytes, marker included. A cut is always marked, with the sizes, so
 * a reader never mistakes a fragment for the whole.
 */
export function capBytes(s: string, maxBytes: number): string {
  const total = utf8Bytes(s);
  if (total <= maxBytes) return s;
  const marker = (shown: number) => ` ...[truncated: first ${shown} of ${total} bytes shown]`;
  const room = Math.max(0, maxBytes - utf8Bytes(marker(maxBytes)));
  const head = truncateUtf8(s, room);
  return head + marker(utf8Bytes(head));
}

// Control characters (C0, DEL, C1), line/paragraph separators, and bidi controls that could make a
// field render as something else or start a fake line of the alert.
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_LINE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** One line of body text: no line breaks or control/bidi characters, whitespace collapsed, capped. */
export function oneLine(s: string, maxBytes = 1000): string {
  return capBytes(s.replace(UNSAFE_IN_LINE, " ").replace(/\s+/g, " ").trim(), maxBytes);
}

// The same, minus tab and line feed: for multi-line dumps (raw payloads) that keep their layout.
const UNSAFE_IN_BLOCK =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** A multi-line block: line breaks kept (CR dropped), other control and bidi characters replaced, capped. */
export function block(s: string, maxBytes: number): string {
  return capBytes(s.replace(/\r\n?/g, "\n").replace(UNSAFE_IN_BLOCK, " "), maxBytes);
}

/** Printable ASCII only (0x20-0x7e), whitespace collapsed, trimmed. */
export function asciiOnly(s: string): string {
  return s
    .replace(/[\t\n\r\f\v\u2028\u2029]/g, " ")
    .replace(/[^\x20-\x7e]/g, "")
    .replace(/ {2,}/g, " ")
    .trim();
}

/** `s` cut to at most `max` characters (ASCII input), ending in "..." when cut. */
export function truncateAscii(s: string, max: number): string {
  if (s.length <= max) return s;
  if (max <= 3) return s.slice(0, Math.max(0, max));
  return s.slice(0, max - 3).trimEnd() + "...";
}

// SNS: a subject must start with a letter, number or punctuation mark. ASCII symbols such as
// $ + < = > ^ ` | ~ are not punctuation, and a leading space is not allowed either.
const SUBJECT_START = /^[A-Za-z0-9!"#%&'()*,\-./:;?@[\\\]_{}]/;

/**
 * A string SNS accepts as a Subject: printable ASCII only, no line breaks or control characters,
 * starts with a letter, number or punctuation mark, at most 99 characters.
 */
export function toSnsSubject(s: string): string {
  let out = asciiOnly(s);
  while (out.length > 0 && !SUBJECT_START.test(out)) out = out.slice(1).trimStart();
  out = truncateAscii(out, SNS_SUBJECT_MAX_CHARS);
  return out.length > 0 ? out : FALLBACK_SUBJECT;
}

/** True when SNS would accept `s` as a Subject (used by tests, and as a last check before publish). */
export function isValidSnsSubject(s: string): boolean {
  return (
    s.length > 0 && s.length <= SNS_SUBJECT_MAX_CHARS && /^[\x20-\x7e]+$/.test(s) && SUBJECT_START.test(s)
  );
}
