// Alerting: the customer-managed key, the alert topic it encrypts, who is subscribed, and who may
// publish. The key also encrypts the event queues and the webhook parameter.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { policyDocument, sourceConditions, type Statement } from "../common/iamPolicy";
import { hubKeyPolicy } from "./keyPolicy";
import { HubPart, hubAlarmArns, type HubAccount, type PartArgs } from "./parts";
import { subscriptionName, type Subscription } from "./subscriptions";

export interface AlertingArgs extends PartArgs {
  account: HubAccount;
  /** The hub's bus: its rules may use the key to encrypt what they put on the queues. */
  eventBusName: string;
  notificationEmails: string[];
  subscriptions: Subscription[];
}

export class HubAlerting extends HubPart {
  readonly key: aws.kms.Key;
  readonly topic: aws.sns.Topic;
  private readonly account: HubAccount;

  constructor(name: string, args: AlertingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("root-activity-monitor:hub:Alerting", name, args, opts);
    this.account = args.account;
    this.key = new aws.kms.Key(
      this.childName("key"),
      {
        description: "root-activity-monitor: encrypts the alert topic and the event queues",
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        policy: hubKeyPolicy(args.account, args.eventBusName),
      },
      this.childOpts("key"),
    );
    this.topic = new aws.sns.Topic(
      this.childName("alerts"),
      { displayName: "AWS root activity", kmsMasterKeyId: this.key.arn },
      this.childOpts("alerts"),
    );
    // Named by a hash, as the other subscriptions: an address in a URN would show in every log.
    for (const address of args.notificationEmails) {
      const part = subscriptionName({ protocol: "email", endpoint: address });
      new aws.sns.TopicSubscription(
        this.childName(part),
        { topic: this.topic.arn, protocol: "email", endpoint: address },
        this.childOpts(part, {}, `email-${address}`),
      );
    }
    for (const sub of args.subscriptions) {
      const part = subscriptionName(sub);
      new aws.sns.TopicSubscription(
        this.childName(part),
        {
          topic: this.topic.arn,
          protocol: sub.protocol,
          endpoint: sub.endpoint,
          ...(sub.filterPolicy
            ? { filterPolicy: JSON.stringify(sub.filterPolicy), filterPolicyScope: "MessageAttributes" }
            : {}),
          ...(sub.rawMessageDelivery !== undefined ? { rawMessageDelivery: sub.rawMessageDelivery } : {}),
        },
        this.childOpts(part),
      );
    }
    this.registerOutputs({ topicArn: this.topic.arn });
  }

  /**
   * Only the notifier, the hub's other functions (coverage) and this account's alarms may publish.
   * Called once their roles exist: each role's own policy names the topic.
   */
  limitPublishers(
    notifierRoleArn: pulumi.Input<string>,
    otherRoleArns: pulumi.Input<string>[] = [],
  ): aws.sns.TopicPolicy {
    const topicArn = this.topic.arn;
    const others: Statement[] = otherRoleArns.length
      ? [
          {
            Sid: "HubFunctionsPublish",
            Effect: "Allow",
            Principal: { AWS: otherRoleArns },
            Action: "sns:Publish",
            Resource: topicArn,
          },
        ]
      : [];
    return new aws.sns.TopicPolicy(
      this.childName("alerts-policy"),
      {
        arn: topicArn,
        policy: policyDocument([
          {
            Sid: "NotifierPublishes",
            Effect: "Allow",
            Principal: { AWS: notifierRoleArn },
            Action: "sns:Publish",
            Resource: topicArn,
          },
          {
            Sid: "AlarmsOfThisAccountPublish",
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: "sns:Publish",
            Resource: topicArn,
            Condition: sourceConditions(this.account.accountId, hubAlarmArns(this.account)),
          },
          ...others,
          {
            // A forged alert is as harmful as a lost one: no one else may publish.
            Sid: "NoOtherPublishers",
            Effect: "Deny",
            Principal: "*",
            Action: "sns:Publish",
            Resource: topicArn,
            Condition: {
              ArnNotEquals: {
                "aws:PrincipalArn": otherRoleArns.length
                  ? [notifierRoleArn, ...otherRoleArns]
                  : notifierRoleArn,
              },
              StringNotEquals: { "aws:PrincipalServiceName": "cloudwatch.amazonaws.com" },
            },
          },
        ]),
      },
      this.childOpts("alerts-policy"),
    );
  }
}
