// SNS subject validity, UTF-8 caps, the severity table's shape, and the time budget.
import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import * as budget from "../../../handler/support/budget";
import { decide } from "../../../handler/classify/decide";
import { createNotifier } from "../../../handler/notifier";
import type { StateStore } from "../../../handler/state/stateStore";
import { buildSubject, consoleLink, formatUtc } from "../../../handler/alerts/alertParts";
import {
  SEVERITY_CONDITIONS,
  SEVERITY_LEVELS,
  SEVERITY_TABLE,
  severityFor,
} from "../../../handler/classify/severity";
import {
  FALLBACK_SUBJECT,
  SNS_SUBJECT_MAX_CHARS,
  capBytes,
  isValidSnsSubject,
  toSnsSubject,
  truncateUtf8,
  utf8Bytes,
} from "../../../handler/support/text";
import { TESTS_DIR } from "../../../testkit/paths";

const FIXTURES = path.join(TESTS_DIR, "fixtures");

/** SNS's rules, restated independently of the implementation. */
function snsAccepts(s: string): boolean {
  if (s.length === 0 || s.length >= 100) return false;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || c > 0x7e) return false;
  }
  return /^[\p{L}\p{N}\p{P}]/u.test(s);
}

const ADVERSARIAL = [
  "",
  " ",
  "\n\n\n",
  "名前",
  "ünïcödé-äccount",
  "prod\r\npayments",
  "tab\there",
  "emoji 🚨🔥 account",
  "\u202eevil\u202c",
  "a".repeat(500),
  "x y ".repeat(200),
  "\u0000\u0001\u001f\u007f",
  "$dollar first",
  "~tilde",
  "   leading spaces",
  "\uD83D", // lone surrogate
];

describe("SNS subjects", () => {
  it("are valid for every fixture that alerts", () => {
    for (const f of fs.readdirSync(FIXTURES).filter((x) => x.endsWith(".json"))) {
      const d = decide(JSON.parse(fs.readFileSync(path.join(FIXTURES, f), "utf8")));
      if (d.decision !== "alert") continue;
      for (const name of ["prod-payments", undefined, ...ADVERSARIAL]) {
        const s = buildSubject(d.verdict.severity, `Root ${d.facts.eventName}`, d.facts.accountId, name);
        expect(snsAccepts(s), `${f} / ${JSON.stringify(name)} -> ${s}`).toBe(true);
      }
    }
  });

  it("keep the account ID when the account name and event name are long", () => {
    const s = buildSubject("critical", "Root " + "E".repeat(300), "123456789012", "n".repeat(500));
    expect(s.length).toBeLessThanOrEqual(SNS_SUBJECT_MAX_CHARS);
    expect(s).toMatch(/^\[CRITICAL\] Root E+\.\.\. in n+\.\.\. \(123456789012\)$/);
    expect(snsAccepts(s)).toBe(true);
  });

  it("give a short event name room and cut the long account name", () => {
    const s = buildSubject("high", "Root CreateAccessKey", "123456789012", "prod-" + "p".repeat(200));
    expect(s).toMatch(/^\[HIGH\] Root CreateAccessKey in prod-p+\.\.\. \(123456789012\)$/);
    expect(s.length).toBe(SNS_SUBJECT_MAX_CHARS);
  });

  it("strip non-ASCII and collapse whitespace in interpolated pieces", () => {
    expect(buildSubject("low", "Root List\nBuckets", "123456789012", "prød  päyments\t🚨")).toBe(
      "[LOW] Root List Buckets in prd pyments (123456789012)",
    );
  });

  it("fall back to the ID when the name is empty after cleaning", () => {
    expect(buildSubject("medium", "Root X", "123456789012", "名前")).toBe("[MEDIUM] Root X in 123456789012");
  });

  it("toSnsSubject makes anything acceptable", () => {
    for (const s of ADVERSARIAL) expect(snsAccepts(toSnsSubject(s)), JSON.stringify(s)).toBe(true);
    expect(toSnsSubject("")).toBe(FALLBACK_SUBJECT);
    expect(toSnsSubject("$dollar first")).toBe("dollar first");
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 400 }), (s) => {
        const out = toSnsSubject(s);
        return snsAccepts(out) && isValidSnsSubject(out);
      }),
      { numRuns: 2000 },
    );
  });

  it("isValidSnsSubject agrees with SNS's rules", () => {
    expect(isValidSnsSubject("[HIGH] ok")).toBe(true);
    expect(isValidSnsSubject(" leading")).toBe(false);
    expect(isValidSnsSubject("line\nbreak")).toBe(false);
    expect(isValidSnsSubject("é")).toBe(false);
    expect(isValidSnsSubject("a".repeat(100))).toBe(false);
    expect(isValidSnsSubject("a".repeat(99))).toBe(true);
  });
});

