// Faults, driven through the notifier users deploy: the `__index.js` the real hub program builds, in a
// fresh Node process that can resolve only the AWS SDK (as in Lambda), against local endpoints that
// fail the way SNS and Organizations fail. Also: the time budget against what the hub configures, and
// replay of messages as they sit in the dead-letter queue.
//
// The slow cases (SDK timeouts and backoff) are independent, each with its own fake endpoint, and run
// concurrently.
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  COLD_START_MARGIN_MS,
  NAME_LOOKUP_CAP_MS,
  NOTIFIER_BATCH_SIZE,
  NOTIFIER_TIMEOUT_SECONDS,
  ORGANIZATIONS_CONNECTION_TIMEOUT_MS,
  ORGANIZATIONS_MAX_ATTEMPTS,
  ORGANIZATIONS_REQUEST_TIMEOUT_MS,
  PUBLISH_DEADLINE_MS,
  SNS_CONNECTION_TIMEOUT_MS,
  SNS_MAX_ATTEMPTS,
  SNS_REQUEST_TIMEOUT_MS,
  snsNominalWorstCaseMs,
  worstCaseBatchMs,
} from "../../../handler/support/budget";
import { MAX_RECEIVE_COUNT } from "../../../hub/queues";
import {
  FakeAwsError,
  fakeAwsEnv,
  startFakeAws,
  type FakeAws,
  type Responders,
} from "../../../testkit/fakeAws";
import { createSandbox, sqsBatch, type InvocationResult, type Sandbox } from "../../../testkit/lambdaSandbox";
import { one, parseJson, runExampleHub, type ProgramRun } from "../../../testkit/program";
import { structureOf } from "../../../testkit/published";
import { TESTS_DIR } from "../../../testkit/paths";

const FIXTURES = path.join(TESTS_DIR, "fixtures");
const TOPIC_ARN = "arn:aws:sns:us-east-1:222222222222:alerts-abc1234";
const TIMEOUT_MS = NOTIFIER_TIMEOUT_SECONDS * 1000;
const load = (file: string): Record<string, any> =>
  JSON.parse(fs.readFileSync(path.join(FIXTURES, file), "utf8"));

/** No-MFA root console sign-in in 111122223333 ("prod-payments"). */
const EVENT = load("root-consolelogin-success-nomfa.json");
const ACCOUNT = "111122223333";
const EVENT_ID = String(EVENT.detail.eventID);

let run: ProgramRun;
let sandbox: Sandbox;

beforeAll(async () => {
  let code: string;
  ({ run, code } = await runExampleHub());
  sandbox = createSandbox(code);
});

/** An Organizations that names the accounts it knows. */
const namingOrganizations: Responders = {
  "organizations:DescribeAccount": (params) => ({
    Account: { Id: String(params.AccountId), Name: "prod-payments", Status: "ACTIVE" },
  }),
};

/** A responder that never answers within any test (the socket is closed when the fake closes). */
const never = (): Promise<never> =>
  new Promise(() => {
    setTimeout(() => undefined, 120_000).unref();
  });

/** Starts a fake, runs `body`, always closes the fake. */
async function withFake<R>(responders: Responders, body: (fake: FakeAws) => Promise<R>): Promise<R> {
  const fake = await startFakeAws(responders);
  try {
    return await body(fake);
  } finally {
    await fake.close();
  }
}

const env = (fake: FakeAws, extra: Record<string, string> = {}): Record<string, string> => ({
  ...fakeAwsEnv(fake.url),
  TOPIC_ARN,
  ...extra,
});
const publishes = (fake: FakeAws) =>
  fake.requests.filter((r) => r.service === "sns" && r.operation === "Publish");
const lookups = (fake: FakeAws) => fake.requests.filter((r) => r.operation === "DescribeAccount");

