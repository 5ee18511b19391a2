// The coverage function role's only policy. Nothing here is in the notifier's role, and nothing of
// the notifier's is here: each statement names its one resource and says why.
import * as pulumi from "@pulumi/pulumi";
import * as iam from "../../common/iamPolicy";
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
  return iam.policyDocument([
    // Coverage notices; only to the alert topic.
    iam.publishTo("PublishNotices", a.topicArn),
    // Consume its own queue through the event source mapping.
    iam.consumeQueue("ConsumeCoverageQueue", a.queueArn),
    // A deployment's follow-up is a delayed message on its own queue.
    iam.sendTo("ScheduleFollowUps", a.queueArn),
    // Failed asynchronous invocations go to its dead-letter queue.
    iam.sendTo("DeadLetterAsyncFailures", a.deadLetterQueueArn),
    // At most one update per account, stack and window: its claims, and only its own items of the
    // shared state table (partition keys coverage#...), never the notifier's.
    {
      Sid: "ClaimUpdatesInStateTable",
      Effect: "Allow",
      Action: ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
      Resource: a.stateTableArn,
      Condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [`${CLAIM_KEY_PREFIX}*`] } },
    },
    // Read the Pulumi Cloud or GitHub token at run time: this one secret only.
    ...iam.readSecret("ReadTriggerToken", "secretsmanager:GetSecretValue", a.tokenSecretArn),
    // The topic and the queues are encrypted with the hub key.
    iam.useKey("UseHubKey", a.keyArn),
    // Write logs to its own log group only.
    iam.writeLogs("WriteOwnLogs", a.logGroupArn),
  ]);
}
