// The self-test contract shared by the rules (which must let it through), the notifier (which must
// label it [TEST] and log it) and `npm run selftest` (which sends it and waits for the log line).

/**
 * Source of a synthetic self-test event. PutEvents cannot use an `aws.` source, so a self-test can
 * never look like real CloudTrail, and anything arriving with this source is labelled a test.
 */
export const SELF_TEST_SOURCE = "root-activity-monitor.selftest";
export const SELF_TEST_DETAIL_TYPE = "Root Activity Monitor Self-Test";

/** What `npm run selftest` puts in `detail`. Only testId is required. */
export interface SelfTestDetail {
  testId: string;
  requestedBy?: string;
  requestedAt?: string;
  /** "hub" (straight onto the hub bus) or "spoke" (through a member account's forwarding rule). */
  via?: string;
}

/** `msg` values of the notifier's JSON log lines for a self-test; each line also carries `testId`. */
export const SELF_TEST_LOG = {
  received: "self-test received",
  published: "self-test alert published",
} as const;

/** EventBridge pattern for self-test events (joined to the root pattern with $or). */
export function selfTestPattern(): Record<string, unknown> {
  return { source: [SELF_TEST_SOURCE], "detail-type": [SELF_TEST_DETAIL_TYPE] };
}
