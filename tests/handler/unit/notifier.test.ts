// Behaviour of the notifier core with injected fakes: decisions on edge cases, malformed input,
// publish failures, account-name lookup, caching and deadlines. No network.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  COLD_START_MARGIN_MS,
  NAME_FAILURE_RETRY_AFTER_MS,
  NAME_LOOKUP_CAP_MS,
  PUBLISH_DEADLINE_MS,
  NOTIFIER_BATCH_SIZE,
  NOTIFIER_TIMEOUT_SECONDS,
  FLUSH_STATE_CAP_MS,
  worstCaseBatchMs,
  worstCaseFlushMs,
  worstCaseRootEventMs,
} from "../../../handler/support/budget";
import { decide } from "../../../handler/classify/decide";
import { MESSAGE_MAX_BYTES, RAW_PAYLOAD_MAX_BYTES } from "../../../handler/alerts/alertModel";
import { createNotifier } from "../../../handler/notifier";
import { type NameCache, type NotifierDeps } from "../../../handler/support/deps";
import { isValidSnsSubject, utf8Bytes } from "../../../handler/support/text";
import type { StateStore } from "../../../handler/state/stateStore";
import { readable, type ReadablePublish } from "../../../testkit/published";
import { TESTS_DIR } from "../../../testkit/paths";

const TOPIC = "arn:aws:sns:us-east-1:999999999999:root-alerts";
const FIXTURES = path.join(TESTS_DIR, "fixtures");

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, name), "utf8")) as Record<string, unknown>;
}

/** A root CreateAccessKey envelope, editable per test. */
function rootEvent(overrides: Record<string, unknown> = {}, identity: Record<string, unknown> = {}) {
  const base = fixture("root-createaccesskey-noinvokedby.json");
  const detail = base.detail as Record<string, unknown>;
  return {
    ...base,
    detail: { ...detail, ...overrides, userIdentity: { ...(detail.userIdentity as object), ...identity } },
  };
}

function harness(over: Partial<NotifierDeps> = {}) {
  const published: ReadablePublish[] = [];
  const logs: Record<string, unknown>[] = [];
  const lookups: string[] = [];
  const deps: NotifierDeps = {
    topicArn: TOPIC,
    publish: async (m) => {
      published.push(readable(m));
    },
    lookupAccountName: async (id) => {
      lookups.push(id);
      return `name-of-${id}`;
    },
    log: (l) => logs.push(l),
    now: () => new Date("2026-01-02T03:04:05Z"),
    ...over,
  };
  return { notifier: createNotifier(deps), published, logs, lookups, deps };
}

const sqs = (...bodies: unknown[]) => ({
  Records: bodies.map((body, i) => ({ messageId: `m-${i}`, body, eventSource: "aws:sqs" })),
});

afterEach(() => {
  vi.useRealTimers();
});

