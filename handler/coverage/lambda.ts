// The coverage function's entry point, bundled and serialized as the notifier's is (hub/notifierCode.ts):
//  - no Pulumi imports, no module-level SDK clients, no module-level Set/Map;
//  - the AWS SDK is required lazily, by bare package name (the Lambda runtime provides it);
//  - endpoints come from AWS_ENDPOINT_URL_<SERVICE>, never from the code;
//  - the API token is never in the code or the environment: only the ARN of the Secrets Manager
//    secret that holds it, read at run time and never logged.
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { SQSBatchResponse } from "aws-lambda";
import type { PublishInput } from "../support/deps";
import { publishToSns, topicRegion, type SnsSdk } from "../support/snsPublish";
import { cachedRead, type CachedRead } from "../support/cachedRead";
import { createClaims, type Claims } from "./claims";
import { createCoverage } from "./coverage";
import type { FollowUp } from "./notices";
import { parseSelections } from "./selection";
import { TRIGGERS, type TriggerConfig, type TriggerKind } from "./triggers";

/** Container-lifetime state, filled lazily. A plain object: it serializes as written. */
const state: {
  sns?: SNSClient;
  sqs?: SQSClient;
  dynamo?: DynamoDBClient;
  secrets?: SecretsManagerClient;
  claims?: Claims;
  token?: CachedRead<string>;
} = {};

/** Re-read the token this often, so a rotated secret takes effect without a deploy. */
const TOKEN_TTL_MS = 5 * 60_000;
const CLIENT = { maxAttempts: 3 };

function env(name: string): string | undefined {
  const v = process.env[name]?.trim();
  return v ? v : undefined;
}

async function snsPublish(msg: PublishInput): Promise<void> {
  const sdk = require("@aws-sdk/client-sns") as SnsSdk;
  state.sns ??= new sdk.SNSClient({ ...CLIENT, region: topicRegion(msg.topicArn) ?? process.env.AWS_REGION });
  await publishToSns(sdk, state.sns, msg);
}

function followUpSender(queueUrl: string) {
  return async (f: FollowUp, delaySeconds: number): Promise<void> => {
    const sdk = require("@aws-sdk/client-sqs") as typeof import("@aws-sdk/client-sqs");
    state.sqs ??= new sdk.SQSClient(CLIENT);
    await state.sqs.send(
      new sdk.SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify({ coverageFollowUp: f }),
        DelaySeconds: Math.max(0, Math.min(900, delaySeconds)),
      }),
    );
  };
}

function claims(table: string): Claims {
  if (!state.claims) {
    const sdk = require("@aws-sdk/client-dynamodb") as typeof import("@aws-sdk/client-dynamodb");
    state.dynamo ??= new sdk.DynamoDBClient(CLIENT);
    state.claims = createClaims(table, state.dynamo, sdk);
  }
  return state.claims;
}

async function readToken(secretArn: string): Promise<string> {
  const sdk = require("@aws-sdk/client-secrets-manager") as typeof import("@aws-sdk/client-secrets-manager");
  state.secrets ??= new sdk.SecretsManagerClient(CLIENT);
  const out = await state.secrets.send(new sdk.GetSecretValueCommand({ SecretId: secretArn }));
  const value = out.SecretString?.trim();
  // Never the value in an error: it is the credential.
  if (!value) throw new Error(`secret ${secretArn} has no string value`);
  return value;
}

/** The token, read once per container and TTL (concurrent records share the read). */
function tokenOf(secretArn: string): () => Promise<string> {
  return () => cachedRead(state, "token", TOKEN_TTL_MS, () => readToken(secretArn));
}

function triggerConfig(): TriggerConfig {
  const kind = env("COVERAGE_TRIGGER") ?? "none";
  if (!(TRIGGERS as readonly string[]).includes(kind))
    throw new Error(`COVERAGE_TRIGGER ${kind} is not one of ${TRIGGERS.join(", ")}`);
  return {
    kind: kind as TriggerKind,
    pulumiApiUrl: env("PULUMI_API_URL") ?? "https://api.pulumi.com",
    pulumiOrganization: env("PULUMI_ORGANIZATION") ?? "",
    project: env("PULUMI_PROJECT") ?? "root-activity-monitor",
    githubApiUrl: env("GITHUB_API_URL") ?? "https://api.github.com",
    githubRepository: env("GITHUB_REPOSITORY") ?? "",
    githubWorkflow: env("GITHUB_WORKFLOW") ?? "spoke-up.yml",
    githubRef: env("GITHUB_REF") ?? "main",
  };
}

/**
 * Lambda entry point: SQS event in (lifecycle events and follow-ups), `{ batchItemFailures }` out.
 * Keep the two parameters: the serialized handler keeps its arity.
 */
export async function handler(event: unknown, _context?: unknown): Promise<SQSBatchResponse | void> {
  const topicArn = env("TOPIC_ARN");
  const queueUrl = env("COVERAGE_QUEUE_URL");
  if (!topicArn || !queueUrl)
    throw new Error("TOPIC_ARN and COVERAGE_QUEUE_URL must be set on the coverage function");
  const table = env("STATE_TABLE");
  const secretArn = env("TOKEN_SECRET_ARN");
  const coverage = createCoverage({
    topicArn,
    stacks: parseSelections(env("SPOKE_STACKS")),
    trigger: triggerConfig(),
    deadlineMinutes: Number(env("DEADLINE_MINUTES") ?? "30"),
    publish: snsPublish,
    ...(table ? { claims: claims(table) } : {}),
    ...(secretArn ? { token: tokenOf(secretArn) } : {}),
    fetch: (url, init) => fetch(url, init),
    scheduleFollowUp: followUpSender(queueUrl),
    log: (line) => console.log(JSON.stringify(line)),
  });
  return coverage.handle(event);
}