/** Invokes each event in its own fresh process, all at once (a cold Lambda per event). */
async function invokeEach(events: unknown[], e: Record<string, string>): Promise<InvocationResult[]> {
  const results = await Promise.all(events.map((ev) => sandbox.invoke([ev], e)));
  return results.map((r) => r[0] as InvocationResult);
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("time budget against what the hub deploys", () => {
  it("function timeout, client timeouts, retry counts and queue settings are consistent", () => {
    const fn = one(run, "aws:lambda/function:Function", "root-activity-hub-notifier");
    const events = one(run, "aws:sqs/queue:Queue", "root-activity-hub-events");
    const deadLetters = one(run, "aws:sqs/queue:Queue", "root-activity-hub-dead-letters");
    const mapping = one(
      run,
      "aws:lambda/eventSourceMapping:EventSourceMapping",
      "root-activity-hub-event-queue-to-notifier",
    );
    const timeoutS = fn.inputs.timeout as number;

    // The function gets the timeout the budget was computed for.
    expect(timeoutS).toBe(NOTIFIER_TIMEOUT_SECONDS);
    // A whole batch (records run concurrently): name lookup cap + publish deadline + cold start.
    expect(worstCaseBatchMs() + COLD_START_MARGIN_MS).toBeLessThanOrEqual(timeoutS * 1000);
    // Every SNS attempt with its connection and request timeouts, plus the SDK's backoff, fits in the
    // publish deadline, so the deadline only cuts off pathological cases (Retry-After, idle sockets).
    expect(SNS_MAX_ATTEMPTS * (SNS_CONNECTION_TIMEOUT_MS + SNS_REQUEST_TIMEOUT_MS)).toBeLessThan(
      PUBLISH_DEADLINE_MS,
    );
    expect(snsNominalWorstCaseMs()).toBeLessThanOrEqual(PUBLISH_DEADLINE_MS);
    expect(SNS_MAX_ATTEMPTS).toBeGreaterThanOrEqual(2);
    // The name lookup gets at least one full attempt before its cap.
    expect(NAME_LOOKUP_CAP_MS).toBeGreaterThanOrEqual(ORGANIZATIONS_REQUEST_TIMEOUT_MS);
    expect(ORGANIZATIONS_CONNECTION_TIMEOUT_MS).toBeLessThan(NAME_LOOKUP_CAP_MS);
    expect(ORGANIZATIONS_MAX_ATTEMPTS).toBeGreaterThanOrEqual(1);

    // SQS: a message is invisible for at least 6 function timeouts (AWS's guidance for Lambda
    // sources), so a slow invocation never overlaps its own redelivery.
    expect(events.inputs.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(6 * timeoutS);
    // A message that keeps failing reaches the dead-letter queue long before it would expire.
    const redrive = parseJson(events.inputs.redrivePolicy);
    expect(redrive.maxReceiveCount).toBe(MAX_RECEIVE_COUNT);
    expect(redrive.deadLetterTargetArn).toBe(run.outputs?.deadLetterQueueArn);
    expect(redrive.maxReceiveCount * events.inputs.visibilityTimeoutSeconds).toBeLessThan(
      events.inputs.messageRetentionSeconds / 10,
    );
    // A standard queue keeps the original enqueue time on redrive: the DLQ must keep messages at
    // least as long as the source queue, or dead letters could expire on arrival.
    expect(deadLetters.inputs.messageRetentionSeconds).toBeGreaterThanOrEqual(
      events.inputs.messageRetentionSeconds,
    );
    // Partial batch failures are reported, so one failed record does not redeliver the batch.
    expect(mapping.inputs.batchSize).toBe(NOTIFIER_BATCH_SIZE);
    expect(mapping.inputs.functionResponseTypes).toEqual(["ReportBatchItemFailures"]);
    // Direct (async) invocations that fail go to the same dead-letter queue.
    expect(fn.inputs.deadLetterConfig.targetArn).toBe(run.outputs?.deadLetterQueueArn);
  });
});

describe.concurrent("SNS fails: bounded retries, then the event goes to the retry/dead-letter path", () => {
  /**
   * Sends EVENT as an SQS batch and as a direct invoke (each a cold process), against an SNS that
   * fails with `fail`, and checks the outcome and the attempts SNS saw.
   */
  async function failingPublish(
    expect: any,
    fail: () => unknown,
  ): Promise<{ results: InvocationResult[]; fake: FakeAws }> {
    return withFake({ ...namingOrganizations, "sns:Publish": fail }, async (fake) => {
      const results = await invokeEach([sqsBatch([EVENT]), EVENT], env(fake));
      const [batch, direct] = results;
      // SQS: the record is reported failed, so SQS redelivers it (and dead-letters it after 5 receives).
      expect(batch).toMatchObject({ ok: { batchItemFailures: [{ itemIdentifier: "msg-0" }] } });
      // Direct invoke: the error is thrown, so Lambda retries it and sends it to the function's DLQ.
      expect(direct).toHaveProperty("error");
      // The SDK retried: every attempt reached SNS, and no more.
      expect(publishes(fake)).toHaveLength(2 * SNS_MAX_ATTEMPTS);
      for (const p of publishes(fake)) expect(String(p.params.Message)).toContain(EVENT_ID);
      for (const r of results) expect(r.ms).toBeLessThan(TIMEOUT_MS - COLD_START_MARGIN_MS);
      return { results, fake };
    });
  }

  it("500 InternalFailure", async ({ expect }) => {
    const { results } = await failingPublish(expect, () => {
      throw new FakeAwsError("InternalFailure", "internal error", 500);
    });
    expect((results[1] as { error: string }).error).toMatch(/InternalFailure|internal error/);
  });

  it("400 Throttling", async ({ expect }) => {
    const { results } = await failingPublish(expect, () => {
      throw new FakeAwsError("Throttling", "Rate exceeded", 400);
    });
    expect((results[1] as { error: string }).error).toMatch(/Rate exceeded|Throttling/);
  });

  it("429 ThrottledException", async ({ expect }) => {
    await failingPublish(expect, () => {
      throw new FakeAwsError("ThrottledException", "Too many requests", 429);
    });
  });

  it("never answers: every attempt times out, the notifier fails within the function timeout", async ({
    expect,
  }) => {
    const { results } = await failingPublish(expect, never);
    for (const r of results) {
      // Each of the attempts waited for its request timeout.
      expect(r.ms).toBeGreaterThanOrEqual(SNS_MAX_ATTEMPTS * SNS_REQUEST_TIMEOUT_MS * 0.9);
      expect(r.ms).toBeLessThanOrEqual(snsNominalWorstCaseMs() + NAME_LOOKUP_CAP_MS);
    }
  });

  it("recovers within the retries: two failures then success publishes once, no failure reported", async ({
    expect,
  }) => {
    let calls = 0;
    await withFake(
      {
        ...namingOrganizations,
        "sns:Publish": () => {
          calls++;
          if (calls <= 2) throw new FakeAwsError("ServiceUnavailable", "try again", 503);
          return "<MessageId>ok</MessageId>";
        },
      },
      async (fake) => {
        const [batch] = await invokeEach([sqsBatch([EVENT])], env(fake));
        expect(batch).toMatchObject({ ok: { batchItemFailures: [] } });
        expect(publishes(fake)).toHaveLength(3);
      },
    );
  });
});

describe.concurrent("Organizations fails: the alert still goes out, with the account ID, unnamed", () => {
  /** Checks the one alert SNS received for EVENT when the name could not be had. */
  function expectUnnamedAlert(expect: any, fake: FakeAws): void {
    const sent = publishes(fake);
    expect(sent).toHaveLength(1);
    const subject = String(sent[0]?.params.Subject);
    const message = String(sent[0]?.params.Message);
    expect(subject).toBe(`[CRITICAL] Root ConsoleLogin in ${ACCOUNT}`);
    expect(message).toMatch(new RegExp(`Account:\\s+${ACCOUNT} \\(account name unavailable: `));
    expect(message).toContain(EVENT_ID);
  }

  it("AccessDenied: not retried, alert at once", async ({ expect }) => {
    await withFake(
      {
        "organizations:DescribeAccount": () => {
          throw new FakeAwsError(
            "AccessDeniedException",
            "You don't have permissions to access this resource.",
          );
        },
      },
      async (fake) => {
        const [batch] = await invokeEach([sqsBatch([EVENT])], env(fake));
        expect(batch).toMatchObject({ ok: { batchItemFailures: [] } });
        expectUnnamedAlert(expect, fake);
        expect(String(publishes(fake)[0]?.params.Message)).toMatch(/AccessDenied|permissions/);
        expect(lookups(fake).length).toBeGreaterThanOrEqual(1);
        expect(lookups(fake).length).toBeLessThanOrEqual(ORGANIZATIONS_MAX_ATTEMPTS);
        expect(batch?.ms).toBeLessThan(NAME_LOOKUP_CAP_MS + 1500);
      },
    );
  });

  it("throttled: retried within the cap, then the alert goes out", async ({ expect }) => {
    await withFake(
      {
        "organizations:DescribeAccount": () => {
          throw new FakeAwsError(
            "TooManyRequestsException",
            "AWS Organizations can't complete your request.",
          );
        },
      },
      async (fake) => {
        const [batch] = await invokeEach([sqsBatch([EVENT])], env(fake));
        expect(batch).toMatchObject({ ok: { batchItemFailures: [] } });
        expectUnnamedAlert(expect, fake);
        expect(lookups(fake)).toHaveLength(ORGANIZATIONS_MAX_ATTEMPTS);
        expect(batch?.ms).toBeLessThan(NAME_LOOKUP_CAP_MS + 1500);
      },
    );
  });

  it("unreachable (connection refused): alert with the ID, within the budget", async ({ expect }) => {
    const port = await closedPort();
    await withFake({}, async (fake) => {
      const [batch, direct] = await invokeEach(
        [sqsBatch([EVENT]), EVENT],
        env(fake, { AWS_ENDPOINT_URL_ORGANIZATIONS: `http://127.0.0.1:${port}` }),
      );
      expect(batch).toMatchObject({ ok: { batchItemFailures: [] } });
      expect(direct).toMatchObject({ ok: null });
      const sent = publishes(fake);
      expect(sent).toHaveLength(2);
      for (const p of sent) {
        expect(p.params.Subject).toBe(`[CRITICAL] Root ConsoleLogin in ${ACCOUNT}`);
        expect(String(p.params.Message)).toMatch(/account name unavailable/);
      }
      for (const r of [batch, direct]) expect(r?.ms).toBeLessThan(NAME_LOOKUP_CAP_MS + 1500);
    });
  });

  it("never answers: the lookup is cut at its cap, a batch of 10 from 3 accounts costs one cap, not ten", async ({
    expect,
  }) => {
    const other = load("root-createaccesskey-for-iamuser.json");
    const third = load("root-createaccesskey-noinvokedby.json");
    const ids = new Set([EVENT, other, third].map((e) => String(e.detail.recipientAccountId ?? e.account)));
    expect(ids.size).toBe(3);
    const batch = [EVENT, other, third, EVENT, other, third, EVENT, other, third, EVENT];
    expect(batch).toHaveLength(NOTIFIER_BATCH_SIZE);
    await withFake({ "organizations:DescribeAccount": never }, async (org) => {
      await withFake({}, async (sns) => {
        const [result] = await invokeEach(
          [sqsBatch(batch)],
          env(sns, { AWS_ENDPOINT_URL_ORGANIZATIONS: org.url }),
        );
        expect(result).toMatchObject({ ok: { batchItemFailures: [] } });
        expect(result?.ms).toBeGreaterThanOrEqual(NAME_LOOKUP_CAP_MS - 50);
        expect(result?.ms).toBeLessThan(NAME_LOOKUP_CAP_MS + 2000);
        expect(result?.ms).toBeLessThan(TIMEOUT_MS);
        // One lookup per account per batch (attempts included), however many records it has.
        expect(lookups(org).length).toBeLessThanOrEqual(ids.size * ORGANIZATIONS_MAX_ATTEMPTS);
        const sent = publishes(sns);
        expect(sent).toHaveLength(batch.length);
        for (const p of sent) {
          expect(String(p.params.Subject)).toMatch(/ in \d{12}$/);
          expect(String(p.params.Message)).toMatch(/account name unavailable: lookup failed/);
        }
      });
    });
  });
});

describe.concurrent("hostile input through the real SDK", () => {
  it("a field holding a lone UTF-16 surrogate is still published (the SDK cannot encode one)", async ({
    expect,
  }) => {
    // JSON escapes such as "\ud800" parse into lone surrogates; SNS's query encoder throws on them.
    const hostile = {
      ...EVENT,
      detail: { ...EVENT.detail, userAgent: "curl/8 \ud800 x", errorMessage: "\udc00" },
    };
    await withFake(namingOrganizations, async (fake) => {
      const [batch, direct] = await invokeEach([sqsBatch([hostile]), hostile], env(fake));
      expect(batch).toMatchObject({ ok: { batchItemFailures: [] } });
      expect(direct).toMatchObject({ ok: null });
      const sent = publishes(fake);
      expect(sent).toHaveLength(2);
      for (const p of sent) expect(String(p.params.Message)).toContain("curl/8 \ufffd x");
    });
  });
});

describe.concurrent("replay from the dead-letter queue", () => {
  const DLQ_ARN = "arn:aws:sqs:us-east-1:222222222222:root-activity-hub-dead-letters-abc1234";
  const QUEUE_ARN = "arn:aws:sqs:us-east-1:222222222222:root-activity-hub-events-abc1234";

  /** An SQS record as Lambda receives it, with the body and attributes a dead letter carries. */
  function sqsRecord(
    messageId: string,
    body: string,
    receiveCount: number,
    messageAttributes: Record<string, string> = {},
  ): Record<string, unknown> {
    return {
      messageId,
      receiptHandle: `AQEB${messageId}`,
      body,
      attributes: {
        ApproximateReceiveCount: String(receiveCount),
        SentTimestamp: "1700000000000",
        SenderId: "AIDAEXAMPLE",
        ApproximateFirstReceiveTimestamp: "1700000000100",
        ...(receiveCount > 1 ? { DeadLetterQueueSourceArn: QUEUE_ARN } : {}),
      },
      messageAttributes: Object.fromEntries(
        Object.entries(messageAttributes).map(([k, v]) => [
          k,
          { stringValue: v, stringListValues: [], binaryListValues: [], dataType: "String" },
        ]),
      ),
      md5OfBody: "0123456789abcdef0123456789abcdef",
      eventSource: "aws:sqs",
      eventSourceARN: QUEUE_ARN,
      awsRegion: "us-east-1",
    };
  }

  /** What each dead-letter path holds: the body is the EventBridge envelope, unchanged. */
  const deadLetters = () => {
    const body = JSON.stringify(EVENT);
    return {
      // Failed SQS receives: SQS moved the message unchanged (receive count past maxReceiveCount).
      sqsRedrive: sqsRecord("redriven-from-sqs", body, MAX_RECEIVE_COUNT + 1),
      // The hub rule gave up delivering to the queue: EventBridge puts the event in the DLQ with
      // attributes describing the failure.
      ruleDlq: sqsRecord("from-rule-dlq", body, 1, {
        RULE_ARN: "arn:aws:events:us-east-1:222222222222:rule/root-activity/root-activity-abc1234",
        TARGET_ARN: QUEUE_ARN,
        ERROR_CODE: "SDK_CLIENT_ERROR",
        ERROR_MESSAGE: "Unable to invoke target",
        EXHAUSTED_RETRY_CONDITION: "MaximumEventAgeInSeconds",
        RETRY_ATTEMPTS: "185",
      }),
      // A failed asynchronous invocation: Lambda puts the invocation payload (the bare envelope) in
      // the function's DLQ with RequestID/ErrorCode/ErrorMessage attributes.
      asyncDlq: sqsRecord("from-lambda-async-dlq", body, 1, {
        RequestID: "5f0e6a43-1c53-4c2f-9d1b-000000000000",
        ErrorCode: "200",
        ErrorMessage: "SNS Publish did not finish within 24000 ms",
      }),
    };
  };

  it("after a failed publish, every kind of dead letter, redriven to the event queue, alerts once", async ({
    expect,
  }) => {
    const dl = deadLetters();
    // The original failure: the dead letter holds exactly the body the queue delivered.
    await withFake(
      {
        ...namingOrganizations,
        "sns:Publish": () => {
          throw new FakeAwsError("InternalFailure", "down", 500);
        },
      },
      async (fake) => {
        const [first] = await invokeEach([sqsBatch([EVENT])], env(fake));
        expect(first).toMatchObject({ ok: { batchItemFailures: [{ itemIdentifier: "msg-0" }] } });
        expect(sqsBatch([EVENT]).Records[0]?.body).toBe(dl.sqsRedrive.body);
      },
    );
    // SNS is back; the redrive delivers the dead letters as an ordinary batch.
    await withFake(namingOrganizations, async (fake) => {
      const [replayed] = await invokeEach([{ Records: [dl.sqsRedrive, dl.ruleDlq, dl.asyncDlq] }], env(fake));
      expect(replayed).toMatchObject({ ok: { batchItemFailures: [] } });
      const sent = publishes(fake);
      expect(sent).toHaveLength(3);
      for (const p of sent) {
        expect(p.params.Subject).toBe(`[CRITICAL] Root ConsoleLogin in prod-payments (${ACCOUNT})`);
        expect(String(p.params.Message)).toContain(EVENT_ID);
        expect(String(p.params.Message)).not.toMatch(/unreadable/i);
      }
      const ids = sent
        .map(
          (p) => /SQS message id (\S+)/.exec(structureOf({ message: String(p.params.Message) }).email)?.[1],
        )
        .sort();
      expect(ids).toEqual(["from-lambda-async-dlq", "from-rule-dlq", "redriven-from-sqs"]);
    });
  });

  it("a dead letter's body, invoked directly (aws lambda invoke), alerts like the original", async ({
    expect,
  }) => {
    const body = deadLetters().asyncDlq.body as string;
    await withFake(namingOrganizations, async (fake) => {
      const [direct] = await invokeEach([JSON.parse(body)], env(fake));
      expect(direct).toMatchObject({ ok: null });
      const sent = publishes(fake);
      expect(sent).toHaveLength(1);
      expect(sent[0]?.params.Subject).toBe(`[CRITICAL] Root ConsoleLogin in prod-payments (${ACCOUNT})`);
      expect(String(sent[0]?.params.Message)).toContain(EVENT_ID);
    });
  });

  it("a dead letter that holds a whole SQS event (async invoke of a batch) still alerts, as unreadable", async ({
    expect,
  }) => {
    // Not a path the stack produces (the event source mapping invokes synchronously), but a person
    // could invoke the function asynchronously with an SQS event: its DLQ then holds the wrapper.
    const wrapper = JSON.stringify(sqsBatch([EVENT]));
    await withFake(namingOrganizations, async (fake) => {
      const [replayed] = await invokeEach([{ Records: [sqsRecord("wrapped", wrapper, 1)] }], env(fake));
      expect(replayed).toMatchObject({ ok: { batchItemFailures: [] } });
      const sent = publishes(fake);
      expect(sent).toHaveLength(1);
      expect(String(sent[0]?.params.Subject)).toMatch(/unreadable/i);
      // The raw payload is in the alert, so the root event inside is not lost.
      expect(String(sent[0]?.params.Message)).toContain(EVENT_ID);
    });
  });

  it("the operations page gives the inspect and redrive commands with the stack outputs", async ({
    expect,
  }) => {
    const readme = fs.readFileSync(path.join(TESTS_DIR, "..", "docs", "operations.md"), "utf8");
    const section = readme.split("## Replay and redrive")[1]?.split(/\n## /)[0] ?? "";
    expect(section).toMatch(/aws sqs receive-message/);
    expect(section).toMatch(/aws sqs start-message-move-task/);
    expect(section).toMatch(/--source-arn[^\n]*deadLetterQueueArn/);
    expect(section).toMatch(/--destination-arn[^\n]*eventQueueArn/);
    expect(readme.indexOf("## Replay and redrive")).toBeLessThan(readme.indexOf("## Operating it"));
    expect(run.outputs?.deadLetterQueueArn).toBe(DLQ_ARN);
    expect(run.outputs?.eventQueueArn).toBe(QUEUE_ARN);
  });
});
