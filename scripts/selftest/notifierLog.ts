// Finds a self-test's trace in the notifier's log group. The notifier writes one JSON object per
// console.log line; in Lambda's Text log format each line is prefixed with the time, request ID and
// level, so the JSON starts at the first "{".
import {
  FilterLogEventsCommand,
  type CloudWatchLogsClient,
  type FilterLogEventsCommandOutput,
} from "@aws-sdk/client-cloudwatch-logs";
import { SELF_TEST_LOG } from "../../handler/classify/selfTest";

/** The `msg` the notifier logs when an alert could not be published (handler/notifier.ts). */
export const PUBLISH_FAILED_MSG = "publish failed";
export const NOTIFIER_COMPONENT = "root-activity-notifier";

/** The JSON object of one notifier log event, or undefined if the event holds none. */
export function parseNotifierLine(message: string): Record<string, unknown> | undefined {
  const start = message.indexOf("{");
  if (start < 0) return undefined;
  try {
    const value: unknown = JSON.parse(message.slice(start).trim());
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export interface NotifierTrace {
  /** Epoch ms of the log events, when seen. */
  receivedAt?: number;
  publishedAt?: number;
  /** The error of a `publish failed` line for this test. */
  publishFailed?: string;
}

/**
 * Folds log events into what they say about `testId`. Only lines of the notifier whose testId is
 * exactly this test's count: the filter pattern is a substring match, and other tests run too.
 */
export function traceOf(
  events: { message?: string; timestamp?: number }[],
  testId: string,
  trace: NotifierTrace = {},
): NotifierTrace {
  for (const e of events) {
    const line = parseNotifierLine(e.message ?? "");
    if (!line || line.testId !== testId) continue;
    if (line.component !== undefined && line.component !== NOTIFIER_COMPONENT) continue;
    const at = e.timestamp ?? Date.now();
    if (line.msg === SELF_TEST_LOG.received) trace.receivedAt ??= at;
    else if (line.msg === SELF_TEST_LOG.published) trace.publishedAt ??= at;
    else if (line.msg === PUBLISH_FAILED_MSG) {
      trace.publishFailed ??= typeof line.error === "string" ? line.error : JSON.stringify(line);
    }
  }
  return trace;
}

/** Every event of the log group since `startTime` that contains `testId`, all pages. */
export async function readTestEvents(
  logs: CloudWatchLogsClient,
  logGroupName: string,
  testId: string,
  startTime: number,
): Promise<{ message?: string; timestamp?: number }[]> {
  const events: { message?: string; timestamp?: number }[] = [];
  let nextToken: string | undefined;
  // FilterLogEvents may return empty pages with a token while it searches; a bound keeps a
  // misbehaving endpoint from looping forever.
  for (let page = 0; page < 100; page++) {
    const out: FilterLogEventsCommandOutput = await logs.send(
      new FilterLogEventsCommand({
        logGroupName,
        // A quoted term: the test ID contains hyphens, which unquoted terms would split on.
        filterPattern: `"${testId}"`,
        startTime,
        nextToken,
      }),
    );
    events.push(...(out.events ?? []));
    nextToken = out.nextToken || undefined;
    if (!nextToken) break;
  }
  return events;
}
