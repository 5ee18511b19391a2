// Coverage that follows the organization: the hub's second function. Lifecycle events (an account
// joined, moved, left, opted into a region) arrive on the hub bus; their own rule puts them on their
// own queue; the coverage function starts the spoke stacks that must run, tells people, and follows
// each deployment. Its own role (the notifier's does not grow), its own dead-letter queue, and the
// same alarms as the notifier's path, from the same builders.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { serviceTrustPolicy } from "../../common/iamPolicy";
import { embedSelections, type SpokeSelection } from "../../handler/coverage/selection";
import { lifecycleEventPattern } from "../../handler/classify/lifecycleEvent";
import { alarmsOf, pathAlarmSpecs, type PathLabels } from "../alarms";
import { notifierArchiveExclusions } from "../archive";
import { loadNotifierHandler } from "../notifierCode";
import { HubPart, type HubAccount, type PartArgs } from "../parts";
import { encryptedQueues, ruleToQueue, type PathNames } from "../queues";
import type { CoverageConfig } from "./config";
import { coveragePolicy } from "./policy";
import * as path from "node:path";

export const COVERAGE_ENTRY = path.join(__dirname, "..", "..", "handler", "coverage", "lambda.ts");
/** A few HTTP calls and a publish per record; each call gives up after 10 s. */
export const COVERAGE_TIMEOUT_SECONDS = 60;
/** Lambda's limit on all environment variables together is 4 KB: the embedded list stays well under. */
export const SPOKE_STACKS_MAX_BYTES = 3000;

const NAMES: PathNames = {
  queue: "lifecycle-events",
  deadLetters: "lifecycle-dead-letters",
  queuePolicy: "lifecycle-events-policy",
  deadLettersPolicy: "lifecycle-dead-letters-policy",
  target: "to-lifecycle-queue",
};

const COVERAGE_PATH: PathLabels = {
  prefix: "coverage-",
  errorsName: "coverage-errors",
  deadLetters:
    "Lifecycle events (accounts joining, moving, leaving) are in the dead-letter queue: no spoke update was started for them. Inspect and redrive them.",
  waiting:
    "The oldest lifecycle event has waited over 5 minutes: the coverage function is not draining its queue.",
  errors:
    "The coverage function failed; SQS will retry, then dead-letter the events. New accounts may stay unwatched.",
  ruleFailed: "The hub rule could not deliver lifecycle events to the coverage queue.",
};

export interface CoverageArgs extends PartArgs {
  account: HubAccount;
  coverage: CoverageConfig;
  /** The repository's spoke stacks and their selections (hub/coverage/spokeStacks.ts). */
  spokeStacks: SpokeSelection[];
  /** The spokes' default regions, embedded once for every stack that watches them. */
  defaultRegions: string[];
  keyArn: pulumi.Input<string>;
  topicArn: pulumi.Input<string>;
  eventBusName: pulumi.Input<string>;
  stateTable: { arn: pulumi.Input<string>; name: pulumi.Input<string> };
  logRetentionDays: number;
}

export class HubCoverage extends HubPart {
  readonly function: aws.lambda.CallbackFunction<unknown, unknown>;
  readonly role: aws.iam.Role;
  readonly rule: aws.cloudwatch.EventRule;
  readonly queue: aws.sqs.Queue;
  readonly deadLetters: aws.sqs.Queue;
  readonly alarms: aws.cloudwatch.MetricAlarm[];

