// Alarms on every way an event could be lost or stuck. They notify the same topic as the alerts.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { METRIC_NAMESPACE, METRICS } from "../handler/metricNames";
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

interface AlarmSpec {
  name: string;
  description: string;
  namespace: string;
  metricName: string;
  statistic: "Sum" | "Maximum";
  dimensions: Record<string, pulumi.Input<string>>;
  threshold: number;
}

/** The alarms, as children of `part`, named after it. */
export function hubAlarms(
  t: AlarmTargets,
  part: HubPart,
  opts: pulumi.CustomResourceOptions = {},
): aws.cloudwatch.MetricAlarm[] {
  const specs: AlarmSpec[] = [
    {
      name: "dead-letters-not-empty",
      description:
        "Root-activity events are in the dead-letter queue: they were NOT notified. Inspect and redrive them.",
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      statistic: "Maximum",
      dimensions: { QueueName: t.deadLetterQueueName },
      threshold: 0,
    },
    {
      name: "events-waiting",
      description:
        "The oldest root-activity event has waited over 5 minutes: the notifier is not draining its queue.",
      namespace: "AWS/SQS",
      metricName: "ApproximateAgeOfOldestMessage",
      statistic: "Maximum",
      dimensions: { QueueName: t.eventQueueName },
      threshold: OLDEST_EVENT_ALARM_SECONDS,
    },
    {
      name: "notifier-errors",
      description: "The root-activity notifier failed; SQS will retry, then dead-letter the events.",
      namespace: "AWS/Lambda",
      metricName: "Errors",
      statistic: "Sum",
      dimensions: { FunctionName: t.notifierName },
      threshold: 0,
    },
    {
      name: "rule-failed-invocations",
      description: "The hub rule could not deliver root-activity events to its queue.",
      namespace: "AWS/Events",
      metricName: "FailedInvocations",
      statistic: "Sum",
      dimensions: { RuleName: t.ruleName, EventBusName: t.eventBusName },
      threshold: 0,
    },
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
          alarmActions: [t.topicArn],
          okActions: [t.topicArn],
        },
        part.childOpts(s.name, opts),
      ),
  );
}
