// Delivery: no root event is dropped on the way (retries, dead letters), and none can be forged.
import { mandatoryPolicy, T } from "./documents";

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
/** `v[key]` when `v` is an object. */
const field = (v: unknown, key: string): unknown => (isObject(v) ? v[key] : undefined);

export const eventTargetRetries = mandatoryPolicy(
  { name: "event-target-retry-or-dead-letter", severity: "high", types: [T.eventTarget] },
  "Every EventBridge rule target has a retry policy or a dead-letter queue, so a failed delivery of a " +
    "root event is retried or kept, never silently dropped.",
  (args, reportViolation) => {
    const retry = args.props.retryPolicy;
    const dlq = args.props.deadLetterConfig;
    const hasRetry =
      isObject(retry) &&
      (retry.maximumRetryAttempts !== undefined || retry.maximumEventAgeInSeconds !== undefined);
    const hasDlq = typeof field(dlq, "arn") === "string";
    if (!hasRetry && !hasDlq) reportViolation("has neither retryPolicy nor deadLetterConfig");
  },
);

export const lambdaDeadLetter = mandatoryPolicy(
  { name: "lambda-dead-letter", severity: "high", types: [T.lambdaFunction] },
  "Every Lambda function has a dead-letter queue (deadLetterConfig.targetArn), so a failed asynchronous " +
    "invocation is kept for inspection and redrive.",
  (args, reportViolation) => {
    const target = field(args.props.deadLetterConfig, "targetArn");
    if (typeof target !== "string" || target === "") {
      reportViolation("has no dead-letter queue: set deadLetterConfig.targetArn");
    }
  },
);

/** The branches of an EventBridge pattern: each entry of a top-level `$or`, or the pattern itself. */
function patternBranches(pattern: Record<string, unknown>): Record<string, unknown>[] {
  const or = pattern.$or;
  if (!Array.isArray(or)) return [pattern];
  const { $or: _, ...rest } = pattern;
  return or.flatMap((b) => patternBranches({ ...rest, ...(b as Record<string, unknown>) }));
}

export const eventRuleAwsSources = mandatoryPolicy(
  { name: "event-rule-cloudtrail-from-aws-sources", severity: "critical", types: [T.eventRule] },
  "Every branch of an EventBridge rule pattern that can match CloudTrail events requires an aws.* " +
    "source. PutEvents refuses AWS-owned sources, so no account can forge an event that passes it.",
  (args, reportViolation) => {
    if (typeof args.props.eventPattern !== "string") return;
    const branches = patternBranches(JSON.parse(args.props.eventPattern) as Record<string, unknown>);
    branches.forEach((b, i) => {
      const types = b["detail-type"];
      // Only a list of plain detail-types none of which is CloudTrail's keeps CloudTrail events out.
      const cloudTrail =
        !Array.isArray(types) || types.some((t) => typeof t !== "string" || t.includes("CloudTrail"));
      const source = b.source;
      const awsOnly =
        Array.isArray(source) &&
        source.length > 0 &&
        source.every((v) =>
          typeof v === "string"
            ? v.startsWith("aws.")
            : typeof (v as { prefix?: unknown })?.prefix === "string" &&
              (v as { prefix: string }).prefix.startsWith("aws."),
        );
      if (cloudTrail && !awsOnly) {
        reportViolation(
          `eventPattern branch ${i} can match CloudTrail events from a source other than aws.*: ${JSON.stringify(source ?? null)}`,
        );
      }
    });
  },
);
