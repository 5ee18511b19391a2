// Alarms on every way an event could be lost or stuck. They notify the same topic as the alerts.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { METRIC_NAMESPACE, METRICS } from "../handler/support/metricNames";
import type { HubPart } from "./parts";

/** What the alarms and the dashboard watch, by name. */
export type Watched = Record<
  "deadLetterQueueName" | "eventQueueName" | "notifierName" | "ruleName" | "eventBusName",
  pulumi.Input<string>
>;

export interface AlarmTargets extends Watched {
  topicArn: pulumi.Input<string>;
  /** Alarm on failed webhook posts only when a webhook is configured. */
  webhook: boolean;
}

/** A notifier that has not drained the queue in this long is stuck. */
export const OLDEST_EVENT_ALARM_SECONDS = 300;

export interface AlarmSpec {
  name: string;
  description: string;
  namespace: string;
  metricName: string;
  statistic: "Sum" | "Maximum";
  dimensions: Record<string, pulumi.Input<string>>;
  threshold: number;
}

/** One delivery path: a rule feeding a queue, a function draining it, a dead-letter queue. */
export interface PathAlarmTargets {
  topicArn: pulumi.Input<string>;
  deadLetterQueueName: pulumi.Input<string>;
  queueName: pulumi.Input<string>;
  functionName: pulumi.Input<string>;
  ruleName: pulumi.Input<string>;
  eventBusName: pulumi.Input<string>;
}

/** How a path's alarms are named and what each says. */
export interface PathLabels {
  /** Prefix of the alarm names ("" for the notifier's, as they have always been named). */
  prefix: string;
  /** Name of the function's error alarm. */
  errorsName: string;
  deadLetters: string;
  waiting: string;
  errors: string;
  ruleFailed: string;
}

export const NOTIFIER_PATH: PathLabels = {
  prefix: "",
  errorsName: "notifier-errors",
  deadLetters:
    "Root-activity events are in the dead-letter queue: they were NOT notified. Inspect and redrive them.",
  waiting:
    "The oldest root-activity event has waited over 5 minutes: the notifier is not draining its queue.",
  errors: "The root-activity notifier failed; SQS will retry, then dead-letter the events.",
  ruleFailed: "The hub rule could not deliver root-activity events to its queue.",
};

/** The alarms on every way an event of one path could be lost or stuck. */
export function pathAlarmSpecs(t: PathAlarmTargets, l: PathLabels): AlarmSpec[] {
  return [
    {
      name: `${l.prefix}dead-letters-not-empty`,
      description: l.deadLetters,
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      statistic: "Maximum",
      dimensions: { QueueName: t.deadLetterQueueName },
      threshold: 0,
    },
    {
      name: `${l.prefix}events-waiting`,
      description: l.waiting,
      namespace: "AWS/SQS",
      metricName: "ApproximateAgeOfOldestMessage",
      statistic: "Maximum",
      dimensions: { QueueName: t.queueName },
      threshold: OLDEST_EVENT_ALARM_SECONDS,
    },
    {
      name: l.errorsName,
      description: l.errors,
      namespace: "AWS/Lambda",
      metricName: "Errors",
      statistic: "Sum",
      dimensions: { FunctionName: t.functionName },
      threshold: 0,
    },
    {
      name: `${l.prefix}rule-failed-invocations`,
      description: l.ruleFailed,
      namespace: "AWS/Events",
      metricName: "FailedInvocations",
      statistic: "Sum",
      dimensions: { RuleName: t.ruleName, EventBusName: t.eventBusName },
      threshold: 0,
    },
  ];
}

/** Alarms from specs, as children of `part`, named after it, to the topic. */
export function alarmsOf(
  specs: AlarmSpec[],
  topicArn: pulumi.Input<string>,
  part: HubPart,
  opts: pulumi.CustomResourceOptions = {},
): aws.cloudwatch.MetricAlarm[] {
  return specs.map(
    (s) =>
      new aws.cloudwatch.MetricAlarm(
        part.childName(s.name),
        {
          alarmDescription: s.description,
          namespace: s.namespace,
          metricName: s.metricName,
          statistic: s.statistic,
          ...(Object.keys(s.dimensions).length ? { dimensions: s.dimensions } : {}),
          period: 60,
          evaluationPeriods: 1,
          threshold: s.threshold,
          comparisonOperator: "GreaterThanThreshold",
          treatMissingData: "notBreaching",
          alarmActions: [topicArn],
          okActions: [topicArn],
        },
        part.childOpts(s.name, opts),
      ),
  );
}

/** The notifier path's alarms, and the notifier's own, as children of `part`, named after it. */
export function hubAlarms(
  t: AlarmTargets,
  part: HubPart,
  opts: pulumi.CustomResourceOptions = {},
): aws.cloudwatch.MetricAlarm[] {
  const specs: AlarmSpec[] = [
    ...pathAlarmSpecs({ ...t, queueName: t.eventQueueName, functionName: t.notifierName }, NOTIFIER_PATH),
    {
      name: "state-store-errors",
      description:
        "The notifier could not use its state table; alerts still went out, but duplicates and storm control may not have worked.",
      namespace: METRIC_NAMESPACE,
      metricName: METRICS.stateStoreErrors,
      statistic: "Sum",
      dimensions: {},
      threshold: 0,
    },
  ];
  if (t.webhook) {
    specs.push({
      name: "webhook-failures",
      description:
        "Posting root alerts to the chat webhook failed (the SNS alerts went out). Check the webhook URL secret.",
      namespace: METRIC_NAMESPACE,
      metricName: METRICS.webhookFailures,
      statistic: "Sum",
      dimensions: {},
      threshold: 0,
    });
  }
  return alarmsOf(specs, t.topicArn, part, opts);
}
