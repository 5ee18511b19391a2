// Ingest: the organization's root events arrive on one bus, and its rule puts them on an encrypted
// queue in front of the notifier, with retries and one dead-letter queue for every failure path.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { QUEUE_VISIBILITY_TIMEOUT_SECONDS } from "../handler/budget";
import { rootEventPattern, rootRuleState } from "../handler/rootEvent";
import { policyDocument } from "../common/iamPolicy";
import { HubPart, type PartArgs } from "./parts";

/** SQS receives a message up to this many times before it goes to the dead-letter queue. */
export const MAX_RECEIVE_COUNT = 5;
/** EventBridge keeps retrying delivery to the queue for up to a day (its maximum). */
export const TARGET_RETRY = { maximumEventAgeInSeconds: 86_400, maximumRetryAttempts: 185 };
const FOURTEEN_DAYS = 1_209_600;

export interface IngestArgs extends PartArgs {
  /** Encrypts both queues. */
  keyArn: pulumi.Input<string>;
  eventBusName: string;
  /** Only accounts of this organization may put events on the bus. */
  organizationId: string;
  includeReadOnlyEvents: boolean;
}

export class HubIngest extends HubPart {
  readonly bus: aws.cloudwatch.EventBus;
  readonly rule: aws.cloudwatch.EventRule;
  readonly ruleState: string;
  /** The rule's delivery to the queue: ready once it exists and the queues accept the rule. */
  readonly ruleTarget: aws.cloudwatch.EventTarget;
  readonly events: aws.sqs.Queue;
  readonly deadLetters: aws.sqs.Queue;

  constructor(name: string, args: IngestArgs, opts?: pulumi.ComponentResourceOptions) {
    super("root-activity-monitor:hub:Ingest", name, args, opts);
    const encrypted = {
      kmsMasterKeyId: args.keyArn,
      kmsDataKeyReusePeriodSeconds: 300,
      messageRetentionSeconds: FOURTEEN_DAYS,
    };
    // One dead-letter queue for every failure path (rule delivery, notifier retries exhausted,
    // async invocations): one alarm, one redrive command.
    this.deadLetters = new aws.sqs.Queue(
      this.childName("dead-letters"),
      encrypted,
      this.childOpts("dead-letters"),
    );
    // A queue in front of the notifier: durable buffer if the notifier or SNS is down, batching
    // for bursts, per-message retries, and SQS's own redrive for replay.
    this.events = new aws.sqs.Queue(
      this.childName("events"),
      {
        ...encrypted,
        visibilityTimeoutSeconds: QUEUE_VISIBILITY_TIMEOUT_SECONDS,
        redrivePolicy: pulumi.jsonStringify({
          deadLetterTargetArn: this.deadLetters.arn,
          maxReceiveCount: MAX_RECEIVE_COUNT,
        }),
      },
      this.childOpts("events"),
    );

    this.bus = new aws.cloudwatch.EventBus(
      this.childName("bus"),
      { name: args.eventBusName },
      this.childOpts("bus"),
    );
    const busPolicy = new aws.cloudwatch.EventBusPolicy(
      this.childName("bus-policy"),
      {
        eventBusName: this.bus.name,
        policy: policyDocument([
          {
            Sid: "OrganizationAccountsMayPutEvents",
            Effect: "Allow",
            Principal: "*",
            Action: "events:PutEvents",
            Resource: this.bus.arn,
            Condition: { StringEquals: { "aws:PrincipalOrgID": args.organizationId } },
          },
        ]),
      },
      this.childOpts("bus-policy"),
    );

    this.ruleState = rootRuleState(args.includeReadOnlyEvents);
    this.rule = new aws.cloudwatch.EventRule(
      this.childName("root-activity"),
      {
        eventBusName: this.bus.name,
        description: "Root-user activity forwarded from every account and region of the organization",
        eventPattern: JSON.stringify(rootEventPattern()),
        state: this.ruleState,
      },
      this.childOpts("root-activity", { dependsOn: [busPolicy] }),
    );

    const queuePolicies = (
      [
        ["events-policy", this.events],
        ["dead-letters-policy", this.deadLetters],
      ] as const
    ).map(
      ([part, queue]) =>
        new aws.sqs.QueuePolicy(
          this.childName(part),
          {
            queueUrl: queue.url,
            policy: policyDocument([
              {
                Sid: "OnlyTheRootActivityRuleMaySend",
                Effect: "Allow",
                Principal: { Service: "events.amazonaws.com" },
                Action: "sqs:SendMessage",
                Resource: queue.arn,
                Condition: { ArnEquals: { "aws:SourceArn": this.rule.arn } },
              },
            ]),
          },
          this.childOpts(part),
        ),
    );

    this.ruleTarget = new aws.cloudwatch.EventTarget(
      this.childName("to-event-queue"),
      {
        rule: this.rule.name,
        eventBusName: this.bus.name,
        arn: this.events.arn,
        retryPolicy: TARGET_RETRY,
        deadLetterConfig: { arn: this.deadLetters.arn },
      },
      this.childOpts("to-event-queue", { dependsOn: queuePolicies }),
    );
    this.registerOutputs({ eventBusArn: this.bus.arn, eventQueueUrl: this.events.url });
  }
}
