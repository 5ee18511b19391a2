// Property-based fuzzing of the notifier core (fast-check): well-formed root events with hostile field
// values (unicode, control and bidi characters, lone surrogates, very long strings, nulls and other
// types where strings belong, extra fields) and structurally broken envelopes and SQS bodies.
//
// Invariants:
//  - classification is total: decide / decideSqsBody / severityFor never throw;
//  - only root events alert, and a root event that is not AWS acting alone is never skipped: it is
//    published, or the call throws / reports the SQS record as failed;
//  - every subject is one SNS accepts, every message fits SNS's limits (attributes included) and is
//    well-formed Unicode (the SDK cannot encode lone surrogates).
// A failure prints the seed and the shrunk counterexample; rerun with FUZZ_SEED=<seed>.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decide, decideSqsBody } from "../../../handler/classify/decide";
import { createNotifier } from "../../../handler/notifier";
import { type PublishInput } from "../../../handler/support/deps";
import { SEVERITY_LEVELS, SEVERITY_TABLE, severityFor } from "../../../handler/classify/severity";

const TOPIC = "arn:aws:sns:us-east-1:999999999999:root-alerts";
/** SNS: 256 KiB per message, message attributes (name, type and value) included. */
const SNS_MAX_MESSAGE_BYTES = 262_144;
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const params = (numRuns: number): fc.Parameters<unknown> => ({
  numRuns,
  ...(SEED !== undefined ? { seed: SEED } : {}),
});

let generated = 0;
/** Counts every generated input, so the run can prove how many it tried. */
const counted = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T> =>
  arb.map((v) => {
    generated++;
    return v;
  });

// ---------- arbitraries ----------

const fromCodes = (min: number, max: number) => fc.integer({ min, max }).map((c) => String.fromCharCode(c));
/** Characters that break naive text handling. */
const nastyChar = fc.oneof(
  fromCodes(0x00, 0x1f), // C0 controls, CR, LF, TAB
  fromCodes(0x7f, 0x9f), // DEL, C1 controls
  fromCodes(0xd800, 0xdfff), // lone surrogates
  fc.constantFrom(
    "\u2028",
    "\u2029",
    "\u200e",
    "\u200f",
    "\u202a",
    "\u202e",
    "\u2066",
    "\u2069",
    "\ufeff",
    "\ufffd",
    "😀",
    "🏴‍☠️",
    "e\u0301",
    "中",
    "ﷺ",
    "$",
    "<",
    "|",
    "~",
    " ",
    "\\",
    '"',
  ),
);
const char = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: nastyChar },
);
/** Very long: built by repetition, so generating it stays cheap. */
const longText = fc
  .tuple(fc.string({ unit: char, minLength: 1, maxLength: 4 }), fc.integer({ min: 200, max: 70_000 }))
  .map(([s, n]) => s.repeat(Math.ceil(n / s.length)).slice(0, n));
const text = fc.oneof(
  // An envelope has ~15 text fields: about one in four envelopes carries a very long one.
  { weight: 60, arbitrary: fc.string({ unit: char, maxLength: 40 }) },
  { weight: 1, arbitrary: longText },
);
/** What a broken producer puts where a string belongs. */
const notString = fc.oneof(
  fc.constant(null),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 2 }),
);
const maybe = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 10, arbitrary: arb as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: notString });
const extras = fc.dictionary(fc.string({ unit: char, maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), {
  maxKeys: 3,
});
const accountId = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^\d{12}$/) },
  { weight: 1, arbitrary: text },
);
const eventName = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...SEVERITY_TABLE.flatMap((r) => r.eventNames), "ListAccessKeys") },
  { weight: 1, arbitrary: text },
);
const invokedBy = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom(
    "signin.amazonaws.com",
    " SIGNIN.amazonaws.com ",
    "elasticloadbalancing.amazonaws.com",
    "AWS Internal",
    "cloudformation.amazonaws.com",
    "amazonaws.com.evil.example",
  ),
  text,
  notString,
);
const identityType = fc.oneof(
  { weight: 12, arbitrary: fc.constant("Root") },
  { weight: 1, arbitrary: fc.constantFrom("IAMUser", "AssumedRole", "AWSService", "root", "Root ") },
  { weight: 1, arbitrary: text },
  { weight: 1, arbitrary: notString },
);
const eventType = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom("AwsApiCall", "AwsConsoleSignIn", "AwsServiceEvent"),
  maybe(text),
);
const json = fc.jsonValue({ maxDepth: 3 });