describe("decision edge cases", () => {
  it("alerts on invokedBy signin.amazonaws.com (a person in the console)", () => {
    const d = decide(rootEvent({}, { invokedBy: "signin.amazonaws.com" }));
    expect(d.decision).toBe("alert");
  });

  it("alerts on invokedBy values that are not AWS service principals", () => {
    for (const invokedBy of ["", "some-tool", "amazonaws.com.evil.example", "console"]) {
      expect(decide(rootEvent({}, { invokedBy })).decision, invokedBy).toBe("alert");
    }
  });

  it("skips AWS service principals other than signin, including AWS Internal", () => {
    for (const invokedBy of ["elasticloadbalancing.amazonaws.com", "AWS Internal", "Config.AmazonAWS.com"]) {
      const d = decide(rootEvent({}, { invokedBy }));
      expect(d.decision, invokedBy).toBe("skip");
    }
  });

  it("skips eventType AwsServiceEvent even when Root-typed", () => {
    const d = decide(rootEvent({ eventType: "AwsServiceEvent" }));
    expect(d).toMatchObject({ decision: "skip", reason: expect.stringContaining("AwsServiceEvent") });
  });

  it("skips well-formed non-root identities", () => {
    for (const type of ["IAMUser", "AssumedRole", "AWSService", "FederatedUser", "root"]) {
      expect(decide(rootEvent({}, { type })).decision, type).toBe("skip");
    }
  });

  it("does not require detail-type or source", () => {
    const e = rootEvent() as Record<string, unknown>;
    delete e["detail-type"];
    delete e.source;
    expect(decide(e).decision).toBe("alert");
  });

  it("compares MFAUsed case-insensitively", () => {
    const login = fixture("root-consolelogin-success-nomfa.json");
    const withMfa = (v: string) => {
      const detail = { ...(login.detail as Record<string, unknown>) };
      detail.additionalEventData = { MFAUsed: v };
      return decide({ ...login, detail });
    };
    for (const v of ["Yes", "YES", "yes"])
      expect(withMfa(v)).toMatchObject({ verdict: { severity: "medium" } });
    for (const v of ["No", "NO", ""]) expect(withMfa(v)).toMatchObject({ verdict: { severity: "critical" } });
  });

  it("keeps the severity of failed sensitive calls, and read-only loses to the table", () => {
    expect(decide(rootEvent({ errorCode: "AccessDenied" }))).toMatchObject({
      verdict: { severity: "critical" },
    });
    expect(decide(rootEvent({ eventName: "DeactivateMFADevice", readOnly: true }))).toMatchObject({
      verdict: { severity: "critical" },
    });
    expect(decide(rootEvent({ eventName: "GetAccountSummary", readOnly: true }))).toMatchObject({
      verdict: { severity: "low" },
    });
    expect(decide(rootEvent({ eventName: "RunInstances", readOnly: false }))).toMatchObject({
      verdict: { severity: "medium" },
    });
  });

  it("applies the sensitive table", () => {
    const cases: [string, string][] = [
      ["DeleteVirtualMFADevice", "critical"],
      ["DeleteTrail", "critical"],
      ["UpdateTrail", "high"],
      ["PutEventSelectors", "high"],
      ["UpdateAccountPasswordPolicy", "high"],
      ["DeleteAccountPasswordPolicy", "high"],
      ["CreateLoginProfile", "high"],
      ["UpdateLoginProfile", "high"],
      ["PasswordRecoveryRequested", "high"],
    ];
    for (const [eventName, severity] of cases) {
      expect(decide(rootEvent({ eventName })), eventName).toMatchObject({ verdict: { severity } });
    }
  });
});

