// lambda.ts's real wiring (AWS SDK v3 SNS and Organizations clients) against the local fake AWS
// endpoint, reached only through AWS_ENDPOINT_URL_* variables.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { FakeAwsError, fakeAwsEnv, startFakeAws, type FakeAws } from "../../../testkit/fakeAws";
import { TESTS_DIR } from "../../../testkit/paths";

type LambdaModule = typeof import("../../../handler/lambda");

const TOPIC = "arn:aws:sns:us-east-1:999999999999:root-alerts";
const ACCOUNT = "493859302102";
const envelope = JSON.parse(
  fs.readFileSync(path.join(TESTS_DIR, "fixtures", "root-createaccesskey-noinvokedby.json"), "utf8"),
) as Record<string, unknown>;
const sqsEvent = (...ids: string[]) => ({
  Records: ids.map((messageId) => ({ messageId, body: JSON.stringify(envelope), eventSource: "aws:sqs" })),
});

let fake: FakeAws;
const savedEnv = { ...process.env };

/** A fresh copy of the module: its container state (clients, name cache) starts empty. */
async function freshLambda(): Promise<LambdaModule> {
  vi.resetModules();
  return import("../../../handler/lambda");
}

beforeAll(async () => {
  fake = await startFakeAws({
    "organizations:DescribeAccount": (params) => ({
      Account: { Id: params.AccountId, Name: `acct-${String(params.AccountId)}` },
    }),
  });
});

afterAll(async () => {
  await fake.close();
});

beforeEach(() => {
  Object.assign(process.env, fakeAwsEnv(fake.url), { TOPIC_ARN: TOPIC });
  fake.requests.length = 0;
  fake.on("sns:Publish", () => `<MessageId>${Math.random().toString(16).slice(2)}</MessageId>`);
  fake.on("organizations:DescribeAccount", (params) => ({
    Account: { Id: params.AccountId, Name: `acct-${String(params.AccountId)}` },
  }));
  vi.spyOn(console, "log").mockImplementation(() => undefined);
});

afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
  Object.assign(process.env, savedEnv);
  vi.restoreAllMocks();
});

const publishes = () => fake.requests.filter((r) => r.service === "sns" && r.operation === "Publish");
const describes = () => fake.requests.filter((r) => r.operation === "DescribeAccount");

describe("lambda handler with the real SDK", () => {
  it("keeps exactly two parameters", async () => {
    const { handler } = await freshLambda();
    expect(handler.length).toBe(2);
  });

  it("throws a clear error when TOPIC_ARN is missing", async () => {
    delete process.env.TOPIC_ARN;
    const { handler } = await freshLambda();
    await expect(handler(sqsEvent("m-1"), {})).rejects.toThrow(/TOPIC_ARN is not set/);
    process.env.TOPIC_ARN = "  ";
    await expect(handler(sqsEvent("m-1"), {})).rejects.toThrow(/TOPIC_ARN is not set/);
    expect(publishes()).toHaveLength(0);
  });

  it("publishes to the topic with the account name from DescribeAccount, then caches it", async () => {
    const { handler } = await freshLambda();
    const out = await handler(sqsEvent("m-1"), {});
    expect(out).toEqual({ batchItemFailures: [] });
    expect(describes()).toHaveLength(1);
    expect(describes()[0]!.params).toEqual({ AccountId: ACCOUNT });
    const p = publishes();
    expect(p).toHaveLength(1);
    expect(p[0]!.params.TopicArn).toBe(TOPIC);
    expect(p[0]!.params.Subject).toBe(`[CRITICAL] Root CreateAccessKey in acct-${ACCOUNT} (${ACCOUNT})`);
    expect(String(p[0]!.params.Message)).toContain(`acct-${ACCOUNT} (${ACCOUNT})`);
    expect(Object.values(p[0]!.params)).toContain("severity");
    expect(Object.values(p[0]!.params)).toContain("critical");

    await handler(sqsEvent("m-2"), {});
    expect(describes()).toHaveLength(1); // cache hit in the same container
    expect(publishes()).toHaveLength(2);
    // One JSON log line per console.log call.
    const lines = vi
      .mocked(console.log)
      .mock.calls.map((c) => JSON.parse(String(c[0])) as Record<string, unknown>);
    expect(lines.some((l) => l.msg === "alert published" && l.accountId === ACCOUNT)).toBe(true);
  });

  it("publishes with the ID when Organizations refuses", async () => {
    fake.on("organizations:DescribeAccount", () => {
      throw new FakeAwsError("AccessDeniedException", "not the management account");
    });
    const { handler } = await freshLambda();
    await handler(sqsEvent("m-1"), {});
    const p = publishes();
    expect(p[0]!.params.Subject).toBe(`[CRITICAL] Root CreateAccessKey in ${ACCOUNT}`);
    expect(String(p[0]!.params.Message)).toMatch(/account name unavailable: lookup failed: AccessDenied/);
  });

  it("does not let a slow Organizations hold the alert beyond the lookup cap", async () => {
    fake.on(
      "organizations:DescribeAccount",
      () => new Promise((resolve) => setTimeout(() => resolve({ Account: { Name: "late" } }), 6000)),
    );
    const { handler } = await freshLambda();
    const started = Date.now();
    await handler(sqsEvent("m-1"), {});
    const took = Date.now() - started;
    expect(took).toBeLessThan(4000);
    expect(String(publishes()[0]!.params.Message)).toContain("account name unavailable");
  }, 20_000);

  it("retries a failing SNS 4 times, then reports the record as a batch item failure", async () => {
    fake.on("sns:Publish", () => {
      throw new FakeAwsError("InternalError", "try later", 500);
    });
    const { handler } = await freshLambda();
    const out = await handler(sqsEvent("m-1"), {});
    expect(out).toEqual({ batchItemFailures: [{ itemIdentifier: "m-1" }] });
    expect(publishes()).toHaveLength(4);
  }, 20_000);

  it("throws for a bare envelope whose publish is refused", async () => {
    fake.on("sns:Publish", () => {
      throw new FakeAwsError("AuthorizationError", "no", 403);
    });
    const { handler } = await freshLambda();
    await expect(handler(envelope, {})).rejects.toThrow();
  });

  it("handles a bare envelope (direct invoke) and returns nothing", async () => {
    const { handler } = await freshLambda();
    await expect(handler(envelope, {})).resolves.toBeUndefined();
    expect(publishes()).toHaveLength(1);
  });

  it("requires the SDK lazily: loading the module creates no client and no connection", async () => {
    await freshLambda();
    expect(fake.requests).toHaveLength(0);
    const src = fs.readFileSync(path.join(TESTS_DIR, "..", "handler", "lambda.ts"), "utf8");
    expect(src).not.toMatch(/^import (?!type)[^;]*@aws-sdk/m);
    expect(src).not.toMatch(/https?:\/\/[a-z0-9.-]+amazonaws\.com/);
  });
});