const userIdentity = fc
  .tuple(
    fc.record(
      {
        type: identityType,
        invokedBy,
        principalId: maybe(text),
        arn: maybe(text),
        accountId: maybe(accountId),
        accessKeyId: maybe(text),
        sessionContext: fc.oneof(
          fc.record({ attributes: fc.record({ mfaAuthenticated: maybe(fc.constantFrom("true", "false")) }) }),
          json,
        ),
      },
      { requiredKeys: ["type", "arn", "accountId"] },
    ),
    extras,
  )
  .map(([known, extra]) => ({ ...extra, ...known }));

const detail = fc
  .tuple(
    fc.record(
      {
        eventVersion: maybe(fc.constant("1.08")),
        userIdentity,
        eventTime: maybe(
          fc.oneof(
            fc.date().map((d) => (isNaN(d.getTime()) ? "x" : d.toISOString())),
            text,
          ),
        ),
        eventSource: maybe(fc.oneof(fc.constantFrom("iam.amazonaws.com", "signin.amazonaws.com"), text)),
        eventName: maybe(eventName),
        awsRegion: maybe(fc.oneof(fc.constantFrom("us-east-1", "eu-west-1"), text)),
        sourceIPAddress: maybe(text),
        userAgent: maybe(text),
        requestParameters: fc.oneof(
          fc.constant(null),
          fc.record({ userName: maybe(text) }, { requiredKeys: [] }),
          json,
          longText.map((s) => ({ policyDocument: s })),
        ),
        responseElements: fc.oneof(
          fc.constant(null),
          fc.record({
            ConsoleLogin: maybe(fc.oneof(fc.constantFrom("Success", "Failure", " failure "), text)),
          }),
          json,
        ),
        additionalEventData: fc.oneof(
          fc.record({ MFAUsed: maybe(fc.oneof(fc.constantFrom("Yes", "YES", "No", "no"), text)) }),
          json,
        ),
        errorCode: maybe(text),
        errorMessage: maybe(text),
        readOnly: fc.oneof(fc.boolean(), fc.constant(null), notString),
        eventType,
        eventID: maybe(fc.oneof(fc.uuid(), text)),
        recipientAccountId: maybe(accountId),
      },
      // Real records carry most fields; leaving the rest out at random also tests absent fields.
      { requiredKeys: ["userIdentity", "eventName", "eventSource", "eventID", "recipientAccountId"] },
    ),
    extras,
  )
  .map(([known, extra]) => ({ ...extra, ...known }));

/** A root-activity envelope as EventBridge delivers it, with hostile values. */
const wellFormed = fc
  .tuple(
    fc.record(
      {
        version: fc.constant("0"),
        id: maybe(fc.oneof(fc.uuid(), text)),
        "detail-type": maybe(
          fc.constantFrom("AWS API Call via CloudTrail", "AWS Console Sign In via CloudTrail"),
        ),
        source: maybe(fc.constantFrom("aws.iam", "aws.signin", "aws.s3")),
        account: maybe(accountId),
        time: maybe(text),
        region: maybe(text),
        resources: fc.array(text, { maxLength: 2 }),
        detail,
      },
      { requiredKeys: ["detail", "id", "account"] },
    ),
    extras,
  )
  .map(([known, extra]) => ({ ...extra, ...known }));

const notObject = fc.oneof(notString, text, fc.constant(undefined), fc.array(json, { maxLength: 3 }));
/** Envelopes broken at every level of the structure. */
const broken = fc.oneof(
  fc.anything({ maxDepth: 3 }),
  fc.tuple(wellFormed, notObject).map(([e, bad]) => ({ ...e, detail: bad })),
  wellFormed.map(({ detail: _dropped, ...rest }) => rest),
  fc.tuple(wellFormed, notObject).map(([e, bad]) => ({ ...e, detail: { ...e.detail, userIdentity: bad } })),
  wellFormed.map((e) => {
    const { userIdentity: _dropped, ...d } = e.detail;
    return { ...e, detail: d };
  }),
  wellFormed.map((e) => [e]),
);
const envelope = fc.oneof({ weight: 3, arbitrary: wellFormed }, { weight: 1, arbitrary: broken });

/** SQS bodies: the usual JSON envelope, and everything a body should never be. */
const sqsBody = fc.oneof(
  { weight: 4, arbitrary: envelope.map((e) => JSON.stringify(e) ?? "undefined") },
  {
    weight: 1,
    arbitrary: wellFormed.chain((e) => {
      const s = JSON.stringify(e);
      return fc.integer({ min: 0, max: s.length }).map((n) => s.slice(0, n));
    }),
  },
  { weight: 1, arbitrary: wellFormed.map((e) => JSON.stringify(JSON.stringify(e))) },
  { weight: 1, arbitrary: text },
  { weight: 1, arbitrary: notObject },
);