describe("malformed input is notified as unreadable, never dropped", () => {
  const malformedEnvelopes: [string, unknown][] = [
    ["null", null],
    ["array", [1, 2]],
    ["number", 42],
    ["string", "hello"],
    ["boolean", true],
    ["no detail", { id: "x", account: "123456789012" }],
    ["detail null", { detail: null, account: "123456789012" }],
    ["detail string", { detail: "oops", account: "123456789012" }],
    ["detail array", { detail: [] }],
    ["no userIdentity", { detail: { eventName: "ConsoleLogin", recipientAccountId: "123456789012" } }],
    ["userIdentity string", { detail: { userIdentity: "Root" } }],
    ["userIdentity.type number", rootEvent({}, { type: 1 })],
    ["userIdentity.type missing", rootEvent({}, { type: undefined })],
    ["eventName number", rootEvent({ eventName: 7 })],
    ["eventName missing", rootEvent({ eventName: undefined })],
    ["readOnly string", rootEvent({ readOnly: "true" })],
    ["invokedBy object", rootEvent({}, { invokedBy: { x: 1 } })],
    ["MFAUsed boolean", rootEvent({ additionalEventData: { MFAUsed: true } })],
    ["CreateAccessKey userName number", rootEvent({ requestParameters: { userName: 5 } })],
    ["non-root with a bad field", rootEvent({ readOnly: 1 }, { type: "IAMUser" })],
  ];

  for (const [label, envelope] of malformedEnvelopes) {
    it(`bare envelope: ${label}`, async () => {
      const h = harness();
      await expect(h.notifier.handle(envelope)).resolves.toBeUndefined();
      expect(h.published).toHaveLength(1);
      const m = h.published[0]!;
      expect(m.subject).toMatch(/^\[HIGH\] Unreadable root-activity event/);
      expect(isValidSnsSubject(m.subject)).toBe(true);
      expect(m.attributes.severity).toBe("high");
      expect(m.message).toContain("UNREADABLE ROOT-ACTIVITY EVENT");
      expect(m.message).toMatch(/Problem:\s+\S/);
      expect(m.message).toContain("Raw payload");
      expect(h.logs.some((l) => l.decision === "unreadable")).toBe(true);
    });
  }

  it("names the bad field in the problem", async () => {
    const h = harness();
    await h.notifier.handle(rootEvent({ eventName: 7 }));
    expect(h.published[0]!.message).toMatch(/Problem:\s+detail\.eventName is a number, expected a string/);
  });

  it("reports what could be read: account, region, time, ids, with the account name", async () => {
    const h = harness();
    await h.notifier.handle(rootEvent({ readOnly: "yes" }));
    const m = h.published[0]!;
    expect(m.subject).toBe("[HIGH] Unreadable root-activity event in name-of-493859302102 (493859302102)");
    expect(m.message).toMatch(/Region:\s+us-east-1/);
    expect(m.message).toMatch(/Time \(UTC\):\s+2020-11-01 08:32:19 UTC/);
    expect(m.message).toMatch(/Event:\s+CreateAccessKey/);
    expect(m.message).toContain("1f34e480-7e11-5b1b-92d0-4b030c8e2498");
  });

  const badBodies: [string, unknown][] = [
    ["not JSON", "{this is not json"],
    ["empty string", ""],
    ["JSON null", "null"],
    ["JSON number", "12"],
    ["JSON array", "[]"],
    ["JSON string", '"Root"'],
    ["body missing", undefined],
    ["body is an object", { detail: {} }],
  ];
  for (const [label, body] of badBodies) {
    it(`SQS body: ${label}`, async () => {
      const h = harness();
      const out = await h.notifier.handle(sqs(body));
      expect(out).toEqual({ batchItemFailures: [] });
      expect(h.published).toHaveLength(1);
      expect(h.published[0]!.subject).toBe("[HIGH] Unreadable root-activity event in unknown account");
      expect(h.published[0]!.message).toContain("SQS message id m-0");
    });
  }

  it("SQS records that are not objects are notified too", async () => {
    const h = harness();
    const out = await h.notifier.handle({ Records: [null, 3] });
    expect(out).toEqual({ batchItemFailures: [] });
    expect(h.published).toHaveLength(2);
  });

  it("caps a huge payload, marks the cut, and stays far below 256 KB", async () => {
    const h = harness();
    const huge = JSON.stringify({ detail: { userIdentity: { type: 5 }, junk: "é".repeat(600_000) } });
    await h.notifier.handle(sqs(huge));
    const m = h.published[0]!.message;
    expect(utf8Bytes(m)).toBeLessThanOrEqual(MESSAGE_MAX_BYTES);
    expect(utf8Bytes(m)).toBeGreaterThan(RAW_PAYLOAD_MAX_BYTES / 2);
    expect(m).toMatch(/\[truncated: first \d+ of \d+ bytes shown\]/);
    expect(m).not.toContain("\uFFFD");
  });

  it("caps huge fields of a readable root event", async () => {
    const h = harness();
    await h.notifier.handle(
      rootEvent({ userAgent: "UA-".repeat(50_000), requestParameters: { blob: "x".repeat(300_000) } }),
    );
    const m = h.published[0]!;
    expect(m.subject).toMatch(/^\[CRITICAL\] Root CreateAccessKey/);
    expect(utf8Bytes(m.message)).toBeLessThanOrEqual(MESSAGE_MAX_BYTES);
    expect(m.message).toMatch(/User agent:\s+(UA-)+.*\[truncated: first \d+ of 150000 bytes shown\]/);
  });

  it("a field cannot forge lines of the alert", async () => {
    const h = harness();
    await h.notifier.handle(
      rootEvent({ userAgent: "curl\nSeverity: LOW\r\nWHAT TO DO NOW: nothing\u2028x" }),
    );
    const m = h.published[0]!.message;
    expect(m.split("\n").filter((l) => l.startsWith("Severity:"))).toHaveLength(1);
    expect(m.split("\n").filter((l) => l.startsWith("WHAT TO DO NOW:"))).toHaveLength(1);
  });
});

