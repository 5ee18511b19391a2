// The coverage function role's only policy. Nothing here is in the notifier's role, and nothing of
// the notifier's is here: each statement names its one resource and says why.
import * as pulumi from "@pulumi/pulumi";
import { policyDocument, type Statement } from "../../common/iamPolicy";
import { CLAIM_KEY_PREFIX } from "../../handler/coverage/claims";

export interface CoveragePolicyArgs {
  topicArn: pulumi.Input<string>;
  queueArn: pulumi.Input<string>;
  deadLetterQueueArn: pulumi.Input<string>;
  stateTableArn: pulumi.Input<string>;
  keyArn: pulumi.Input<string>;
  logGroupArn: pulumi.Input<string>;
  /** The trigger's token; none with coverageTrigger none. */
  tokenSecretArn?: string;
}

export function coveragePolicy(a: CoveragePolicyArgs): pulumi.Output<string> {
  const secret: Statement[] = a.tokenSecretArn
    ? [
        // Read the Pulumi Cloud or GitHub token at run time: this one secret only.
        {
          Sid: "ReadTriggerToken",
          Effect: "Allow",
          Action: "secretsmanager:GetSecretValue",
          Resource: a.tokenSecretArn,
        },
      ]
    : [];
  return policyDocument([
    // Coverage notices; only to the alert topic.
    { Sid: "PublishNotices", Effect: "Allow", Action: "sns:Publish", Resource: a.topicArn },
    // Consume its own queue through the event source mapping.
    {
      Sid: "ConsumeCoverageQueue",
      Effect: "Allow",
      Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
      Resource: a.queueArn,
    },
    // A deployment's follow-up is a delayed message on its own queue.
    { Sid: "ScheduleFollowUps", Effect: "Allow", Action: "sqs:SendMessage", Resource: a.queueArn },
    // Failed asynchronous invocations go to its dead-letter queue.
    {
      Sid: "DeadLetterAsyncFailures",
      Effect: "Allow",
      Action: "sqs:SendMessage",
      Resource: a.deadLetterQueueArn,
    },
    // At most one update per account, stack and window: its claims, and only its own items of the
    // shared state table (partition keys coverage#...), never the notifier's.
    {
      Sid: "ClaimUpdatesInStateTable",
      Effect: "Allow",
      Action: ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
      Resource: a.stateTableArn,
      Condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [`${CLAIM_KEY_PREFIX}*`] } },
    },
    ...secret,
    // The topic and the queues are encrypted with the hub key.
    { Sid: "UseHubKey", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: a.keyArn },
    // Write logs to its own log group only.
    {
      Sid: "WriteOwnLogs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: pulumi.interpolate`${a.logGroupArn}:log-stream:*`,
    },
  ]);
}
