// The notifier role's only policy: each statement names the one resource it is for, and says why.
import * as pulumi from "@pulumi/pulumi";
import { arn } from "../common/awsNames";
import * as iam from "../common/iamPolicy";
import type { HubAccount } from "./parts";

/** The resources the notifier uses, by ARN. */
type UsedArns =
  "topicArn" | "eventQueueArn" | "deadLetterQueueArn" | "stateTableArn" | "keyArn" | "logGroupArn";

export type NotifierPolicyArgs = { [K in UsedArns]: pulumi.Input<string> } & {
  account: HubAccount;
  organizationId: string;
  webhookParameterArn?: pulumi.Input<string>;
};

export function notifierPolicy(a: NotifierPolicyArgs): pulumi.Output<string> {
  return iam.policyDocument([
    // Deliver alerts; only to our topic.
    iam.publishTo("PublishAlerts", a.topicArn),
    // Consume the event queue through the event source mapping.
    iam.consumeQueue("ConsumeEventQueue", a.eventQueueArn),
    // Storm control: a delayed message on its own queue tells it when to send a digest.
    iam.sendTo("ScheduleDigests", a.eventQueueArn),
    // Duplicate suppression, failed sign-in counts, digests and root-session attribution
    // (PutItem/GetItem, no new action), in its own table only. BatchGetItem: a digest's flush reads
    // its entries' claims. tests/hub/alerts.test.ts checks these are exactly the calls the store makes.
    {
      Sid: "UseStateTable",
      Effect: "Allow",
      Action: [
        "dynamodb:BatchGetItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:Query",
      ],
      Resource: a.stateTableArn,
    },
    // Read the chat webhook URL at run time (decrypted with the hub key below).
    ...iam.readSecret("ReadWebhookUrl", "ssm:GetParameter", a.webhookParameterArn),
    // Failed asynchronous invocations go to the dead-letter queue.
    iam.sendTo("DeadLetterAsyncFailures", a.deadLetterQueueArn),
    // The topic and the queues are encrypted with the hub key.
    iam.useKey("UseHubKey", a.keyArn),
    // Put the account's name, not just its ID, in each alert. Scoped to our organization.
    {
      Sid: "NameAccountsOfOurOrganization",
      Effect: "Allow",
      Action: "organizations:DescribeAccount",
      Resource: a.account.partition.apply((p) =>
        arn(p, "organizations", "", "*", `account/${a.organizationId}/*`),
      ),
    },
    // Write logs to its own log group only.
    iam.writeLogs("WriteOwnLogs", a.logGroupArn),
  ]);
}
