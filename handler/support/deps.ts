// What the notifier is given (lambda.ts wires SNS, Organizations, DynamoDB, SQS, the webhook and
// console output; tests wire fakes), and the kit its parts share: a clock, and logging and metrics
// that can never stop an alert.
import { errorText } from "./deadline";
import type { WebhookFormat } from "../publish/formats";
import type { MetricName } from "./metrics";
import type { FlushRequest } from "../records";
import type { StateStore } from "../state/stateStore";

export interface PublishInput {
  topicArn: string;
  subject: string;
  /** A MessageStructure "json" document: one string per protocol (see formats.ts). */
  message: string;
  messageStructure: "json";
  /** SNS message attributes: strings are String, arrays are String.Array. */
  attributes: Record<string, string | string[]>;
}

/** Container-lifetime cache of account names. Successes are kept; failures only for a short while. */
export type NameCache = Record<string, { name?: string; failedAt?: number; reason?: string }>;

export type MetricAlert = { severity: string; accountId?: string; eventName?: string };

export interface NotifierDeps {
  topicArn: string;
  /** Must reject when the message was not accepted. `signal` aborts at the publish deadline. */
  publish(msg: PublishInput, signal?: AbortSignal): Promise<void>;
  /** Organizations DescribeAccount Account.Name. `signal` aborts at the lookup cap. */
  lookupAccountName(accountId: string, signal?: AbortSignal): Promise<string | undefined>;
  log(line: Record<string, unknown>): void;
  /** One data point of a metric (lambda.ts writes it in embedded metric format). */
  metric?(name: MetricName, alert?: MetricAlert): void;
  /** Duplicate suppression, failed sign-in counts and storm control. Without it, every event alerts alone. */
  store?: StateStore;
  /** The same table for digest flushes, on a client with longer timeouts (default: `store`). */
  flushStore?: StateStore;
  /** Sends the delayed message that makes the notifier send a digest. Needed with `store`. */
  scheduleFlush?(request: FlushRequest, delaySeconds: number, signal?: AbortSignal): Promise<void>;
  /** Posts to the incoming webhook, if one is configured. Best effort: the SNS alert is already out. */
  postWebhook?(body: string, signal?: AbortSignal): Promise<void>;
  webhookFormat?: WebhookFormat;
  now?(): Date;
  /** Pass a container-lifetime object to keep names across invocations. Default: a fresh one. */
  nameCache?: NameCache;
  /** Pass a container-lifetime object to skip re-noting an account's activity within a bucket. */
  activityNoted?: Record<string, number>;
  nameLookupCapMs?: number;
  publishDeadlineMs?: number;
  statePhaseCapMs?: number;
  flushStateCapMs?: number;
}

export interface Kit {
  deps: NotifierDeps;
  now(): Date;
  log(line: Record<string, unknown>): void;
  metric(name: MetricName, alert?: MetricAlert): void;
  /** A state store call failed or ran out of time: counted, logged, and the alert goes on. */
  stateFailed(base: Record<string, unknown>, msg: string, err: unknown): void;
}

export function kitOf(deps: NotifierDeps): Kit {
  const kit: Kit = {
    deps,
    now: deps.now ?? (() => new Date()),
    log(line) {
      try {
        deps.log(line);
      } catch {
        // Logging must never stop an alert.
      }
    },
    metric(name, alert) {
      try {
        deps.metric?.(name, alert);
      } catch {
        // Metrics must never stop an alert either.
      }
    },
    stateFailed(base, msg, err) {
      kit.metric("StateStoreErrors");
      kit.log({ ...base, level: "warn", msg, error: errorText(err) });
    },
  };
  return kit;
}
