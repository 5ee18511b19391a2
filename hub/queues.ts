// What the hub's delivery paths share: an encrypted queue with a dead-letter queue, and a bus rule
// that delivers to it with retries, the queues accepting only that rule. The notifier's path
// (ingest.ts) and the coverage function's (coverage/) are both built from these.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { policyDocument } from "../common/iamPolicy";
import type { HubPart } from "./parts";

/** SQS receives a message up to this many times before it goes to the dead-letter queue. */
export const MAX_RECEIVE_COUNT = 5;
/** EventBridge keeps retrying delivery to the queue for up to a day (its maximum). */
export const TARGET_RETRY = { maximumEventAgeInSeconds: 86_400, maximumRetryAttempts: 185 };
const FOURTEEN_DAYS = 1_209_600;

export interface QueuePair {
  queue: aws.sqs.Queue;
  deadLetters: aws.sqs.Queue;
}

/** Part names of one path's resources. */
export interface PathNames {
  queue: string;
  deadLetters: string;
  queuePolicy: string;
  deadLettersPolicy: string;
  target: string;
}

/**
 * A queue in front of a function, and its dead-letter queue, both encrypted with the hub key: a
 * durable buffer if the function or SNS is down, batching, per-message retries, SQS's own redrive.
 */
export function encryptedQueues(
  part: HubPart,
  names: PathNames,
  a: { keyArn: pulumi.Input<string>; visibilityTimeoutSeconds: number },
): QueuePair {
  const encrypted = {
    kmsMasterKeyId: a.keyArn,
    kmsDataKeyReusePeriodSeconds: 300,
    messageRetentionSeconds: FOURTEEN_DAYS,
  };
  const deadLetters = new aws.sqs.Queue(
    part.childName(names.deadLetters),
    encrypted,
    part.childOpts(names.deadLetters),
  );
  const queue = new aws.sqs.Queue(
    part.childName(names.queue),
    {
      ...encrypted,
      visibilityTimeoutSeconds: a.visibilityTimeoutSeconds,
      redrivePolicy: pulumi.jsonStringify({
        deadLetterTargetArn: deadLetters.arn,
        maxReceiveCount: MAX_RECEIVE_COUNT,
      }),
    },
    part.childOpts(names.queue),
  );
  return { queue, deadLetters };
}

/**
 * The rule's delivery to the queue (dead letters to the dead-letter queue), once both queues accept
 * messages from that rule only. `sid` names the statement after the rule.
 */
export function ruleToQueue(
  part: HubPart,
  names: PathNames,
  a: { rule: aws.cloudwatch.EventRule; eventBusName: pulumi.Input<string>; queues: QueuePair; sid: string },
): aws.cloudwatch.EventTarget {
  const policies = (
    [
      [names.queuePolicy, a.queues.queue],
      [names.deadLettersPolicy, a.queues.deadLetters],
    ] as const
  ).map(
    ([name, queue]) =>
      new aws.sqs.QueuePolicy(
        part.childName(name),
        {
          queueUrl: queue.url,
          policy: policyDocument([
            {
              Sid: a.sid,
              Effect: "Allow",
              Principal: { Service: "events.amazonaws.com" },
              Action: "sqs:SendMessage",
              Resource: queue.arn,
              Condition: { ArnEquals: { "aws:SourceArn": a.rule.arn } },
            },
          ]),
        },
        part.childOpts(name),
      ),
  );
  return new aws.cloudwatch.EventTarget(
    part.childName(names.target),
    {
      rule: a.rule.name,
      eventBusName: a.eventBusName,
      arn: a.queues.queue.arn,
      retryPolicy: TARGET_RETRY,
      deadLetterConfig: { arn: a.queues.deadLetters.arn },
    },
    part.childOpts(names.target, { dependsOn: policies }),
  );
}