describe("UTF-8 caps", () => {
  it("truncateUtf8 never exceeds the cap nor splits a character", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", maxLength: 200 }),
        fc.integer({ min: 0, max: 300 }),
        (s, n) => {
          const out = truncateUtf8(s, n);
          // A split character decodes as U+FFFD; only an input that already had one may show one.
          const noSplit = !out.includes("\uFFFD") || s.includes("\uFFFD");
          return utf8Bytes(out) <= n && s.startsWith(out) && noSplit;
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("truncateUtf8 keeps a genuine U+FFFD that fits (fast-check counterexample)", () => {
    expect(truncateUtf8("\uFFFD", 3)).toBe("\uFFFD");
    expect(truncateUtf8("a\u20ACb", 2)).toBe("a");
  });

  it("capBytes marks a cut with the sizes and stays within the cap", () => {
    const s = "€".repeat(10_000);
    const out = capBytes(s, 1000);
    expect(utf8Bytes(out)).toBeLessThanOrEqual(1000);
    expect(out).toMatch(/\[truncated: first \d+ of 30000 bytes shown\]$/);
    expect(capBytes("short", 1000)).toBe("short");
  });
});

describe("message helpers", () => {
  it("formats times in UTC and flags junk", () => {
    expect(formatUtc("2022-11-10T16:24:34Z")).toBe("2022-11-10 16:24:34 UTC");
    expect(formatUtc("2022-11-10T18:24:34+02:00")).toBe("2022-11-10 16:24:34 UTC");
    expect(formatUtc("redacted")).toBe("redacted (not a valid timestamp)");
    expect(formatUtc(undefined)).toBe("not recorded");
  });

  it("builds console links only from real-looking regions and event IDs", () => {
    expect(consoleLink("eu-west-1", "abc-123")).toBe(
      "https://eu-west-1.console.aws.amazon.com/cloudtrailv2/home?region=eu-west-1#/events/abc-123",
    );
    expect(consoleLink("us-gov-west-1", "x")).toContain("us-gov-west-1.console");
    expect(consoleLink("...", "x")).toBeUndefined();
    expect(consoleLink("eu-west-1", "../../evil?x=1")).toBeUndefined();
    expect(consoleLink("evil.example/x", "1")).toBeUndefined();
  });
});

describe("severity table", () => {
  it("is plain data with known levels and conditions", () => {
    expect(JSON.parse(JSON.stringify(SEVERITY_TABLE))).toEqual(SEVERITY_TABLE);
    for (const row of SEVERITY_TABLE) {
      expect(SEVERITY_LEVELS).toContain(row.severity);
      expect(Object.keys(SEVERITY_CONDITIONS)).toContain(row.when);
      expect(row.eventNames.length).toBeGreaterThan(0);
      expect(row.advice.length).toBeGreaterThan(10);
    }
  });

  it("rates the events the issue names at least high", () => {
    const atLeastHigh = [
      "PasswordUpdated",
      "PasswordRecoveryRequested",
      "CreateLoginProfile",
      "UpdateLoginProfile",
      "DeactivateMFADevice",
      "DeleteVirtualMFADevice",
      "StopLogging",
      "DeleteTrail",
      "UpdateTrail",
      "PutEventSelectors",
      "UpdateAccountPasswordPolicy",
      "DeleteAccountPasswordPolicy",
    ];
    for (const eventName of atLeastHigh) {
      for (const failed of [false, true]) {
        const v = severityFor({ eventName, readOnly: false, failed, mfaUsed: false });
        expect(["critical", "high"], `${eventName} failed=${failed}`).toContain(v.severity);
      }
    }
  });

  it("distinguishes a root key for root itself from one for an IAM user", () => {
    const base = { eventName: "CreateAccessKey", readOnly: false, failed: false, mfaUsed: false };
    expect(severityFor(base).severity).toBe("critical");
    expect(severityFor({ ...base, requestUserName: "" }).severity).toBe("critical");
    expect(severityFor({ ...base, requestUserName: "bob" }).severity).toBe("high");
  });

  it("rates ConsoleLogin by outcome and MFA", () => {
    const login = { eventName: "ConsoleLogin", readOnly: false };
    expect(severityFor({ ...login, failed: false, mfaUsed: false }).severity).toBe("critical");
    expect(severityFor({ ...login, failed: false, mfaUsed: true }).severity).toBe("medium");
    expect(severityFor({ ...login, failed: true, mfaUsed: false }).severity).toBe("medium");
  });
});

describe("time budget", () => {
  const timeoutMs = budget.NOTIFIER_TIMEOUT_SECONDS * 1000;

  it("a whole batch fits in the function timeout, with the cold-start margin", () => {
    expect(budget.worstCaseBatchMs() + budget.COLD_START_MARGIN_MS).toBeLessThanOrEqual(timeoutMs);
  });

  it("the state phase and the name lookup run side by side: a record waits for the longer cap, not both", async () => {
    vi.useFakeTimers();
    try {
      const hang = () => new Promise<never>(() => undefined);
      const store = new Proxy({} as StateStore, { get: () => hang });
      const published: number[] = [];
      const notifier = createNotifier({
        topicArn: "arn:aws:sns:us-east-1:999999999999:root-alerts",
        publish: async () => void published.push(Date.now()),
        lookupAccountName: hang,
        log: () => undefined,
        store,
        scheduleFlush: hang,
      });
      const start = Date.now();
      const pending = notifier.handle({
        Records: [
          {
            messageId: "m",
            body: fs.readFileSync(path.join(FIXTURES, "root-createaccesskey-noinvokedby.json"), "utf8"),
          },
        ],
      });
      await vi.advanceTimersByTimeAsync(Math.max(budget.STATE_PHASE_CAP_MS, budget.NAME_LOOKUP_CAP_MS) + 1);
      expect(published).toHaveLength(1);
      expect((published[0] ?? 0) - start).toBe(
        Math.max(budget.STATE_PHASE_CAP_MS, budget.NAME_LOOKUP_CAP_MS),
      );
      await vi.advanceTimersByTimeAsync(budget.STATE_DONE_CAP_MS + 1);
      await expect(pending).resolves.toEqual({ batchItemFailures: [] });
    } finally {
      vi.useRealTimers();
    }
  });

  it("the publish deadline leaves room for every SNS attempt with full backoff", async () => {
    expect(budget.snsNominalWorstCaseMs()).toBeLessThanOrEqual(budget.PUBLISH_DEADLINE_MS);
    // A publish that needs all of that nominal worst case still goes out: the deadline does not cut it.
    vi.useFakeTimers();
    try {
      const notifier = createNotifier({
        topicArn: "arn:aws:sns:us-east-1:999999999999:root-alerts",
        publish: () => new Promise<void>((resolve) => setTimeout(resolve, budget.snsNominalWorstCaseMs())),
        lookupAccountName: async () => "prod",
        log: () => undefined,
      });
      const pending = notifier.handle({
        Records: [
          {
            messageId: "m",
            body: fs.readFileSync(path.join(FIXTURES, "root-createaccesskey-noinvokedby.json"), "utf8"),
          },
        ],
      });
      await vi.advanceTimersByTimeAsync(budget.snsNominalWorstCaseMs() + 1);
      await expect(pending).resolves.toEqual({ batchItemFailures: [] });
    } finally {
      vi.useRealTimers();
    }
  });

  it("the name-lookup cap binds before Organizations' own retries would", () => {
    const orgWorst = budget.sdkNominalWorstCaseMs(
      budget.ORGANIZATIONS_MAX_ATTEMPTS,
      budget.ORGANIZATIONS_CONNECTION_TIMEOUT_MS,
      budget.ORGANIZATIONS_REQUEST_TIMEOUT_MS,
    );
    expect(budget.NAME_LOOKUP_CAP_MS).toBeLessThan(orgWorst);
    expect(budget.NAME_LOOKUP_CAP_MS).toBeGreaterThanOrEqual(budget.ORGANIZATIONS_REQUEST_TIMEOUT_MS);
  });

  it("the queue's visibility timeout follows AWS's 6x guidance", () => {
    expect(budget.QUEUE_VISIBILITY_TIMEOUT_SECONDS).toBeGreaterThanOrEqual(
      6 * budget.NOTIFIER_TIMEOUT_SECONDS,
    );
  });
});
