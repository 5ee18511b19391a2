// Ingest: the organization's root events arrive on one bus, and its rule puts them on an encrypted
// queue in front of the notifier, with retries and one dead-letter queue for every failure path.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { QUEUE_VISIBILITY_TIMEOUT_SECONDS } from "../handler/support/budget";
import { rootEventPattern, rootRuleState } from "../handler/classify/rootEvent";
import { withTamper } from "../handler/classify/tamperEvent";
import { policyDocument } from "../common/iamPolicy";
import { HubPart, type PartArgs } from "./parts";
import { encryptedQueues, ruleToQueue, type PathNames } from "./queues";

/** The notifier path's part names, as they have always been. */
const NAMES: PathNames = {
  queue: "events",
  deadLetters: "dead-letters",
  queuePolicy: "events-policy",
  deadLettersPolicy: "dead-letters-policy",
  target: "to-event-queue",
};

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
    // One dead-letter queue for every failure path (rule delivery, notifier retries exhausted,
    // async invocations): one alarm, one redrive command.
    const queues = encryptedQueues(this, NAMES, {
      keyArn: args.keyArn,
      visibilityTimeoutSeconds: QUEUE_VISIBILITY_TIMEOUT_SECONDS,
    });
    this.events = queues.queue;
    this.deadLetters = queues.deadLetters;

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
        // Tamper events too: the spokes already left the deploy role's own changes out.
        eventPattern: JSON.stringify(withTamper(rootEventPattern())),
        state: this.ruleState,
      },
      this.childOpts("root-activity", { dependsOn: [busPolicy] }),
    );

    this.ruleTarget = ruleToQueue(this, NAMES, {
      rule: this.rule,
      eventBusName: this.bus.name,
      queues,
      sid: "OnlyTheRootActivityRuleMaySend",
    });
    this.registerOutputs({ eventBusArn: this.bus.arn, eventQueueUrl: this.events.url });
  }
}
