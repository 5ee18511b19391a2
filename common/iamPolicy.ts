// Small builders for IAM policy documents, shared by hub and spoke so that every service trust
// carries the same confused-deputy conditions.
import * as pulumi from "@pulumi/pulumi";

export interface Statement {
  Sid: string;
  Effect: "Allow" | "Deny";
  Principal?: unknown;
  Action: string | string[];
  Resource?: pulumi.Input<string> | pulumi.Input<string>[];
  Condition?: Record<string, Record<string, pulumi.Input<string> | pulumi.Input<string>[]>>;
}

export function policyDocument(statements: Statement[]): pulumi.Output<string> {
  return pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements });
}

/** Confused-deputy guard for a service principal: only on behalf of this account (and resource). */
export function sourceConditions(
  accountId: pulumi.Input<string>,
  sourceArnLike?: pulumi.Input<string>,
): NonNullable<Statement["Condition"]> {
  const condition: NonNullable<Statement["Condition"]> = { StringEquals: { "aws:SourceAccount": accountId } };
  if (sourceArnLike !== undefined) condition.ArnLike = { "aws:SourceArn": sourceArnLike };
  return condition;
}

/**
 * Trust policy letting an AWS service assume a role, only on behalf of `accountId` (and, when
 * given, only for resources matching `sourceArnLike`), so another account cannot borrow it.
 */
export function serviceTrustPolicy(
  service: string,
  accountId: pulumi.Input<string>,
  sourceArnLike?: pulumi.Input<string>,
): pulumi.Output<string> {
  return policyDocument([
    {
      Sid: "TrustedServiceForThisAccountOnly",
      Effect: "Allow",
      Principal: { Service: service },
      Action: "sts:AssumeRole",
      Condition: sourceConditions(accountId, sourceArnLike),
    },
  ]);
}

// Statements the hub's function roles share (hub/notifierPolicy.ts, hub/coverage/policy.ts): each
// allows the named actions on one resource, under the caller's Sid.

/** Publish to one SNS topic. */
export function publishTo(Sid: string, topicArn: pulumi.Input<string>): Statement {
  return { Sid, Effect: "Allow", Action: "sns:Publish", Resource: topicArn };
}

/** Consume one SQS queue (through an event source mapping). */
export function consumeQueue(Sid: string, queueArn: pulumi.Input<string>): Statement {
  return {
    Sid,
    Effect: "Allow",
    Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
    Resource: queueArn,
  };
}

/** Send messages to one SQS queue. */
export function sendTo(Sid: string, queueArn: pulumi.Input<string>): Statement {
  return { Sid, Effect: "Allow", Action: "sqs:SendMessage", Resource: queueArn };
}

/** Read one secret at run time with `action`; no statement when there is no secret. */
export function readSecret(Sid: string, action: string, secretArn?: pulumi.Input<string>): Statement[] {
  return secretArn ? [{ Sid, Effect: "Allow", Action: action, Resource: secretArn }] : [];
}

/** Encrypt and decrypt with one KMS key (the topic and the queues it encrypts). */
export function useKey(Sid: string, keyArn: pulumi.Input<string>): Statement {
  return { Sid, Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: keyArn };
}

/** Write log events to the streams of one log group. */
export function writeLogs(Sid: string, logGroupArn: pulumi.Input<string>): Statement {
  return {
    Sid,
    Effect: "Allow",
    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
    Resource: pulumi.interpolate`${logGroupArn}:log-stream:*`,
  };
}
