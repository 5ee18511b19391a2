// The hub's CloudWatch dashboard, from the real program (index.ts) with Pulumi.hub.yaml under mocks:
// its charts must read the notifier's real metric names and the hub's real function, queues and rule.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALERT_DIMENSION_SETS, METRIC_NAMESPACE, METRICS } from "../../handler/support/metricNames";
import { OLDEST_EVENT_ALARM_SECONDS } from "../../hub/alarms";
import { metricSearch, dashboardName } from "../../hub/dashboard";
import { startFakeAws, fakeAwsEnv, type FakeAws } from "../../testkit/fakeAws";
import { ofType, one, parseJson, runProgram, type ProgramRun } from "../../testkit/program";

let fake: FakeAws;
let run: ProgramRun;

interface Widget {
  type: string;
  x: number;
  y: number;
  width: number;
  height: number;
  properties: {
    title?: string;
    region?: string;
    metrics?: unknown[][];
    annotations?: any;
    markdown?: string;
  };
}
let widgets: Widget[];

beforeAll(async () => {
  fake = await startFakeAws({
    "organizations:DescribeOrganization": () => ({
      Organization: { Id: "o-exampleorg1", MasterAccountId: "111111111111" },
    }),
  });
  run = await runProgram({ stackFile: "Pulumi.hub.yaml", stack: "hub", env: fakeAwsEnv(fake.url) });
  if (run.error) throw new Error(`${run.error}\n${run.stderr}`);
  widgets = parseJson<{ widgets: Widget[] }>(
    one(run, "aws:cloudwatch/dashboard:Dashboard").inputs.dashboardBody,
  ).widgets;
});
afterAll(async () => fake?.close());

const metricWidgets = () => widgets.filter((w) => w.type === "metric");
const byTitle = (re: RegExp): Widget => {
  const found = metricWidgets().filter((w) => re.test(w.properties.title ?? ""));
  if (found.length !== 1) throw new Error(`expected one widget titled ${re}, found ${found.length}`);
  return found[0] as Widget;
};
/** [namespace, metric, dimension name, value, ...] rows of a widget, without their options object. */
const rowsOf = (w: Widget): string[][] =>
  (w.properties.metrics ?? []).map((row) => row.filter((c): c is string => typeof c === "string"));
const expressionsOf = (w: Widget): string[] =>
  (w.properties.metrics ?? []).flatMap((row) =>
    row.flatMap((c) => (c && typeof c === "object" && "expression" in c ? [String(c.expression)] : [])),
  );
const alarm = (metricName: string) => {
  // The notifier path's alarm; the coverage path has its own (hub/coverage/).
  const found = ofType(run, "aws:cloudwatch/metricAlarm:MetricAlarm").find(
    (a) => a.inputs.metricName === metricName && !a.name.includes("-coverage-"),
  );
  if (!found) throw new Error(`no alarm on ${metricName}`);
  return found.inputs.dimensions as Record<string, string>;
};

