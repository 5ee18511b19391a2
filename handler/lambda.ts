// The notifier Lambda's entry point. The hub passes `handler` to aws.lambda.CallbackFunction, which
// serializes it with everything it captures. Hence:
//  - no Pulumi imports, no module-level SDK clients, no module-level Set/Map;
//  - the AWS SDK is required lazily, by bare package name, inside functions (the Lambda runtime
//    provides it; the archive carries nothing else). Only types are imported at the top;
//  - endpoints are never hard-coded: the SDK honours AWS_ENDPOINT_URL_SNS / _ORGANIZATIONS.
import type { OrganizationsClient } from "@aws-sdk/client-organizations";
import type { SNSClient } from "@aws-sdk/client-sns";
import {
  ORGANIZATIONS_CONNECTION_TIMEOUT_MS,
  ORGANIZATIONS_MAX_ATTEMPTS,
  ORGANIZATIONS_REGION,
  ORGANIZATIONS_REQUEST_TIMEOUT_MS,
  SNS_CONNECTION_TIMEOUT_MS,
  SNS_MAX_ATTEMPTS,
  SNS_REQUEST_TIMEOUT_MS,
} from "./budget";
import { createNotifier, type NameCache, type PublishInput, type SqsBatchResponse } from "./notifier";

/** Container-lifetime state, filled lazily. A plain object: it serializes as written. */
const state: { sns?: SNSClient; org?: OrganizationsClient; names: NameCache } = { names: {} };

/** The region of an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>), if it has one. */
export function topicRegion(topicArn: string): string | undefined {
  const region = topicArn.split(":")[3];
  return region ? region : undefined;
}

async function snsPublish(msg: PublishInput, signal?: AbortSignal): Promise<void> {
  const sdk = require("@aws-sdk/client-sns") as typeof import("@aws-sdk/client-sns");
  if (!state.sns) {
    state.sns = new sdk.SNSClient({
      region: topicRegion(msg.topicArn) ?? process.env.AWS_REGION,
      maxAttempts: SNS_MAX_ATTEMPTS,
      requestHandler: {
        connectionTimeout: SNS_CONNECTION_TIMEOUT_MS,
        requestTimeout: SNS_REQUEST_TIMEOUT_MS,
        socketTimeout: SNS_REQUEST_TIMEOUT_MS,
        throwOnRequestTimeout: true,
      },
    });
  }
  const attributes: Record<string, { DataType: string; StringValue: string }> = {};
  for (const [k, v] of Object.entries(msg.attributes)) attributes[k] = { DataType: "String", StringValue: v };
  await state.sns.send(
    new sdk.PublishCommand({
      TopicArn: msg.topicArn,
      Subject: msg.subject,
      Message: msg.message,
      MessageAttributes: attributes,
    }),
    { abortSignal: signal },
  );
}

async function describeAccountName(accountId: string, signal?: AbortSignal): Promise<string> {
  const sdk = require("@aws-sdk/client-organizations") as typeof import("@aws-sdk/client-organizations");
  if (!state.org) {
    state.org = new sdk.OrganizationsClient({
      region: ORGANIZATIONS_REGION,
      maxAttempts: ORGANIZATIONS_MAX_ATTEMPTS,
      requestHandler: {
        connectionTimeout: ORGANIZATIONS_CONNECTION_TIMEOUT_MS,
        requestTimeout: ORGANIZATIONS_REQUEST_TIMEOUT_MS,
        socketTimeout: ORGANIZATIONS_REQUEST_TIMEOUT_MS,
        throwOnRequestTimeout: true,
      },
    });
  }
  const out = await state.org.send(new sdk.DescribeAccountCommand({ AccountId: accountId }), {
    abortSignal: signal,
  });
  const name = out.Account?.Name;
  if (!name) throw new Error("DescribeAccount returned no Account.Name");
  return name;
}

function logLine(line: Record<string, unknown>): void {
  console.log(JSON.stringify({ ...line, component: "root-activity-notifier" }));
}

/**
 * Lambda entry point. SQS event in, `{ batchItemFailures }` out (failed publishes are redelivered,
 * then dead-lettered). A bare EventBridge envelope (direct invoke, replay) is processed too, and a
 * failed publish then throws. Keep the two parameters: the serialized handler keeps its arity.
 */
export async function handler(event: unknown, _context?: unknown): Promise<SqsBatchResponse | void> {
  const topicArn = process.env.TOPIC_ARN;
  if (topicArn === undefined || topicArn.trim() === "") {
    throw new Error(
      "TOPIC_ARN is not set: the root-activity notifier has nowhere to send alerts. " +
        "Set the function's TOPIC_ARN environment variable to the alert SNS topic ARN.",
    );
  }
  const notifier = createNotifier({
    topicArn: topicArn.trim(),
    publish: snsPublish,
    lookupAccountName: describeAccountName,
    log: logLine,
    nameCache: state.names,
  });
  return notifier.handle(event);
}
