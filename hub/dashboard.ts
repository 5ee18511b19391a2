// A CloudWatch dashboard for the hub, so that people can look rather than read logs: root activity
// over time by account, severity and event (the notifier's EMF metrics), the notifier's health, and
// the two queues whose numbers mean "an alert is late or lost".
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ALERT_DIMENSION_SETS, DIMENSIONS, METRIC_NAMESPACE, METRICS } from "../handler/support/metricNames";
import { OLDEST_EVENT_ALARM_SECONDS, type Watched } from "./alarms";
import type { HubPart } from "./parts";

export interface DashboardTargets extends Watched {
  region: pulumi.Input<string>;
}

/** The same targets, resolved. */
export type DashboardNames = { [K in keyof DashboardTargets]: string };

/** Five-minute buckets: root activity is rare, and one event must still show as a visible point. */
const PERIOD = 300;

type MetricRow = (string | Record<string, unknown>)[];

interface Widget {
  type: "metric" | "text";
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, unknown>;
}

export interface DashboardBody {
  widgets: Widget[];
}

/** CloudWatch dashboard names allow letters, digits, "-" and "_". */
export function dashboardName(stack: string): string {
  return `root-activity-monitor-${stack}`.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 255);
}

/** SEARCH over one of the notifier's EMF metrics, for one dimension set ([] = no dimension: the total). */
export function metricSearch(metric: string, dimensions: readonly string[]): string {
  const schema = [METRIC_NAMESPACE, ...dimensions].join(",");
  return `SEARCH('{${schema}} MetricName="${metric}"', 'Sum', ${PERIOD})`;
}

const TITLES: Record<string, string> = {
  [DIMENSIONS.accountId]: "Root activity by account",
  [DIMENSIONS.severity]: "Root activity by severity",
  [DIMENSIONS.eventName]: "Root activity by event",
};

type Chart = Record<string, unknown>;

/** A time-series chart's properties: every chart shares the region, period and a zero-based axis. */
function chart(
  n: DashboardNames,
  title: string,
  metrics: MetricRow[],
  extra: Record<string, unknown> = {},
): Chart {
  return {
    title,
    region: n.region,
    view: "timeSeries",
    stacked: false,
    period: PERIOD,
    yAxis: { left: { min: 0 } },
    metrics,
    ...extra,
  };
}

function search(id: string, expression: string, label = ""): MetricRow {
  return [{ id, expression, label, period: PERIOD }];
}

/** One chart per dimension set the notifier emits Alerts under, then the totals. */
function activityCharts(n: DashboardNames): Chart[] {
  // The empty set (the total) is charted with the digests and self-tests.
  const byDimension = ALERT_DIMENSION_SETS.filter((set) => set.length > 0).map((set, i) =>
    chart(n, TITLES[set.join(",")] ?? `Root activity by ${set.join(", ")}`, [
      search(`alerts${i}`, metricSearch(METRICS.alerts, set)),
    ]),
  );
  const totals = chart(n, "Alerts, digests and self-tests (all accounts)", [
    search("alerts", metricSearch(METRICS.alerts, []), "root alerts"),
    search("digests", metricSearch(METRICS.digests, []), "digests sent"),
    search("selftests", metricSearch(METRICS.selfTests, []), "self-tests"),
  ]);
  return [...byDimension, totals];
}

/** The notifier's errors and throttles, and its duration. */
function notifierCharts(n: DashboardNames): Chart[] {
  const lambda = (name: string, stat: string, label: string): MetricRow => [
    "AWS/Lambda",
    name,
    "FunctionName",
    n.notifierName,
    { stat, label },
  ];
  const health = chart(n, "Notifier errors and throttles", [
    lambda("Errors", "Sum", "errors"),
    lambda("Throttles", "Sum", "throttles"),
    lambda("Invocations", "Sum", "invocations"),
  ]);
  const duration = chart(n, "Notifier duration (ms)", [
    lambda("Duration", "Average", "average"),
    lambda("Duration", "p99", "p99"),
    lambda("Duration", "Maximum", "maximum"),
  ]);
  return [health, duration];
}