describe("hub dashboard", () => {
  it("is one dashboard per hub stack, inside the Hub component", () => {
    const dashboard = one(run, "aws:cloudwatch/dashboard:Dashboard");
    expect(dashboard.inputs.dashboardName).toBe("root-activity-monitor-hub");
    // In the Hub's observability part (the mock monitor's URNs name only the parent's own type).
    expect(run.urns.filter((u) => u.includes("$aws:cloudwatch/dashboard:Dashboard::"))).toEqual([
      expect.stringMatching(
        /::root-activity-monitor:hub:Observability\$aws:cloudwatch\/dashboard:Dashboard::root-activity-hub-dashboard$/,
      ),
    ]);
    expect(dashboardName("acme/root-activity-monitor/prod.eu")).toBe(
      "root-activity-monitor-acme-root-activity-monitor-prod-eu",
    );
  });

  it("charts root activity by account and by severity from the notifier's EMF metrics", () => {
    expect(METRIC_NAMESPACE).toBe("RootActivityMonitor");
    const account = expressionsOf(byTitle(/by account/));
    expect(account).toEqual([
      `SEARCH('{RootActivityMonitor,AccountId} MetricName="${METRICS.alerts}"', 'Sum', 300)`,
    ]);
    expect(expressionsOf(byTitle(/by severity/))).toEqual([
      `SEARCH('{RootActivityMonitor,Severity} MetricName="${METRICS.alerts}"', 'Sum', 300)`,
    ]);
    // Every dimension set the notifier emits Alerts under is charted, the total included.
    const all = metricWidgets().flatMap(expressionsOf);
    for (const set of ALERT_DIMENSION_SETS) expect(all).toContain(metricSearch(METRICS.alerts, set));
    expect(all).toContain(`SEARCH('{RootActivityMonitor} MetricName="${METRICS.digests}"', 'Sum', 300)`);
    expect(all).toContain(`SEARCH('{RootActivityMonitor} MetricName="${METRICS.selfTests}"', 'Sum', 300)`);
    for (const m of [METRICS.duplicates, METRICS.stateStoreErrors, METRICS.webhookFailures]) {
      expect(all).toContain(metricSearch(m, []));
    }
  });

  it("charts the real notifier's errors, throttles and duration", () => {
    const fn = alarm("Errors").FunctionName as string;
    expect(fn).toMatch(/^root-activity-hub-notifier-/);
    const health = rowsOf(byTitle(/Notifier errors/));
    expect(health).toContainEqual(["AWS/Lambda", "Errors", "FunctionName", fn]);
    expect(health).toContainEqual(["AWS/Lambda", "Throttles", "FunctionName", fn]);
    const duration = byTitle(/Notifier duration/);
    expect(
      rowsOf(duration).every((r) => r.join() === ["AWS/Lambda", "Duration", "FunctionName", fn].join()),
    ).toBe(true);
    expect(duration.properties.metrics?.map((r) => (r.at(-1) as { stat: string }).stat)).toEqual([
      "Average",
      "p99",
      "Maximum",
    ]);
  });

  it("charts the real dead-letter queue's depth and the event queue's age, at the alarm thresholds", () => {
    const dlq = alarm("ApproximateNumberOfMessagesVisible").QueueName as string;
    const events = alarm("ApproximateAgeOfOldestMessage").QueueName as string;
    expect(dlq).toMatch(/^root-activity-hub-dead-letters-/);
    expect(events).toMatch(/^root-activity-hub-events-/);
    const depth = byTitle(/Dead-letter/);
    expect(rowsOf(depth)).toEqual([["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", dlq]]);
    const age = byTitle(/Oldest event/);
    expect(rowsOf(age)).toEqual([["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", events]]);
    expect(age.properties.annotations.horizontal[0].value).toBe(OLDEST_EVENT_ALARM_SECONDS);
  });

  it("charts the hub rule's deliveries on the real bus and rule", () => {
    const { RuleName, EventBusName } = alarm("FailedInvocations");
    expect(EventBusName).toBe("root-activity");
    expect(rowsOf(byTitle(/Hub rule/))).toContainEqual([
      "AWS/Events",
      "FailedInvocations",
      "EventBusName",
      EventBusName,
      "RuleName",
      RuleName,
    ]);
  });

  it("lays out well-formed widgets in the hub's region without overlaps", () => {
    expect(widgets[0]?.type).toBe("text");
    expect(metricWidgets().length).toBeGreaterThanOrEqual(8);
    const taken = new Set<string>();
    for (const w of widgets) {
      expect(w.x + w.width, w.properties.title).toBeLessThanOrEqual(24);
      for (let x = w.x; x < w.x + w.width; x++) {
        for (let y = w.y; y < w.y + w.height; y++) {
          expect(taken.has(`${x},${y}`), `${w.properties.title} overlaps at ${x},${y}`).toBe(false);
          taken.add(`${x},${y}`);
        }
      }
      if (w.type === "metric") {
        expect(w.properties.region).toBe("us-east-1");
        expect(w.properties.metrics?.length).toBeGreaterThan(0);
      }
    }
  });
});