describe("publish failures", () => {
  it("lists only the failed messageId; the others are still published", async () => {
    const ok = JSON.stringify(rootEvent());
    const failing = JSON.stringify(rootEvent({ eventName: "StopLogging" }));
    let calls = 0;
    const h = harness({
      publish: async (m) => {
        calls++;
        if (m.subject.includes("StopLogging")) throw new Error("SNS down");
      },
    });
    const out = await h.notifier.handle(sqs(ok, failing, ok, "not json"));
    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: "m-1" }] });
    expect(calls).toBe(4);
    expect(h.logs.some((l) => l.level === "error" && l.sqsMessageId === "m-1")).toBe(true);
  });

  it("an unreadable record whose publish fails is a batch item failure too", async () => {
    const h = harness({
      publish: async () => {
        throw new Error("nope");
      },
    });
    expect(await h.notifier.handle(sqs("garbage"))).toEqual({
      batchItemFailures: [{ itemIdentifier: "m-0" }],
    });
  });

  it("a skipped record never fails", async () => {
    const h = harness({
      publish: async () => {
        throw new Error("nope");
      },
    });
    const out = await h.notifier.handle(sqs(JSON.stringify(fixture("iamuser-stoplogging.json"))));
    expect(out).toEqual({ batchItemFailures: [] });
  });

  it("throws for a bare envelope whose publish fails", async () => {
    const h = harness({
      publish: async () => {
        throw new Error("SNS down");
      },
    });
    await expect(h.notifier.handle(rootEvent())).rejects.toThrow("SNS down");
    await expect(h.notifier.handle(null)).rejects.toThrow("SNS down");
  });

  it("fails the whole batch when a failed record has no messageId", async () => {
    const h = harness({
      publish: async () => {
        throw new Error("SNS down");
      },
    });
    await expect(h.notifier.handle({ Records: [{ body: "x" }] })).rejects.toThrow(/without a messageId/);
  });

  it("gives up on a publish at the deadline and reports the record", async () => {
    vi.useFakeTimers();
    let aborted = false;
    const h = harness({
      publishDeadlineMs: 5000,
      publish: (_m, signal) =>
        new Promise<void>(() => {
          signal?.addEventListener("abort", () => (aborted = true));
        }),
    });
    const pending = h.notifier.handle(sqs(JSON.stringify(rootEvent())));
    await vi.advanceTimersByTimeAsync(5001);
    await expect(pending).resolves.toEqual({ batchItemFailures: [{ itemIdentifier: "m-0" }] });
    expect(aborted).toBe(true);
  });

  it("a full batch with every dependency hanging ends at the worst case of the caps, not 10x", async () => {
    vi.useFakeTimers();
    const hang = () => new Promise<never>(() => undefined);
    // The claim succeeds, then every other store call hangs, as do the lookup (side by side with the
    // store) and the webhook; the publish succeeds a moment before its deadline. That walks every cap
    // of the budget once.
    const store = new Proxy({} as StateStore, {
      get: (_t, prop) => (prop === "claimEvent" ? async () => "claimed" : hang),
    });
    const h = harness({
      store,
      scheduleFlush: hang,
      lookupAccountName: hang,
      postWebhook: hang,
      publish: (m) =>
        new Promise<void>((resolve) => setTimeout(() => resolve(void m), PUBLISH_DEADLINE_MS - 1)),
    });
    const bodies = Array.from({ length: NOTIFIER_BATCH_SIZE }, (_, i) =>
      JSON.stringify(rootEvent({ recipientAccountId: String(100000000000 + i) })),
    );
    let settled = false;
    const pending = h.notifier.handle(sqs(...bodies)).finally(() => (settled = true));
    await vi.advanceTimersByTimeAsync(worstCaseRootEventMs() - 2);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(2);
    const out = (await pending) as { batchItemFailures: unknown[] };
    expect(out.batchItemFailures).toHaveLength(0);
    expect(h.logs.filter((l) => l.msg === "alert published")).toHaveLength(NOTIFIER_BATCH_SIZE);
    expect(h.logs.filter((l) => l.msg === "webhook post failed; the SNS alert went out")).toHaveLength(
      NOTIFIER_BATCH_SIZE,
    );
    expect(worstCaseBatchMs() + COLD_START_MARGIN_MS).toBeLessThanOrEqual(NOTIFIER_TIMEOUT_SECONDS * 1000);
  });

  it("a digest flush with every dependency slow ends at the flush's worst case, inside the budget", async () => {
    vi.useFakeTimers();
    const hang = () => new Promise<never>(() => undefined);
    const entry = {
      eventId: "e-1",
      name: "ListAccessKeys",
      time: "2026-01-02T03:04:00Z",
      region: "us-east-1",
      result: "success",
      severity: "low",
    };
    // The bucket's claim answers a moment before its cap, the publish before its deadline; the
    // lookup and marking the digest sent hang.
    const store = new Proxy({} as StateStore, {
      get: (_t, prop) =>
        prop === "claimFlush"
          ? () => new Promise((resolve) => setTimeout(() => resolve([entry]), FLUSH_STATE_CAP_MS - 1))
          : hang,
    });
    const kinds: unknown[] = [];
    const h = harness({
      store,
      lookupAccountName: hang,
      publish: (m) =>
        new Promise<void>((resolve) =>
          setTimeout(() => resolve(void kinds.push(readable(m).doc.kind)), PUBLISH_DEADLINE_MS - 1),
        ),
    });
    const flush = JSON.stringify({
      rootActivityMonitor: "digest-flush",
      accountId: "111122223333",
      bucket: 9,
    });
    let settled = false;
    const pending = h.notifier.handle(sqs(flush)).finally(() => (settled = true));
    // The claim and the publish each answer 1 ms before their caps: 2 ms under the worst case.
    await vi.advanceTimersByTimeAsync(worstCaseFlushMs() - 3);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await pending).toEqual({ batchItemFailures: [] });
    expect(kinds).toEqual(["digest"]);
    expect(h.logs.some((l) => l.msg === "could not mark the digest sent")).toBe(true);
    expect(worstCaseBatchMs()).toBe(Math.max(worstCaseFlushMs(), worstCaseRootEventMs()));
  });

  it("a digest flush whose bucket claim never answers fails its record at the cap, for SQS to retry", async () => {
    vi.useFakeTimers();
    const hang = () => new Promise<never>(() => undefined);
    const h = harness({ store: new Proxy({} as StateStore, { get: () => hang }) });
    const flush = JSON.stringify({
      rootActivityMonitor: "digest-flush",
      accountId: "111122223333",
      bucket: 9,
    });
    const pending = h.notifier.handle(sqs(flush));
    await vi.advanceTimersByTimeAsync(FLUSH_STATE_CAP_MS);
    expect(await pending).toEqual({ batchItemFailures: [{ itemIdentifier: "m-0" }] });
    expect(h.published).toEqual([]);
  });

  it("a full batch with publishes hanging fails every record within the budget", async () => {
    vi.useFakeTimers();
    const h = harness({
      lookupAccountName: () => new Promise<string>(() => undefined),
      publish: () => new Promise<void>(() => undefined),
    });
    const bodies = Array.from({ length: NOTIFIER_BATCH_SIZE }, (_, i) =>
      JSON.stringify(rootEvent({ recipientAccountId: String(100000000000 + i) })),
    );
    const pending = h.notifier.handle(sqs(...bodies));
    await vi.advanceTimersByTimeAsync(NAME_LOOKUP_CAP_MS + PUBLISH_DEADLINE_MS + 1);
    const out = (await pending) as { batchItemFailures: unknown[] };
    expect(out.batchItemFailures).toHaveLength(NOTIFIER_BATCH_SIZE);
  });

  it("an empty batch succeeds with no failures", async () => {
    const h = harness();
    expect(await h.notifier.handle({ Records: [] })).toEqual({ batchItemFailures: [] });
    expect(h.published).toEqual([]);
  });

  it("refuses an empty topic ARN", () => {
    expect(() => harness({ topicArn: "" })).toThrow(/topicArn/);
  });
});

