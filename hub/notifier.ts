// The notifier: a function fed by the event queue that turns each root event into an alert, with
// its own least-privilege role, log group, state table and (optional) webhook URL parameter.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { NOTIFIER_BATCH_SIZE, NOTIFIER_TIMEOUT_SECONDS } from "../handler/support/budget";
import { serviceTrustPolicy } from "../common/iamPolicy";
import { notifierArchiveExclusions } from "./archive";
import { loadNotifierHandler } from "./notifierCode";
import { notifierPolicy } from "./notifierPolicy";
import { HubPart, type HubAccount, type PartArgs } from "./parts";
import type { WebhookConfig } from "./subscriptions";

export interface NotifierArgs extends PartArgs {
  account: HubAccount;
  organizationId: string;
  logRetentionDays: number;
  /** Encrypts the topic, the queues and the webhook parameter. */
  keyArn: pulumi.Input<string>;
  topicArn: pulumi.Input<string>;
  eventQueue: { arn: pulumi.Input<string>; url: pulumi.Input<string> };
  deadLetterQueueArn: pulumi.Input<string>;
  webhook?: WebhookConfig;
  /** The incoming-webhook URL, as a Pulumi secret. Stored only in an encrypted SSM parameter. */
  webhookUrl?: pulumi.Output<string>;
}

export class HubNotifier extends HubPart {
  readonly function: aws.lambda.CallbackFunction<unknown, unknown>;
  readonly role: aws.iam.Role;
  readonly logGroup: aws.cloudwatch.LogGroup;
  readonly stateTable: aws.dynamodb.Table;
  readonly webhook: boolean;

  constructor(name: string, args: NotifierArgs, opts?: pulumi.ComponentResourceOptions) {
    super("root-activity-monitor:hub:Notifier", name, args, opts);
    // Duplicate suppression, failed sign-in counts and storm-control digests. Every item has a TTL,
    // so the table cannot grow without bound. Encrypted at rest with the AWS managed key.
    this.stateTable = new aws.dynamodb.Table(
      this.childName("state"),
      {
        billingMode: "PAY_PER_REQUEST",
        hashKey: "pk",
        rangeKey: "sk",
        attributes: [
          { name: "pk", type: "S" },
          { name: "sk", type: "S" },
        ],
        ttl: { attributeName: "expiresAt", enabled: true },
        serverSideEncryption: { enabled: true },
      },
      this.childOpts("state"),
    );

    // The webhook URL is a credential: it lives in an encrypted parameter, and the notifier gets
    // only the parameter's name.
    const webhookParameter = args.webhookUrl
      ? new aws.ssm.Parameter(
          this.childName("webhook-url"),
          {
            name: `/root-activity-monitor/${this.physicalScope()}/webhook-url`,
            description: "root-activity-monitor: incoming-webhook URL for chat alerts",
            type: "SecureString",
            keyId: args.keyArn,
            value: args.webhookUrl,
          },
          this.childOpts("webhook-url"),
        )
      : undefined;
    this.webhook = webhookParameter !== undefined;

    this.logGroup = new aws.cloudwatch.LogGroup(
      this.childName("notifier-logs"),
      { retentionInDays: args.logRetentionDays },
      this.childOpts("notifier-logs"),
    );

    this.role = new aws.iam.Role(
      this.childName("notifier-role"),
      {
        description: "root-activity-monitor notifier: read the event queue, name accounts, publish alerts",
        assumeRolePolicy: serviceTrustPolicy("lambda.amazonaws.com", args.account.accountId),
        inlinePolicies: [
          {
            name: "notifier",
            policy: notifierPolicy({
              account: args.account,
              organizationId: args.organizationId,
              topicArn: args.topicArn,
              eventQueueArn: args.eventQueue.arn,
              deadLetterQueueArn: args.deadLetterQueueArn,
              stateTableArn: this.stateTable.arn,
              keyArn: args.keyArn,
              logGroupArn: this.logGroup.arn,
              ...(webhookParameter ? { webhookParameterArn: webhookParameter.arn } : {}),
            }),
          },
        ],
      },
      this.childOpts("notifier-role"),
    );

    this.function = new aws.lambda.CallbackFunction(
      this.childName("notifier"),
      {
        description: "root-activity-monitor: turns root CloudTrail events into alerts",
        callback: loadNotifierHandler(),
        role: this.role.arn,
        runtime: aws.lambda.Runtime.NodeJS22dX,
        architectures: ["arm64"],
        memorySize: 256,
        timeout: NOTIFIER_TIMEOUT_SECONDS,
        environment: {
          variables: {
            TOPIC_ARN: args.topicArn,
            STATE_TABLE: this.stateTable.name,
            EVENT_QUEUE_URL: args.eventQueue.url,
            ...(webhookParameter && args.webhook
              ? { WEBHOOK_PARAMETER: webhookParameter.name, WEBHOOK_FORMAT: args.webhook.format }
              : {}),
          },
        },
        loggingConfig: { logFormat: "Text", logGroup: this.logGroup.name },
        deadLetterConfig: { targetArn: args.deadLetterQueueArn },
        codePathOptions: { extraExcludePackages: notifierArchiveExclusions() },
      },
      this.childOpts("notifier"),
    );

    new aws.lambda.EventSourceMapping(
      this.childName("event-queue-to-notifier"),
      {
        eventSourceArn: args.eventQueue.arn,
        functionName: this.function.name,
        batchSize: NOTIFIER_BATCH_SIZE,
        maximumBatchingWindowInSeconds: 0,
        functionResponseTypes: ["ReportBatchItemFailures"],
      },
      this.childOpts("event-queue-to-notifier"),
    );
    this.registerOutputs({ notifierName: this.function.name });
  }
}
