// Time budgets of the notifier, in one place. The hub reads NOTIFIER_TIMEOUT_SECONDS (and the queue
// settings) from here; the notifier reads the rest.
//
// Reasoning. Records of one SQS batch are processed CONCURRENTLY, so the batch's wall time is the
// slowest single record, not a sum over the batch. One record is: the state phase and the account-name
// lookup side by side, then the publish, the webhook, and marking the event done.
//  - The name lookup is raced against NAME_LOOKUP_CAP_MS (and aborted at that point). A slow or broken
//    Organizations therefore costs at most the cap, after which we alert with the account ID.
//  - The publish runs the SDK's own retries (SNS_MAX_ATTEMPTS, each attempt bounded by the connection
//    and request timeouts, with exponential backoff between attempts). The SDK's backoff can be
//    stretched by Retry-After hints, and older SDKs in the Lambda runtime treat requestTimeout as an
//    idle timeout only, so the publish is also aborted at PUBLISH_DEADLINE_MS. The deadline is set
//    above the nominal worst case (snsNominalWorstCaseMs) so that it only cuts off the pathological cases.
//    An aborted publish is reported as a batch item failure: SQS redelivers it, then dead-letters it.
//  - Before that, the state phase (duplicate check, failed sign-in count, storm control; DynamoDB and
//    SQS) is capped at STATE_PHASE_CAP_MS; when it runs out the alert is sent on its own. After the
//    publish, the webhook post is capped at WEBHOOK_CAP_MS and marking the event done at STATE_DONE_CAP_MS.
//  - Worst case per batch = the longer of the state and lookup caps plus the other caps, for a root
//    event or a digest flush (worstCaseBatchMs), independent of the batch size.
//    COLD_START_MARGIN_MS is left for the lazy SDK `require`, JSON work and logging. The test suite
//    asserts that all of this fits in the function timeout.

/** Lambda function timeout. The hub sets the function's `timeout` from this. */
export const NOTIFIER_TIMEOUT_SECONDS = 45;

/** Recommended SQS event source batch size (records are processed concurrently, see above). */
export const NOTIFIER_BATCH_SIZE = 10;

/** AWS recommends a queue visibility timeout of at least 6x the function timeout for SQS sources. */
export const QUEUE_VISIBILITY_TIMEOUT_SECONDS = 6 * NOTIFIER_TIMEOUT_SECONDS;

/** SNS client: attempts (first try + retries) and per-attempt timeouts. */
export const SNS_MAX_ATTEMPTS = 4;
export const SNS_REQUEST_TIMEOUT_MS = 3000;
export const SNS_CONNECTION_TIMEOUT_MS = 1000;

/** Organizations DescribeAccount client: attempts and per-attempt timeouts. */
export const ORGANIZATIONS_MAX_ATTEMPTS = 2;
export const ORGANIZATIONS_REQUEST_TIMEOUT_MS = 1500;
export const ORGANIZATIONS_CONNECTION_TIMEOUT_MS = 1000;
/** Organizations is a global service served from us-east-1. */
export const ORGANIZATIONS_REGION = "us-east-1";

/** State store (DynamoDB) and flush scheduling (SQS) clients: attempts and per-attempt timeouts. */
export const STATE_MAX_ATTEMPTS = 2;
export const STATE_REQUEST_TIMEOUT_MS = 800;
export const STATE_CONNECTION_TIMEOUT_MS = 500;

/**
 * Cap on everything the notifier asks the state store before deciding to publish. One budget with
 * the client above: a write whose answer is later than STATE_REQUEST_TIMEOUT_MS may still have been
 * applied, and the SDK retries it. Every conditional write therefore carries this delivery's token
 * (router.ts), so a retry that meets its own first attempt confirms it; and a write cut off by this
 * cap or the client's timeouts is "unknown", which sends the alert on its own, never "another's".
 */
export const STATE_PHASE_CAP_MS = 3000;

/**
 * A digest flush is off the alert's critical path and has time: its store calls run on a client
 * with longer timeouts, so a store that answers seconds late still gets its digest out. Its claim
 * and reads are capped at FLUSH_STATE_CAP_MS (the name lookup runs beside them).
 */
export const FLUSH_MAX_ATTEMPTS = 2;
export const FLUSH_REQUEST_TIMEOUT_MS = 4000;
export const FLUSH_STATE_CAP_MS = 12_000;
/** Cap on marking an event notified, after the publish. */
export const STATE_DONE_CAP_MS = 1000;
/** Cap on reading the webhook URL and posting to it (the SNS alert is already out by then). */
export const WEBHOOK_CAP_MS = 3000;

/** Overall cap on one account-name lookup, whatever the SDK does inside it. */
export const NAME_LOOKUP_CAP_MS = 2500;

/** After a failed lookup, do not ask again for this long (a failure is never cached for good). */
export const NAME_FAILURE_RETRY_AFTER_MS = 60_000;

/** Hard deadline on one publish, all SDK attempts included. */
export const PUBLISH_DEADLINE_MS = 24_000;

/** Time kept free for cold start (lazy SDK require), parsing and logging. */
export const COLD_START_MARGIN_MS = 3000;

/**
 * Largest backoff the SDK may sleep before retry number `retryIndex` (0-based). The standard retry
 * strategy sleeps random * min(base * 2^i, 20 s); the base is largest for throttling errors
 * (1000 ms in current SDKs, 500 ms in older ones). We use the larger value.
 */
export const SDK_THROTTLING_BACKOFF_BASE_MS = 1000;
export const SDK_MAX_BACKOFF_MS = 20_000;

export function sdkMaxBackoffMs(retryIndex: number): number {
  return Math.min(SDK_THROTTLING_BACKOFF_BASE_MS * 2 ** retryIndex, SDK_MAX_BACKOFF_MS);
}

/** Worst case of `maxAttempts` attempts with the given timeouts, without Retry-After hints. */
export function sdkNominalWorstCaseMs(
  maxAttempts: number,
  connectionTimeoutMs: number,
  requestTimeoutMs: number,
): number {
  let total = maxAttempts * (connectionTimeoutMs + requestTimeoutMs);
  for (let i = 0; i < maxAttempts - 1; i++) total += sdkMaxBackoffMs(i);
  return total;
}

/** Nominal worst case of one SNS publish: 4 x (1 s + 3 s) + (1 + 2 + 4) s of backoff = 23 s. */
export function snsNominalWorstCaseMs(): number {
  return sdkNominalWorstCaseMs(SNS_MAX_ATTEMPTS, SNS_CONNECTION_TIMEOUT_MS, SNS_REQUEST_TIMEOUT_MS);
}

/** Worst case of one root event's record: the name lookup runs while the state phase decides. */
export function worstCaseRootEventMs(): number {
  return (
    Math.max(STATE_PHASE_CAP_MS, NAME_LOOKUP_CAP_MS) +
    PUBLISH_DEADLINE_MS +
    WEBHOOK_CAP_MS +
    STATE_DONE_CAP_MS
  );
}

/** Worst case of one digest flush's record: the name lookup runs while the flush claims its bucket. */
export function worstCaseFlushMs(): number {
  return Math.max(FLUSH_STATE_CAP_MS, NAME_LOOKUP_CAP_MS) + PUBLISH_DEADLINE_MS + STATE_DONE_CAP_MS;
}

/** Worst case of one batch: its records run concurrently, so the slowest kind of record. */
export function worstCaseBatchMs(): number {
  return Math.max(worstCaseRootEventMs(), worstCaseFlushMs());
}
