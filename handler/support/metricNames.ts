// CloudWatch metric names the notifier emits in embedded metric format (EMF) and the hub dashboard
// and alarms read. One place, so the two cannot drift.

export const METRIC_NAMESPACE = "RootActivityMonitor";

export const METRICS = {
  /** One per root event notified (individually or in a digest). Dimensions: see ALERT_DIMENSIONS. */
  alerts: "Alerts",
  /** One per digest message published. */
  digests: "Digests",
  /** Deliveries of an event ID already notified, suppressed. */
  duplicates: "DuplicatesSuppressed",
  /** State store (DynamoDB) calls that failed; the notifier fell back to sending. */
  stateStoreErrors: "StateStoreErrors",
  /** Incoming-webhook posts that failed (the SNS alert still went out). */
  webhookFailures: "WebhookFailures",
  /** Self-test events notified. */
  selfTests: "SelfTests",
} as const;

/** Dimension names of the Alerts metric. */
export const DIMENSIONS = { severity: "Severity", accountId: "AccountId", eventName: "EventName" } as const;

/** Alerts is emitted under each of these dimension sets ([] is the all-accounts total). */
export const ALERT_DIMENSION_SETS: readonly (readonly string[])[] = [
  [],
  [DIMENSIONS.severity],
  [DIMENSIONS.accountId],
  [DIMENSIONS.eventName],
];