/** What the hub's rule matched and delivered to the queue. */
function hubRuleChart(n: DashboardNames): Chart {
  const rule = (name: string, label: string): MetricRow => [
    "AWS/Events",
    name,
    "EventBusName",
    n.eventBusName,
    "RuleName",
    n.ruleName,
    { stat: "Sum", label },
  ];
  return chart(n, "Hub rule deliveries", [
    rule("MatchedEvents", "matched"),
    rule("Invocations", "delivered to the queue"),
    rule("FailedInvocations", "failed"),
  ]);
}

/** The two queues whose numbers mean "an alert is late or lost". */
function queueCharts(n: DashboardNames): Chart[] {
  const deadLetters = chart(
    n,
    "Dead-letter queue depth (events NOT notified)",
    [
      [
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        "QueueName",
        n.deadLetterQueueName,
        { stat: "Maximum", label: "dead letters" },
      ],
    ],
    { annotations: { horizontal: [{ label: "any message here is a lost alert: redrive it", value: 1 }] } },
  );
  const queueAge = chart(
    n,
    "Oldest event waiting for the notifier (s)",
    [
      [
        "AWS/SQS",
        "ApproximateAgeOfOldestMessage",
        "QueueName",
        n.eventQueueName,
        { stat: "Maximum", label: "oldest event age" },
      ],
    ],
    { annotations: { horizontal: [{ label: "alarm", value: OLDEST_EVENT_ALARM_SECONDS }] } },
  );
  return [deadLetters, queueAge];
}

/** The notifier's own failure counters: each has an alarm; here they show when and how often. */
function sideEffectsChart(n: DashboardNames): Chart {
  return chart(n, "Duplicates suppressed, state-store and webhook failures", [
    search("duplicates", metricSearch(METRICS.duplicates, []), "duplicates suppressed"),
    search("statestore", metricSearch(METRICS.stateStoreErrors, []), "state-store errors"),
    search("webhook", metricSearch(METRICS.webhookFailures, []), "webhook failures"),
  ]);
}

function introWidget(): Widget {
  return {
    type: "text",
    x: 0,
    y: 0,
    width: 24,
    height: 2,
    properties: {
      markdown:
        "## Root activity monitor\n" +
        `Root-user activity across the organization (namespace \`${METRIC_NAMESPACE}\`, ${PERIOD / 60}-minute sums). ` +
        "Self-tests are counted apart from real alerts. A dead letter or a long wait means an alert is late or lost: " +
        "see docs/operations.md, *Operating it* and *Replay and redrive*.",
    },
  };
}

/** Rows of charts as widgets from `top` down: rows of three are 8 columns each, others 12. */
function layOut(rows: Chart[][], top: number): Widget[] {
  const widgets: Widget[] = [];
  let y = top;
  for (const row of rows) {
    const width = row.length === 3 ? 8 : 12;
    row.forEach((properties, i) =>
      widgets.push({ type: "metric", x: i * width, y, width, height: 6, properties }),
    );
    y += 6;
  }
  return widgets;
}

export function dashboardBody(n: DashboardNames): DashboardBody {
  // Two charts per row, 12 columns each; then the health charts three to a row.
  const rows: Chart[][] = [];
  const activity = activityCharts(n);
  for (let i = 0; i < activity.length; i += 2) rows.push(activity.slice(i, i + 2));
  rows.push([...notifierCharts(n), hubRuleChart(n)], [...queueCharts(n), sideEffectsChart(n)]);
  const intro = introWidget();
  return { widgets: [intro, ...layOut(rows, intro.height)] };
}

/** The dashboard, as a child of `part`, named after it. */
export function hubDashboard(t: DashboardTargets, part: HubPart): aws.cloudwatch.Dashboard {
  const body = pulumi
    .all([t.region, t.notifierName, t.deadLetterQueueName, t.eventQueueName, t.ruleName, t.eventBusName])
    .apply(([region, notifierName, deadLetterQueueName, eventQueueName, ruleName, eventBusName]) =>
      JSON.stringify(
        dashboardBody({ region, notifierName, deadLetterQueueName, eventQueueName, ruleName, eventBusName }),
      ),
    );
  return new aws.cloudwatch.Dashboard(
    part.childName("dashboard"),
    { dashboardName: dashboardName(part.physicalScope()), dashboardBody: body },
    part.childOpts("dashboard"),
  );
}
