// The hub: the organization's root events arrive on one bus, wait in an encrypted queue, and a
// notifier turns each into an alert on an SNS topic. Every step that can fail has a retry, a
// dead-letter queue and an alarm that reaches the same people. One part per concern: alerting
// (key, topic, subscriptions), ingest (bus, rule, queues), the notifier, and observability.
import * as pulumi from "@pulumi/pulumi";
import type { HubConfig } from "./config";
import type { SpokeSelection } from "../handler/coverage/selection";
import { DEFAULT_REGIONS } from "../spoke/config";
import { HubAlerting } from "./alerting";
import { HubCoverage } from "./coverage/coverage";
import { HubIngest } from "./ingest";
import { HubNotifier } from "./notifier";
import { HubObservability } from "./observability";
import { hubAccount } from "./parts";

export interface HubArgs extends HubConfig {
  organizationId: string;
  /** The incoming-webhook URL, as a Pulumi secret. Stored only in an encrypted SSM parameter. */
  webhookUrl?: pulumi.Output<string>;
  /**
   * The stack's first hub, as the program has always made it. It may hold resources created before
   * the hub was split into parts, directly under it by their part names: each is aliased to that
   * URN, so an update keeps it. Its dashboard and webhook parameter keep their stack-wide names.
   * Old URNs carry no hub name, so only one hub of a stack may set it.
   */
  preSplitUrns?: boolean;
  /** The repository's spoke stacks and what each selects (hub/coverage/spokeStacks.ts). */
  spokeStacks?: SpokeSelection[];
}

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
  readonly coverageFunctionName: pulumi.Output<string>;

  constructor(name: string, args: HubArgs, opts?: pulumi.ComponentResourceOptions) {
    super("root-activity-monitor:index:Hub", name, {}, opts);
    const parent = { parent: this };
    const part = args.preSplitUrns ? { preSplitHub: this } : {};
    const account = hubAccount(this);

    const alerting = new HubAlerting(name, { ...part, account, ...args }, parent);
    const keyArn = alerting.key.arn;
    const ingest = new HubIngest(name, { ...part, keyArn, ...args }, parent);
    const { events, deadLetters, bus, rule } = ingest;
    const notifier = new HubNotifier(
      name,
      {
        ...part,
        ...args,
        account,
        keyArn,
        topicArn: alerting.topic.arn,
        eventQueue: events,
        deadLetterQueueArn: deadLetters.arn,
      },
      parent,
    );
    // New since the split: no pre-split URNs to alias.
    const coverage = new HubCoverage(
      name,
      {
        account,
        coverage: args.coverage,
        spokeStacks: args.spokeStacks ?? [],
        defaultRegions: DEFAULT_REGIONS,
        keyArn,
        topicArn: alerting.topic.arn,
        eventBusName: bus.name,
        stateTable: notifier.stateTable,
        logRetentionDays: args.logRetentionDays,
      },
      parent,
    );
    alerting.limitPublishers(notifier.role.arn, [coverage.role.arn]);
    new HubObservability(
      name,
      {
        ...part,
        topicArn: alerting.topic.arn,
        region: account.region,
        deadLetterQueueName: deadLetters.name,
        eventQueueName: events.name,
        notifierName: notifier.function.name,
        ruleName: rule.name,
        eventBusName: bus.name,
        webhook: notifier.webhook,
        ruleTarget: ingest.ruleTarget,
      },
      parent,
    );

    this.eventBusArn = bus.arn;
    this.eventBusName = bus.name;
    this.topicArn = alerting.topic.arn;
    this.notifierName = notifier.function.name;
    this.notifierLogGroupName = notifier.logGroup.name;
    this.stateTableName = notifier.stateTable.name;
    this.eventQueueUrl = events.url;
    this.eventQueueArn = events.arn;
    this.deadLetterQueueUrl = deadLetters.url;
    this.deadLetterQueueArn = deadLetters.arn;
    this.ruleState = ingest.ruleState;
    this.coverageFunctionName = coverage.function.name;
    this.registerOutputs({ eventBusArn: this.eventBusArn, topicArn: this.topicArn });
  }
}