  constructor(name: string, args: CoverageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("root-activity-monitor:hub:Coverage", name, args, opts);
    const c = args.coverage;
    const spokeStacks = embedSelections(args.spokeStacks, args.defaultRegions);
    if (Buffer.byteLength(spokeStacks) > SPOKE_STACKS_MAX_BYTES) {
      throw new pulumi.RunError(
        `The ${args.spokeStacks.length} spoke stacks' selections take ${Buffer.byteLength(spokeStacks)} bytes, over the ${SPOKE_STACKS_MAX_BYTES} the coverage function's environment allows. Use fewer stacks (larger shards).`,
      );
    }

    const queues = encryptedQueues(this, NAMES, {
      keyArn: args.keyArn,
      visibilityTimeoutSeconds: 6 * COVERAGE_TIMEOUT_SECONDS,
    });
    this.queue = queues.queue;
    this.deadLetters = queues.deadLetters;

    this.rule = new aws.cloudwatch.EventRule(
      this.childName("lifecycle"),
      {
        eventBusName: args.eventBusName,
        description:
          "Account changes of the organization (joins, moves, departures, region opt-ins), from the spokes",
        eventPattern: JSON.stringify(lifecycleEventPattern()),
        state: "ENABLED",
      },
      this.childOpts("lifecycle"),
    );
    const target = ruleToQueue(this, NAMES, {
      rule: this.rule,
      eventBusName: args.eventBusName,
      queues,
      sid: "OnlyTheLifecycleRuleMaySend",
    });

    const logGroup = new aws.cloudwatch.LogGroup(
      this.childName("coverage-logs"),
      { retentionInDays: args.logRetentionDays },
      this.childOpts("coverage-logs"),
    );
    this.role = new aws.iam.Role(
      this.childName("coverage-role"),
      {
        description:
          "root-activity-monitor coverage: start spoke updates when accounts join or leave, tell people",
        assumeRolePolicy: serviceTrustPolicy("lambda.amazonaws.com", args.account.accountId),
        inlinePolicies: [
          {
            name: "coverage",
            policy: coveragePolicy({
              topicArn: args.topicArn,
              queueArn: this.queue.arn,
              deadLetterQueueArn: this.deadLetters.arn,
              stateTableArn: args.stateTable.arn,
              keyArn: args.keyArn,
              logGroupArn: logGroup.arn,
              ...(c.tokenSecretArn ? { tokenSecretArn: c.tokenSecretArn } : {}),
            }),
          },
        ],
      },
      this.childOpts("coverage-role"),
    );

    this.function = new aws.lambda.CallbackFunction(
      this.childName("coverage"),
      {
        description:
          "root-activity-monitor: brings new accounts under watch (starts spoke updates, tells people)",
        callback: loadNotifierHandler(COVERAGE_ENTRY),
        role: this.role.arn,
        runtime: aws.lambda.Runtime.NodeJS22dX,
        architectures: ["arm64"],
        memorySize: 256,
        timeout: COVERAGE_TIMEOUT_SECONDS,
        environment: {
          variables: {
            TOPIC_ARN: args.topicArn,
            COVERAGE_QUEUE_URL: this.queue.url,
            STATE_TABLE: args.stateTable.name,
            SPOKE_STACKS: spokeStacks,
            COVERAGE_TRIGGER: c.kind,
            DEADLINE_MINUTES: String(c.deadlineMinutes),
            ...(c.tokenSecretArn ? { TOKEN_SECRET_ARN: c.tokenSecretArn } : {}),
            ...(c.kind === "pulumi-deployments"
              ? {
                  PULUMI_API_URL: c.pulumiApiUrl,
                  PULUMI_ORGANIZATION: c.pulumiOrganization,
                  PULUMI_PROJECT: c.project,
                }
              : {}),
            ...(c.kind === "github-actions"
              ? {
                  GITHUB_API_URL: c.githubApiUrl,
                  GITHUB_REPOSITORY: c.githubRepository,
                  GITHUB_WORKFLOW: c.githubWorkflow,
                  GITHUB_REF: c.githubRef,
                }
              : {}),
          },
        },
        loggingConfig: { logFormat: "Text", logGroup: logGroup.name },
        deadLetterConfig: { targetArn: this.deadLetters.arn },
        codePathOptions: { extraExcludePackages: notifierArchiveExclusions() },
      },
      this.childOpts("coverage"),
    );

    new aws.lambda.EventSourceMapping(
      this.childName("lifecycle-queue-to-coverage"),
      {
        eventSourceArn: this.queue.arn,
        functionName: this.function.name,
        batchSize: 10,
        maximumBatchingWindowInSeconds: 0,
        functionResponseTypes: ["ReportBatchItemFailures"],
      },
      this.childOpts("lifecycle-queue-to-coverage"),
    );

    this.alarms = alarmsOf(
      pathAlarmSpecs(
        {
          topicArn: args.topicArn,
          deadLetterQueueName: this.deadLetters.name,
          queueName: this.queue.name,
          functionName: this.function.name,
          ruleName: this.rule.name,
          eventBusName: args.eventBusName,
        },
        COVERAGE_PATH,
      ),
      args.topicArn,
      this,
      { dependsOn: [target] },
    );
    this.registerOutputs({ coverageFunctionName: this.function.name });
  }
}