describe("account name lookup", () => {
  it("uses DescribeAccount's name in subject and body", async () => {
    const h = harness();
    await h.notifier.handle(rootEvent());
    expect(h.lookups).toEqual(["493859302102"]);
    expect(h.published[0]!.message).toMatch(/Account:\s+name-of-493859302102 \(493859302102\)/);
  });

  it("picks recipientAccountId, else envelope account, else userIdentity.accountId", async () => {
    const h = harness();
    const e1 = rootEvent({ recipientAccountId: "111111111111" }, { accountId: "333333333333" });
    await h.notifier.handle({ ...e1, account: "222222222222" });
    const e2 = rootEvent({ recipientAccountId: undefined }, { accountId: "333333333333" });
    await h.notifier.handle({ ...e2, account: "222222222222" });
    const e3 = rootEvent({ recipientAccountId: undefined }, { accountId: "333333333333" });
    await h.notifier.handle({ ...e3, account: undefined });
    expect(h.lookups).toEqual(["111111111111", "222222222222", "333333333333"]);
  });

  it("on failure, still publishes with the ID and says why the name is missing", async () => {
    const h = harness({
      lookupAccountName: async () => {
        throw Object.assign(new Error("not allowed"), { name: "AccessDeniedException" });
      },
    });
    await h.notifier.handle(rootEvent());
    const m = h.published[0]!;
    expect(m.subject).toBe("[CRITICAL] Root CreateAccessKey in 493859302102");
    expect(m.message).toMatch(
      /Account:\s+493859302102 \(account name unavailable: lookup failed: AccessDeniedException: not allowed\)/,
    );
    expect(h.logs.some((l) => l.msg === "account name lookup failed")).toBe(true);
  });

  it("on timeout, publishes after the cap with the ID and aborts the lookup", async () => {
    vi.useFakeTimers();
    let aborted = false;
    const h = harness({
      nameLookupCapMs: 2500,
      lookupAccountName: (_id, signal) =>
        new Promise<string>(() => {
          signal?.addEventListener("abort", () => (aborted = true));
        }),
    });
    const pending = h.notifier.handle(sqs(JSON.stringify(rootEvent())));
    await vi.advanceTimersByTimeAsync(2499);
    expect(h.published).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(2);
    await expect(pending).resolves.toEqual({ batchItemFailures: [] });
    expect(aborted).toBe(true);
    expect(h.published[0]!.message).toMatch(/account name unavailable: lookup failed: .*within 2500 ms/);
  });

  it("caches a name for the container's life: a second invocation does not look it up again", async () => {
    const cache: NameCache = {};
    const first = harness({ nameCache: cache });
    await first.notifier.handle(rootEvent());
    const second = harness({ nameCache: cache });
    await second.notifier.handle(rootEvent());
    expect(first.lookups).toHaveLength(1);
    expect(second.lookups).toHaveLength(0);
    expect(second.published[0]!.subject).toContain("name-of-493859302102");
  });

  it("looks an account up once per batch even when records arrive together", async () => {
    const h = harness();
    const body = JSON.stringify(rootEvent());
    await h.notifier.handle(sqs(body, body, body));
    expect(h.lookups).toEqual(["493859302102"]);
    expect(h.published).toHaveLength(3);
  });

  it("does not cache a failure for good: retried once the retry window has passed", async () => {
    const cache: NameCache = {};
    let clock = Date.parse("2026-01-02T03:04:05Z");
    let fail = true;
    const lookups: string[] = [];
    const make = () =>
      harness({
        nameCache: cache,
        now: () => new Date(clock),
        lookupAccountName: async (id) => {
          lookups.push(id);
          if (fail) throw new Error("throttled");
          return "recovered";
        },
      });
    await make().notifier.handle(rootEvent());
    fail = false;
    const soon = make();
    await soon.notifier.handle(rootEvent());
    expect(lookups).toHaveLength(1); // within the window: no new call, the ID is used
    expect(soon.published[0]!.message).toContain("account name unavailable");
    clock += NAME_FAILURE_RETRY_AFTER_MS + 1;
    const later = make();
    await later.notifier.handle(rootEvent());
    expect(lookups).toHaveLength(2);
    expect(later.published[0]!.subject).toBe("[CRITICAL] Root CreateAccessKey in recovered (493859302102)");
  });

  it("does not call Organizations for something that is not an account ID", async () => {
    const h = harness();
    await h.notifier.handle(rootEvent({ recipientAccountId: "redacted" }));
    expect(h.lookups).toEqual([]);
    expect(h.published[0]!.message).toContain('"redacted" is not a 12-digit account ID');
  });

  it("an empty name counts as a failed lookup", async () => {
    const h = harness({ lookupAccountName: async () => "" });
    await h.notifier.handle(rootEvent());
    expect(h.published[0]!.message).toContain("account name unavailable");
  });
});

