// What to check when the self-test stops: the event was accepted but never logged, or logged but
// never published.
import type { HubTarget, SelfTestOptions } from "./types";

/** What to check when the event was accepted but the notifier never logged it. */
export function notReceivedFix(opts: SelfTestOptions): string {
  const hub = opts.hub;
  const hubStack = hub.stackName ?? "<hub stack>";
  const steps: string[] = [];
  if (opts.path.via === "spoke") {
    const p = opts.path;
    const spoke = p.spokeStack ?? "<spoke stack>";
    steps.push(
      `the forwarding rule on the default bus of ${p.accountId} in ${p.region}: is the account covered ` +
        `(npm run coverage -- --stack ${spoke}), are its role and the hub bus policy right ` +
        `(npm run doctor -- --stack ${spoke}), and does the rule report FailedInvocations (AWS/Events, that account and region)?`,
    );
  }
  steps.push(
    `the hub rule on ${hub.eventBusArn} must match self-tests: deploy the current version of the hub ` +
      `(npx pulumi up --stack ${hubStack}); then its FailedInvocations metric`,
    `the dead-letter queue${hub.deadLetterQueueUrl ? ` ${hub.deadLetterQueueUrl}` : ""} (docs/operations.md: Replay and redrive) ` +
      "and the event queue's ApproximateAgeOfOldestMessage",
    `notifier errors in the log group ${hub.notifierLogGroupName} (the hub dashboard shows Errors and Throttles)`,
  );
  return `Check, in order: ${steps.map((s, i) => `(${i + 1}) ${s}`).join("; ")}.`;
}

export function notPublishedFix(hub: HubTarget, testId: string): string {
  return (
    `The notifier got the test but logged no published alert. Check SNS: the topic${hub.topicArn ? ` ${hub.topicArn}` : ""} ` +
    "exists, the notifier role may sns:Publish to it and use the hub KMS key, and the topic policy admits the role. " +
    `Look for "publish failed" lines with testId ${testId} in ${hub.notifierLogGroupName}. ` +
    "Failed messages are retried from the queue, then dead-lettered (docs/operations.md: Replay and redrive)."
  );
}
