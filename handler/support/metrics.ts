// CloudWatch embedded metric format (EMF): one JSON log line per data point, which CloudWatch Logs
// turns into metrics without any API call or permission.
import { ALERT_DIMENSION_SETS, DIMENSIONS, METRIC_NAMESPACE, METRICS } from "./metricNames";

export type MetricName = (typeof METRICS)[keyof typeof METRICS];

/** The EMF document for `value` of `metric`, with the alert dimensions when given. */
export function emf(
  metric: MetricName,
  nowMs: number,
  alert?: { severity: string; accountId?: string; eventName?: string },
  value = 1,
): Record<string, unknown> {
  const dims: Record<string, string> = {};
  let sets: (readonly string[])[] = [[]];
  if (alert) {
    dims[DIMENSIONS.severity] = alert.severity;
    dims[DIMENSIONS.accountId] = alert.accountId || "unknown";
    dims[DIMENSIONS.eventName] = (alert.eventName || "unknown").slice(0, 250);
    sets = [...ALERT_DIMENSION_SETS];
  }
  return {
    _aws: {
      Timestamp: nowMs,
      CloudWatchMetrics: [
        { Namespace: METRIC_NAMESPACE, Dimensions: sets, Metrics: [{ Name: metric, Unit: "Count" }] },
      ],
    },
    ...dims,
    [metric]: value,
  };
}