describe("logging", () => {
  it("writes structured lines with level, msg, eventId, accountId, decision and reason", async () => {
    const h = harness();
    await h.notifier.handle(
      sqs(JSON.stringify(rootEvent()), JSON.stringify(fixture("iamuser-stoplogging.json"))),
    );
    const alert = h.logs.find((l) => l.decision === "alert");
    const skip = h.logs.find((l) => l.decision === "skip");
    expect(alert).toMatchObject({
      level: "info",
      eventId: "1",
      accountId: "493859302102",
      sqsMessageId: "m-0",
    });
    expect(typeof alert?.reason).toBe("string");
    expect(skip).toMatchObject({
      level: "info",
      eventId: "10163ed2-2253-469d-a5ee-cbc6651f8934",
      accountId: "143434273843",
    });
    expect(skip?.reason).toMatch(/IAMUser/);
  });

  it("a throwing logger does not stop an alert", async () => {
    const h = harness({
      log: () => {
        throw new Error("log broke");
      },
    });
    await h.notifier.handle(rootEvent());
    expect(h.published).toHaveLength(1);
  });
});

describe("account-name lookup beside the state store", () => {
  const after = <T>(ms: number, value: T) =>
    new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

  /** A store that answers at once, except for the claim, which takes `claimMs`. */
  function store(claimMs: number, bucketCount: number): StateStore {
    const now: Partial<StateStore> = {
      claimEvent: () => after(claimMs, "claimed" as const),
      // A count above 1: the account was active in this bucket already, so the event is held.
      noteActivity: async (_account, bucket) => (bucketCount > 1 ? bucket : undefined),
      holdForDigest: async () => ({ closed: false, scheduled: true }),
      markEventDone: async () => undefined,
      releaseEvent: async () => undefined,
    };
    return new Proxy(now as StateStore, {
      get: (t, prop) =>
        (t as unknown as Record<string | symbol, unknown>)[prop] ??
        (() => Promise.reject(new Error(`unexpected ${String(prop)}`))),
    });
  }

  it("looks the name up while the store decides: a 1 s claim and a 1 s lookup publish after 1 s, not 2 s", async () => {
    vi.useFakeTimers();
    const h = harness({
      store: store(1000, 1),
      lookupAccountName: (id) => after(1000, `name-of-${id}`),
    });
    const pending = h.notifier.handle(sqs(JSON.stringify(rootEvent())));
    await vi.advanceTimersByTimeAsync(999);
    expect(h.published).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(2);
    expect(h.published).toHaveLength(1);
    expect(h.published[0]?.subject).toContain("name-of-");
    await vi.advanceTimersByTimeAsync(2000);
    await pending;
  });

  it("a digested event waits for its lookup before returning, so no request is left to freeze", async () => {
    vi.useFakeTimers();
    const lookups: string[] = [];
    const h = harness({
      store: store(0, 2),
      scheduleFlush: async () => undefined,
      lookupAccountName: (id) => {
        lookups.push(id);
        return after(500, `name-of-${id}`);
      },
    });
    const readOnly = JSON.stringify(rootEvent({ eventName: "GetAccountSummary", readOnly: true }));
    let settled = false;
    const pending = h.notifier.handle(sqs(readOnly)).finally(() => (settled = true));
    await vi.advanceTimersByTimeAsync(499);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(2);
    expect(settled).toBe(true);
    await pending;
    expect(h.published).toHaveLength(0);
    expect(h.logs.some((l) => l.msg === "held for the account's digest")).toBe(true);
    // The name is cached for the account's next alert.
    const next = h.notifier.handle(sqs(JSON.stringify(rootEvent({ eventID: "another-event-id" }))));
    await vi.advanceTimersByTimeAsync(10);
    await next;
    expect(lookups).toHaveLength(1);
  });
});

