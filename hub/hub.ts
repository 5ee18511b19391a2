// The hub: the organization's root events arrive on one bus, wait in an encrypted queue, and a
// notifier turns each into an alert on an SNS topic. Every step that can fail has a retry, a
// dead-letter queue and an alarm that reaches the same people.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  NOTIFIER_BATCH_SIZE,
  NOTIFIER_TIMEOUT_SECONDS,
  QUEUE_VISIBILITY_TIMEOUT_SECONDS,
} from "../handler/budget";
import { rootEventPattern, rootRuleState } from "../handler/rootEvent";
import { policyDocument, serviceTrustPolicy, sourceConditions } from "../common/iamPolicy";
import type { HubConfig } from "./config";
import { hubKeyPolicy } from "./keyPolicy";
import { hubAlarms } from "./alarms";
import { hubDashboard } from "./dashboard";
import { notifierArchiveExclusions } from "./archive";
import { loadNotifierHandler } from "./notifierCode";
import { subscriptionName } from "./subscriptions";

export interface HubArgs extends HubConfig {
  organizationId: string;
  /** The incoming-webhook URL, as a Pulumi secret. Stored only in an encrypted SSM parameter. */
  webhookUrl?: pulumi.Output<string>;
}

/** SQS receives a message up to this many times before it goes to the dead-letter queue. */
export const MAX_RECEIVE_COUNT = 5;
/** EventBridge keeps retrying delivery to the queue for up to a day (its maximum). */
export const TARGET_RETRY = { maximumEventAgeInSeconds: 86_400, maximumRetryAttempts: 185 };
const FOURTEEN_DAYS = 1_209_600;

export class RootActivityHub extends pulumi.ComponentResource {
  readonly eventBusArn: pulumi.Output<string>;
  readonly eventBusName: pulumi.Output<string>;
  readonly topicArn: pulumi.Output<string>;
  readonly notifierName: pulumi.Output<string>;
  readonly notifierLogGroupName: pulumi.Output<string>;
  readonly stateTableName: pulumi.Output<string>;
  readonly eventQueueUrl: pulumi.Output<string>;
  readonly deadLetterQueueUrl: pulumi.Output<string>;
  readonly deadLetterQueueArn: pulumi.Output<string>;
  readonly eventQueueArn: pulumi.Output<string>;
  readonly ruleState: string;

