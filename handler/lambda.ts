// The notifier Lambda's entry point. The hub passes `handler` to aws.lambda.CallbackFunction, which
// serializes it with everything it captures. Hence:
//  - no Pulumi imports, no module-level SDK clients, no module-level Set/Map;
//  - the AWS SDK is required lazily, by bare package name, inside functions (the Lambda runtime
//    provides it; the archive carries nothing else). Only types are imported at the top;
//  - endpoints are never hard-coded: the SDK honours AWS_ENDPOINT_URL_<SERVICE>;
//  - the webhook URL is never in the code or the environment: only the name of the SSM parameter
//    that holds it, read at run time.
import type { OrganizationsClient } from "@aws-sdk/client-organizations";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { SSMClient } from "@aws-sdk/client-ssm";
import type { SQSBatchResponse } from "aws-lambda";
import {
  FLUSH_MAX_ATTEMPTS,
  FLUSH_REQUEST_TIMEOUT_MS,
  ORGANIZATIONS_CONNECTION_TIMEOUT_MS,
  ORGANIZATIONS_MAX_ATTEMPTS,
  ORGANIZATIONS_REGION,
  ORGANIZATIONS_REQUEST_TIMEOUT_MS,
  SNS_CONNECTION_TIMEOUT_MS,
  SNS_MAX_ATTEMPTS,
  SNS_REQUEST_TIMEOUT_MS,
  STATE_CONNECTION_TIMEOUT_MS,
  STATE_MAX_ATTEMPTS,
  STATE_REQUEST_TIMEOUT_MS,
} from "./support/budget";
import { createDynamoStore } from "./state/dynamoStore";
import { WEBHOOK_FORMATS, type WebhookFormat } from "./publish/formats";
import { emf } from "./support/metrics";
import { createNotifier } from "./notifier";
import { type NameCache, type PublishInput } from "./support/deps";
import { publishToSns, topicRegion, type SnsSdk } from "./support/snsPublish";
import { cachedRead, type CachedRead } from "./support/cachedRead";
import type { StateStore } from "./state/stateStore";

/** Container-lifetime state, filled lazily. A plain object: it serializes as written. */
const state: {
  sns?: SNSClient;
  org?: OrganizationsClient;
  sqs?: SQSClient;
  ssm?: SSMClient;
  store?: StateStore;
  flushStore?: StateStore;
  webhook?: CachedRead<string>;
  names: NameCache;
  noted: Record<string, number>;
} = { names: {}, noted: {} };

/** Re-read the webhook URL this often, so a rotated secret takes effect without a deploy. */
const WEBHOOK_URL_TTL_MS = 5 * 60_000;

function httpOptions(connectionTimeout: number, requestTimeout: number) {
  return {
    connectionTimeout,
    requestTimeout,
    socketTimeout: requestTimeout,
    throwOnRequestTimeout: true,
  };
}

/** The state clients' settings (exported for the tests that run the store on a late endpoint). */
export function stateClientConfig(
  maxAttempts = STATE_MAX_ATTEMPTS,
  requestTimeout = STATE_REQUEST_TIMEOUT_MS,
) {
  return {
    maxAttempts,
    requestHandler: httpOptions(STATE_CONNECTION_TIMEOUT_MS, requestTimeout),
  };
}

async function snsPublish(msg: PublishInput, signal?: AbortSignal): Promise<void> {
  const sdk = require("@aws-sdk/client-sns") as SnsSdk;
  state.sns ??= new sdk.SNSClient({
    region: topicRegion(msg.topicArn) ?? process.env.AWS_REGION,
    maxAttempts: SNS_MAX_ATTEMPTS,
    requestHandler: httpOptions(SNS_CONNECTION_TIMEOUT_MS, SNS_REQUEST_TIMEOUT_MS),
  });
  await publishToSns(sdk, state.sns, msg, signal);
}

/** The account's name; none when Organizations gives none (accountNames.ts says so in the alert). */
async function describeAccountName(accountId: string, signal?: AbortSignal): Promise<string | undefined> {
  const sdk = require("@aws-sdk/client-organizations") as typeof import("@aws-sdk/client-organizations");
  if (!state.org) {
    state.org = new sdk.OrganizationsClient({
      region: ORGANIZATIONS_REGION,
      maxAttempts: ORGANIZATIONS_MAX_ATTEMPTS,
      requestHandler: httpOptions(ORGANIZATIONS_CONNECTION_TIMEOUT_MS, ORGANIZATIONS_REQUEST_TIMEOUT_MS),
    });
  }
  const out = await state.org.send(new sdk.DescribeAccountCommand({ AccountId: accountId }), {
    abortSignal: signal,
  });
  return out.Account?.Name;
}

