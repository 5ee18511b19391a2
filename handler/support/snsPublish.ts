// One publish to SNS, for both Lambda entries (handler/lambda.ts, handler/coverage/lambda.ts). Each
// entry requires the SDK when a message goes out and keeps its own client, made with its own settings
// on first use, in its container state.
import type { SNSClient } from "@aws-sdk/client-sns";
import type { PublishInput } from "./deps";

export type SnsSdk = typeof import("@aws-sdk/client-sns");

/** The region of an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>), if it has one. */
export function topicRegion(topicArn: string): string | undefined {
  const region = topicArn.split(":")[3];
  return region ? region : undefined;
}

/** Publishes `msg` with its attributes on the caller's client. */
export async function publishToSns(
  sdk: SnsSdk,
  sns: SNSClient,
  msg: PublishInput,
  signal?: AbortSignal,
): Promise<void> {
  // Strings are String, arrays are String.Array (filter policies match their members).
  const attributes: Record<string, { DataType: string; StringValue: string }> = {};
  for (const [k, v] of Object.entries(msg.attributes)) {
    attributes[k] = Array.isArray(v)
      ? { DataType: "String.Array", StringValue: JSON.stringify(v) }
      : { DataType: "String", StringValue: v };
  }
  await sns.send(
    new sdk.PublishCommand({
      TopicArn: msg.topicArn,
      Subject: msg.subject,
      Message: msg.message,
      MessageStructure: msg.messageStructure,
      MessageAttributes: attributes,
    }),
    { abortSignal: signal },
  );
}