// ---------- oracle, written from the severity table of docs/alerts.md, independent of the handler ----------

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** userIdentity.type is "Root", and it is not AWS acting on its own: this must reach someone. */
function mustNotBeLost(env: unknown): boolean {
  if (!isObj(env) || !isObj(env.detail) || !isObj(env.detail.userIdentity)) return false;
  const d = env.detail;
  const u = env.detail.userIdentity as Record<string, unknown>;
  if (u.type !== "Root") return false;
  if (d.eventType === "AwsServiceEvent") return false;
  if (typeof u.invokedBy === "string") {
    const v = u.invokedBy.trim().toLowerCase();
    if ((v.endsWith(".amazonaws.com") || v === "aws internal") && v !== "signin.amazonaws.com") return false;
  }
  return true;
}

/** SNS: ASCII printable, 1-99 characters, starting with a letter, number or punctuation mark. */
function validSubject(s: string): boolean {
  return /^[\x20-\x7e]{1,99}$/.test(s) && /^[\p{L}\p{N}\p{P}]/u.test(s);
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function checkPublished(m: PublishInput): void {
  expect(validSubject(m.subject), `subject ${JSON.stringify(m.subject)}`).toBe(true);
  const attributeBytes = Object.entries(m.attributes).reduce(
    (n, [k, v]) =>
      n + Buffer.byteLength(k) + Buffer.byteLength("String.Array") + Buffer.byteLength(JSON.stringify(v)),
    0,
  );
  expect(Buffer.byteLength(m.message, "utf8") + attributeBytes).toBeLessThanOrEqual(SNS_MAX_MESSAGE_BYTES);
  expect(m.message.length).toBeGreaterThan(0);
  expect(LONE_SURROGATE.test(m.message), "message holds a lone surrogate").toBe(false);
  for (const v of Object.values(m.attributes).flat()) {
    expect(v.length, "empty attribute value").toBeGreaterThan(0);
    expect(LONE_SURROGATE.test(v), "attribute holds a lone surrogate").toBe(false);
  }
  // MessageStructure json: every protocol string present, and `default` is the JSON document.
  expect(m.messageStructure).toBe("json");
  const structure = JSON.parse(m.message) as Record<string, unknown>;
  for (const k of ["default", "email", "email-json", "https"]) expect(typeof structure[k], k).toBe("string");
  expect(JSON.parse(structure.default as string)).toMatchObject({ schema: "root-activity-monitor/alert/v1" });
  expect(JSON.parse(structure.https as string)).toMatchObject({ version: "1.0", source: "custom" });
  expect(m.topicArn).toBe(TOPIC);
  expect(SEVERITY_LEVELS).toContain(m.attributes.severity);
}

/** A lookup that answers like Organizations might, or fails. */
const lookupBehaviour = fc.oneof(
  fc.constant<{ kind: "name"; name: string } | { kind: "fail" }>({ kind: "fail" }),
  text.map((name) => ({ kind: "name" as const, name })),
);

function notifierWith(
  lookup: { kind: "name"; name: string } | { kind: "fail" },
  publishFails: (m: PublishInput) => boolean,
) {
  const published: PublishInput[] = [];
  const notifier = createNotifier({
    topicArn: TOPIC,
    publish: async (m) => {
      if (publishFails(m)) throw new Error("SNS said no");
      published.push(m);
    },
    lookupAccountName: async () => {
      if (lookup.kind === "fail") throw new Error("AccessDeniedException");
      return lookup.name;
    },
    log: () => undefined,
    now: () => new Date("2026-01-02T03:04:05Z"),
  });
  return { notifier, published };
}

// ---------- properties ----------

describe("classification is total", () => {
  it("decide never throws, alerts only for root, and never skips a root event unless AWS acts alone", () => {
    fc.assert(
      fc.property(counted(envelope), (env) => {
        const d = decide(env);
        expect(["alert", "skip", "unreadable"]).toContain(d.decision);
        if (d.decision === "alert") {
          expect(isObj(env) && isObj(env.detail) && isObj(env.detail.userIdentity)).toBe(true);
          expect(((env as any).detail.userIdentity as Record<string, unknown>).type).toBe("Root");
          expect(SEVERITY_LEVELS).toContain(d.verdict.severity);
        }
        if (mustNotBeLost(env)) expect(d.decision).not.toBe("skip");
      }),
      params(3500),
    );
  });

  it("decideSqsBody never throws, whatever the body", () => {
    fc.assert(
      fc.property(counted(sqsBody), (body) => {
        const { decision, parsed } = decideSqsBody(body);
        expect(["alert", "skip", "unreadable"]).toContain(decision.decision);
        if (typeof body === "string" && mustNotBeLost(parsed)) expect(decision.decision).not.toBe("skip");
        if (typeof body !== "string") expect(decision.decision).toBe("unreadable");
      }),
      params(1500),
    );
  });

  it("severityFor answers every combination with a known severity and advice", () => {
    fc.assert(
      fc.property(
        counted(
          fc.record({
            eventName,
            readOnly: fc.boolean(),
            failed: fc.boolean(),
            mfaUsed: fc.boolean(),
            requestUserName: fc.option(text, { nil: undefined }),
          }),
        ),
        (facts) => {
          const v = severityFor(facts);
          expect(SEVERITY_LEVELS).toContain(v.severity);
          expect(v.advice.length).toBeGreaterThan(0);
        },
      ),
      params(1000),
    );
  });
});

describe("no root event is lost, every publish is valid for SNS", () => {
  it("direct envelopes: a root event publishes exactly once when SNS works", async () => {
    await fc.assert(
      fc.asyncProperty(counted(envelope), lookupBehaviour, async (env, lookup) => {
        const { notifier, published } = notifierWith(lookup, () => false);
        await notifier.handle(env);
        // handle() on an envelope is processEnvelope(); an SQS-shaped envelope is unlikely but allowed.
        if (mustNotBeLost(env)) expect(published.length).toBe(1);
        expect(published.length).toBeLessThanOrEqual(1);
        published.forEach(checkPublished);
      }),
      params(2000),
    );
  });

  it("direct envelopes: when SNS fails, a root event makes the invocation throw", async () => {
    await fc.assert(
      fc.asyncProperty(counted(envelope), lookupBehaviour, async (env, lookup) => {
        const { notifier, published } = notifierWith(lookup, () => true);
        let threw = false;
        try {
          await notifier.processEnvelope(env);
        } catch {
          threw = true;
        }
        expect(published).toEqual([]);
        if (mustNotBeLost(env)) expect(threw).toBe(true);
      }),
      params(1000),
    );
  });

  it("SQS batches: each root record is published, or reported failed (or the batch throws)", async () => {
    const record = fc.record(
      {
        messageId: fc.oneof({ weight: 8, arbitrary: fc.uuid() }, { weight: 1, arbitrary: notObject }),
        body: sqsBody,
        eventSource: fc.constant("aws:sqs"),
      },
      { requiredKeys: ["body"] },
    );
    const batch = fc.array(fc.oneof({ weight: 12, arbitrary: record }, { weight: 1, arbitrary: notObject }), {
      minLength: 1,
      maxLength: 4,
    });
    await fc.assert(
      fc.asyncProperty(
        counted(batch),
        lookupBehaviour,
        fc.integer({ min: 0, max: 3 }),
        async (records, lookup, failEvery) => {
          let n = 0;
          // failEvery 0: SNS always works; otherwise every failEvery-th publish fails.
          const { notifier, published } = notifierWith(lookup, () => failEvery > 0 && ++n % failEvery === 0);
          let response: { batchItemFailures: { itemIdentifier: string }[] } | undefined;
          let threw = false;
          try {
            response = (await notifier.handle({ Records: records })) as typeof response;
          } catch {
            threw = true;
          }
          published.forEach(checkPublished);
          const roots = records.filter(
            (r) => isObj(r) && typeof r.body === "string" && mustNotBeLost(safeParse(r.body)),
          );
          if (threw) {
            // Only allowed when a failed record had no usable messageId: SQS then redelivers the batch.
            expect(
              records.some((r) => !isObj(r) || typeof r.messageId !== "string" || r.messageId === ""),
            ).toBe(true);
            return;
          }
          const failures = response?.batchItemFailures ?? [];
          const ids = records.map((r) => (isObj(r) ? r.messageId : undefined));
          for (const f of failures) expect(ids).toContain(f.itemIdentifier);
          // Every root record is accounted for: published, or named as failed.
          expect(published.length + failures.length).toBeGreaterThanOrEqual(roots.length);
          expect(published.length).toBeLessThanOrEqual(records.length);
          if (failEvery === 0) expect(failures).toEqual([]);
        },
      ),
      params(1200),
    );
  });
});

function safeParse(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

describe("volume", () => {
  // Runs last (tests in a file run in order): proves the properties above really tried that many.
  it("generated at least 10,000 inputs in this run", () => {
    expect(generated).toBeGreaterThanOrEqual(10_000);
  });
});