/**
 * The state table on a client with these settings, made once per container. Digest flushes get a
 * patient client of their own (see FLUSH_REQUEST_TIMEOUT_MS).
 */
function storeIn(
  slot: "store" | "flushStore",
  tableName: string,
  config: ReturnType<typeof stateClientConfig>,
): StateStore {
  const made = state[slot];
  if (made) return made;
  const sdk = require("@aws-sdk/client-dynamodb") as typeof import("@aws-sdk/client-dynamodb");
  return (state[slot] = createDynamoStore(tableName, new sdk.DynamoDBClient(config)));
}

function flushScheduler(queueUrl: string) {
  return async (request: unknown, delaySeconds: number, signal?: AbortSignal): Promise<void> => {
    const sdk = require("@aws-sdk/client-sqs") as typeof import("@aws-sdk/client-sqs");
    if (!state.sqs) state.sqs = new sdk.SQSClient(stateClientConfig());
    await state.sqs.send(
      new sdk.SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify(request),
        DelaySeconds: Math.max(0, Math.min(900, delaySeconds)),
      }),
      { abortSignal: signal },
    );
  };
}

async function readWebhookUrl(parameterName: string): Promise<string> {
  const sdk = require("@aws-sdk/client-ssm") as typeof import("@aws-sdk/client-ssm");
  if (!state.ssm) state.ssm = new sdk.SSMClient(stateClientConfig());
  const out = await state.ssm.send(
    new sdk.GetParameterCommand({ Name: parameterName, WithDecryption: true }),
  );
  const url = out.Parameter?.Value;
  if (!url) throw new Error(`SSM parameter ${parameterName} has no value`);
  return url;
}

/** The webhook URL, read once per container and TTL (concurrent records share the read). */
function webhookUrl(parameterName: string): Promise<string> {
  // A failed read is not kept: the next alert tries again.
  return cachedRead(state, "webhook", WEBHOOK_URL_TTL_MS, () => readWebhookUrl(parameterName));
}

function webhookPoster(parameterName: string) {
  return async (body: string, signal?: AbortSignal): Promise<void> => {
    const url = await webhookUrl(parameterName);
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      signal,
    });
    // Never put the URL in an error: it is the secret.
    if (!res.ok) throw new Error(`the webhook answered HTTP ${res.status}`);
  };
}

function logLine(line: Record<string, unknown>): void {
  console.log(JSON.stringify({ ...line, component: "root-activity-notifier" }));
}

function env(name: string): string | undefined {
  const v = process.env[name]?.trim();
  return v ? v : undefined;
}

/**
 * Lambda entry point. SQS event in, `{ batchItemFailures }` out (failed publishes are redelivered,
 * then dead-lettered). A bare EventBridge envelope (direct invoke, replay) is processed too, and a
 * failed publish then throws. Keep the two parameters: the serialized handler keeps its arity.
 */
export async function handler(event: unknown, _context?: unknown): Promise<SQSBatchResponse | void> {
  const topicArn = env("TOPIC_ARN");
  if (topicArn === undefined) {
    throw new Error("TOPIC_ARN is not set: set it on the notifier function to the alert SNS topic's ARN.");
  }
  const table = env("STATE_TABLE");
  const queueUrl = env("EVENT_QUEUE_URL");
  const webhookParameter = env("WEBHOOK_PARAMETER");
  const format = env("WEBHOOK_FORMAT");
  const notifier = createNotifier({
    topicArn,
    publish: snsPublish,
    lookupAccountName: describeAccountName,
    log: logLine,
    // EMF lines go to stdout unprefixed, so CloudWatch Logs reads them as metrics.
    metric: (name, alert) => process.stdout.write(JSON.stringify(emf(name, Date.now(), alert)) + "\n"),
    nameCache: state.names,
    activityNoted: state.noted,
    ...(table
      ? {
          store: storeIn("store", table, stateClientConfig()),
          flushStore: storeIn(
            "flushStore",
            table,
            stateClientConfig(FLUSH_MAX_ATTEMPTS, FLUSH_REQUEST_TIMEOUT_MS),
          ),
        }
      : {}),
    ...(queueUrl ? { scheduleFlush: flushScheduler(queueUrl) } : {}),
    ...(webhookParameter ? { postWebhook: webhookPoster(webhookParameter) } : {}),
    ...(format && (WEBHOOK_FORMATS as readonly string[]).includes(format)
      ? { webhookFormat: format as WebhookFormat }
      : {}),
  });
  return notifier.handle(event);
}