  constructor(name: string, args: HubArgs, opts?: pulumi.ComponentResourceOptions) {
    super("root-activity-monitor:index:Hub", name, {}, opts);
    const parent = { parent: this };
    const caller = aws.getCallerIdentityOutput({}, parent);
    const region = aws.getRegionOutput({}, parent);
    const partition = aws.getPartitionOutput({}, parent);
    const accountId = caller.accountId;
    const regionName = region.region;
    const arnPrefix = pulumi.interpolate`arn:${partition.partition}`;

    const key = new aws.kms.Key(
      "key",
      {
        description: "root-activity-monitor: encrypts the alert topic and the event queues",
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: hubKeyPolicy({ arnPrefix, accountId, region: regionName, eventBusName: args.eventBusName }),
      },
      parent,
    );

    const topic = new aws.sns.Topic(
      "alerts",
      { displayName: "AWS root activity", kmsMasterKeyId: key.arn },
      parent,
    );
    for (const address of args.notificationEmails) {
      new aws.sns.TopicSubscription(
        `email-${address}`,
        { topic: topic.arn, protocol: "email", endpoint: address },
        parent,
      );
    }

    for (const sub of args.subscriptions) {
      new aws.sns.TopicSubscription(
        subscriptionName(sub),
        {
          topic: topic.arn,
          protocol: sub.protocol,
          endpoint: sub.endpoint,
          ...(sub.filterPolicy
            ? { filterPolicy: JSON.stringify(sub.filterPolicy), filterPolicyScope: "MessageAttributes" }
            : {}),
          ...(sub.rawMessageDelivery !== undefined ? { rawMessageDelivery: sub.rawMessageDelivery } : {}),
        },
        parent,
      );
    }

    // Duplicate suppression, failed sign-in counts and storm-control digests. Every item has a TTL,
    // so the table cannot grow without bound. Encrypted at rest with the AWS managed key.
    const table = new aws.dynamodb.Table(
      "state",
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
      parent,
    );

    // The webhook URL is a credential: it lives in an encrypted parameter, and the notifier gets
    // only the parameter's name.
    const webhookParameter = args.webhookUrl
      ? new aws.ssm.Parameter(
          "webhook-url",
          {
            name: `/root-activity-monitor/${pulumi.getStack()}/webhook-url`,
            description: "root-activity-monitor: incoming-webhook URL for chat alerts",
            type: "SecureString",
            keyId: key.arn,
            value: args.webhookUrl,
          },
          parent,
        )
      : undefined;

    // One dead-letter queue for every failure path (rule delivery, notifier retries exhausted,
    // async invocations): one alarm, one redrive command.
    const deadLetters = new aws.sqs.Queue(
      "dead-letters",
      { kmsMasterKeyId: key.arn, kmsDataKeyReusePeriodSeconds: 300, messageRetentionSeconds: FOURTEEN_DAYS },
      parent,
    );
    // A queue in front of the notifier: durable buffer if the notifier or SNS is down, batching
    // for bursts, per-message retries, and SQS's own redrive for replay.
    const events = new aws.sqs.Queue(
      "events",
      {
        kmsMasterKeyId: key.arn,
        kmsDataKeyReusePeriodSeconds: 300,
        messageRetentionSeconds: FOURTEEN_DAYS,
        visibilityTimeoutSeconds: QUEUE_VISIBILITY_TIMEOUT_SECONDS,
        redrivePolicy: pulumi.jsonStringify({
          deadLetterTargetArn: deadLetters.arn,
          maxReceiveCount: MAX_RECEIVE_COUNT,
        }),
      },
      parent,
    );

    const bus = new aws.cloudwatch.EventBus("bus", { name: args.eventBusName }, parent);
    const busPolicy = new aws.cloudwatch.EventBusPolicy(
      "bus-policy",
      {
        eventBusName: bus.name,
        policy: policyDocument([
          {
            Sid: "OrganizationAccountsMayPutEvents",
            Effect: "Allow",
            Principal: "*",
            Action: "events:PutEvents",
            Resource: bus.arn,
            Condition: { StringEquals: { "aws:PrincipalOrgID": args.organizationId } },
          },
        ]),
      },
      parent,
    );

    const ruleState = rootRuleState(args.includeReadOnlyEvents);
    const rule = new aws.cloudwatch.EventRule(
      "root-activity",
      {
        eventBusName: bus.name,
        description: "Root-user activity forwarded from every account and region of the organization",
        eventPattern: JSON.stringify(rootEventPattern()),
        state: ruleState,
      },
      { parent: this, dependsOn: [busPolicy] },
    );

    const queuePolicies = [events, deadLetters].map(
      (queue, i) =>
        new aws.sqs.QueuePolicy(
          i === 0 ? "events-policy" : "dead-letters-policy",
          {
            queueUrl: queue.url,
            policy: policyDocument([
              {
                Sid: "OnlyTheRootActivityRuleMaySend",
                Effect: "Allow",
                Principal: { Service: "events.amazonaws.com" },
                Action: "sqs:SendMessage",
                Resource: queue.arn,
                Condition: { ArnEquals: { "aws:SourceArn": rule.arn } },
              },
            ]),
          },
          parent,
        ),
    );

    const ruleTarget = new aws.cloudwatch.EventTarget(
      "to-event-queue",
      {
        rule: rule.name,
        eventBusName: bus.name,
        arn: events.arn,
        retryPolicy: TARGET_RETRY,
        deadLetterConfig: { arn: deadLetters.arn },
      },
      { parent: this, dependsOn: queuePolicies },
    );

    const logGroup = new aws.cloudwatch.LogGroup(
      "notifier-logs",
      { retentionInDays: args.logRetentionDays },
      parent,
    );

    const role = new aws.iam.Role(
      "notifier-role",
      {
        description: "root-activity-monitor notifier: read the event queue, name accounts, publish alerts",
        assumeRolePolicy: serviceTrustPolicy("lambda.amazonaws.com", accountId),
        inlinePolicies: [
          {
            name: "notifier",
            policy: policyDocument([
              // Deliver alerts; only to our topic.
              { Sid: "PublishAlerts", Effect: "Allow", Action: "sns:Publish", Resource: topic.arn },
              // Consume the event queue through the event source mapping.
              {
                Sid: "ConsumeEventQueue",
                Effect: "Allow",
                Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
                Resource: events.arn,
              },
              // Storm control: a delayed message on its own queue tells it when to send a digest.
              { Sid: "ScheduleDigests", Effect: "Allow", Action: "sqs:SendMessage", Resource: events.arn },
              // Duplicate suppression, failed sign-in counts, digests and root-session attribution
              // (PutItem/GetItem, no new action), in its own table only.
              {
                Sid: "UseStateTable",
                Effect: "Allow",
                Action: [
                  "dynamodb:GetItem",
                  "dynamodb:PutItem",
                  "dynamodb:UpdateItem",
                  "dynamodb:DeleteItem",
                  "dynamodb:Query",
                ],
                Resource: table.arn,
              },
              ...(webhookParameter
                ? [
                    // Read the chat webhook URL at run time (decrypted with the hub key below).
                    {
                      Sid: "ReadWebhookUrl",
                      Effect: "Allow" as const,
                      Action: "ssm:GetParameter",
                      Resource: webhookParameter.arn,
                    },
                  ]
                : []),
              // Failed asynchronous invocations go to the dead-letter queue.
              {
                Sid: "DeadLetterAsyncFailures",
                Effect: "Allow",
                Action: "sqs:SendMessage",
                Resource: deadLetters.arn,
              },
              // The topic and the queues are encrypted with the hub key.
              {
                Sid: "UseHubKey",
                Effect: "Allow",
                Action: ["kms:Decrypt", "kms:GenerateDataKey"],
                Resource: key.arn,
              },
              // Put the account's name, not just its ID, in each alert. Scoped to our organization.
              {
                Sid: "NameAccountsOfOurOrganization",
                Effect: "Allow",
                Action: "organizations:DescribeAccount",
                Resource: pulumi.interpolate`${arnPrefix}:organizations::*:account/${args.organizationId}/*`,
              },
              // Write logs to its own log group only.
              {
                Sid: "WriteOwnLogs",
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                Resource: pulumi.interpolate`${logGroup.arn}:log-stream:*`,
              },
            ]),
          },
        ],
      },
      parent,
    );

    const notifier = new aws.lambda.CallbackFunction(
      "notifier",
      {
        description: "root-activity-monitor: turns root CloudTrail events into alerts",
        callback: loadNotifierHandler(),
        role: role.arn,
        runtime: aws.lambda.Runtime.NodeJS22dX,
        architectures: ["arm64"],
        memorySize: 256,
        timeout: NOTIFIER_TIMEOUT_SECONDS,
        environment: {
          variables: {
            TOPIC_ARN: topic.arn,
            STATE_TABLE: table.name,
            EVENT_QUEUE_URL: events.url,
            ...(webhookParameter && args.webhook
              ? { WEBHOOK_PARAMETER: webhookParameter.name, WEBHOOK_FORMAT: args.webhook.format }
              : {}),
          },
        },
        loggingConfig: { logFormat: "Text", logGroup: logGroup.name },
        deadLetterConfig: { targetArn: deadLetters.arn },
        codePathOptions: { extraExcludePackages: notifierArchiveExclusions() },
      },
      parent,
    );

    new aws.lambda.EventSourceMapping(
      "event-queue-to-notifier",
      {
        eventSourceArn: events.arn,
        functionName: notifier.name,
        batchSize: NOTIFIER_BATCH_SIZE,
        maximumBatchingWindowInSeconds: 0,
        functionResponseTypes: ["ReportBatchItemFailures"],
      },
      parent,
    );

    new aws.sns.TopicPolicy(
      "alerts-policy",
      {
        arn: topic.arn,
        policy: policyDocument([
          {
            Sid: "NotifierPublishes",
            Effect: "Allow",
            Principal: { AWS: role.arn },
            Action: "sns:Publish",
            Resource: topic.arn,
          },
          {
            Sid: "AlarmsOfThisAccountPublish",
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: "sns:Publish",
            Resource: topic.arn,
            Condition: sourceConditions(
              accountId,
              pulumi.interpolate`${arnPrefix}:cloudwatch:${regionName}:${accountId}:alarm:*`,
            ),
          },
          {
            // A forged alert is as harmful as a lost one: no one else may publish.
            Sid: "NoOtherPublishers",
            Effect: "Deny",
            Principal: "*",
            Action: "sns:Publish",
            Resource: topic.arn,
            Condition: {
              ArnNotEquals: { "aws:PrincipalArn": role.arn },
              StringNotEquals: { "aws:PrincipalServiceName": "cloudwatch.amazonaws.com" },
            },
          },
        ]),
      },
      parent,
    );

    hubAlarms(
      {
        topicArn: topic.arn,
        deadLetterQueueName: deadLetters.name,
        eventQueueName: events.name,
        notifierName: notifier.name,
        ruleName: rule.name,
        eventBusName: bus.name,
        webhook: webhookParameter !== undefined,
      },
      { parent: this, dependsOn: [ruleTarget] },
    );
    hubDashboard(
      {
        region: regionName,
        notifierName: notifier.name,
        deadLetterQueueName: deadLetters.name,
        eventQueueName: events.name,
        ruleName: rule.name,
        eventBusName: bus.name,
      },
      parent,
    );

    this.eventBusArn = bus.arn;
    this.eventBusName = bus.name;
    this.topicArn = topic.arn;
    this.notifierName = notifier.name;
    this.notifierLogGroupName = logGroup.name;
    this.stateTableName = table.name;
    this.eventQueueUrl = events.url;
    this.eventQueueArn = events.arn;
    this.deadLetterQueueUrl = deadLetters.url;
    this.deadLetterQueueArn = deadLetters.arn;
    this.ruleState = ruleState;
    this.registerOutputs({ eventBusArn: this.eventBusArn, topicArn: this.topicArn });
  }
}