describe("oversized fields never stop an alert", () => {
  const SNS_MAX_BYTES = 256 * 1024;
  // JSON escapes a NUL as six bytes, and the chat card is JSON inside the JSON message: the worst case.
  const HUGE_NULS = "\u0000".repeat(150_000);

  function publishedBytes(h: ReturnType<typeof harness>): number {
    const p = h.published[0];
    if (!p) throw new Error("nothing was published");
    return Buffer.byteLength(JSON.stringify(p.structure), "utf8");
  }

  it("an unreadable event with a 150,000-character account field is published within SNS's limit", async () => {
    const h = harness();
    // userIdentity.accountId is not a string, so the event is unreadable; its account is all NULs.
    const envelope = {
      id: "",
      account: HUGE_NULS,
      detail: { eventName: "X", userIdentity: { type: "Root", accountId: {} } },
    };
    await h.notifier.handle(envelope);
    expect(h.published).toHaveLength(1);
    expect(h.published[0]?.doc.kind).toBe("unreadable");
    expect(publishedBytes(h)).toBeLessThan(SNS_MAX_BYTES);
    const card = JSON.parse(h.published[0]?.structure.https ?? "{}") as { metadata: { threadId: string } };
    expect(card.metadata.threadId).toBe("root-activity-unknown");
  });

  it("a self-test with 150,000-character fields is published, each field capped", async () => {
    const h = harness();
    const envelope = {
      id: HUGE_NULS,
      source: "root-activity-monitor.selftest",
      account: "123456789012",
      region: HUGE_NULS,
      detail: { testId: HUGE_NULS, via: HUGE_NULS, requestedBy: HUGE_NULS },
    };
    await h.notifier.handle(envelope);
    expect(h.published).toHaveLength(1);
    expect(publishedBytes(h)).toBeLessThan(SNS_MAX_BYTES);
    const doc = h.published[0]?.doc as Record<string, string>;
    for (const key of ["testId", "region", "via", "envelopeId"])
      expect(doc[key]?.length ?? 0).toBeLessThanOrEqual(200);
  });
});
