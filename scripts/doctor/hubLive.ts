// The live checks of a deployed hub, with the hub account's credentials: every subscription of the
// topic confirmed, the dead-letter queue empty, no error in the notifier's log over the last day.
import { CloudWatchLogsClient, FilterLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { ListSubscriptionsByTopicCommand, SNSClient, type Subscription } from "@aws-sdk/client-sns";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { errorText } from "../../common/errors";
import { readFix } from "../shared/readFailure";
import type { StackOutputs } from "../shared/stackOutputs";
import type { DoctorRow } from "./types";

export interface HubClients {
  sns: SNSClient;
  sqs: SQSClient;
  logs: CloudWatchLogsClient;
}

/** Lines the notifier logs at level error, and the Lambda runtime's own failures. */
export const NOTIFIER_ERROR_PATTERN = '?"\\"level\\":\\"error\\"" ?"Invoke Error" ?"Task timed out"';
const DAY_MS = 24 * 60 * 60 * 1000;

function row(check: string, result: DoctorRow["result"], detail: string, fix?: string): DoctorRow {
  return { accountId: "-", name: "hub", check, result, detail, ...(fix ? { fix } : {}) };
}

function output(outputs: StackOutputs, key: string): string | undefined {
  const v = outputs[key];
  return typeof v === "string" && v !== "" ? v : undefined;
}

async function subscriptionRows(sns: SNSClient, topicArn: string, expected: string[]): Promise<DoctorRow[]> {
  const subs: Subscription[] = [];
  try {
    let NextToken: string | undefined;
    do {
      const page = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken }));
      subs.push(...(page.Subscriptions ?? []));
      NextToken = page.NextToken;
    } while (NextToken);
  } catch (err) {
    return [
      row(
        "subscriptions",
        "fail",
        `${topicArn}: ${errorText(err)}`,
        readFix(err, "sns:ListSubscriptionsByTopic"),
      ),
    ];
  }
  const rows: DoctorRow[] = [];
  const pending = subs.filter((s) => s.SubscriptionArn === "PendingConfirmation");
  for (const s of pending) {
    rows.push(
      row(
        "subscriptions",
        "fail",
        `${s.Protocol ?? "?"} ${s.Endpoint ?? "?"} is pending confirmation: nothing is delivered to it`,
        `open the "AWS Notification - Subscription Confirmation" mail sent to ${s.Endpoint ?? "it"} and follow its link (it expires after 3 days; then run pulumi up again to resend it)`,
      ),
    );
  }
  const endpoints = new Set(subs.map((s) => s.Endpoint));
  for (const e of expected.filter((x) => !endpoints.has(x))) {
    rows.push(
      row(
        "subscriptions",
        "fail",
        `${e} is in the config but not subscribed to the topic`,
        "run pulumi up on the hub stack",
      ),
    );
  }
  if (rows.length === 0) {
    rows.push(row("subscriptions", "ok", `${subs.length} subscribed and confirmed on ${topicArn}`));
  }
  return rows;
}

async function deadLetterRow(sqs: SQSClient, queueUrl: string): Promise<DoctorRow> {
  try {
    const out = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["ApproximateNumberOfMessages"] }),
    );
    const depth = Number(out.Attributes?.ApproximateNumberOfMessages ?? "0");
    if (depth === 0) return row("dead letters", "ok", `${queueUrl} is empty`);
    return row(
      "dead letters",
      "fail",
      `${depth} ${depth === 1 ? "message waits" : "messages wait"} in ${queueUrl}: events that never became alerts`,
      'read them and redrive them (docs/operations.md, "Replay and redrive")',
    );
  } catch (err) {
    return row(
      "dead letters",
      "fail",
      `${queueUrl}: ${errorText(err)}`,
      readFix(err, "sqs:GetQueueAttributes"),
    );
  }
}

async function notifierErrorsRow(
  logs: CloudWatchLogsClient,
  logGroupName: string,
  now: number,
): Promise<DoctorRow> {
  try {
    const out = await logs.send(
      new FilterLogEventsCommand({
        logGroupName,
        startTime: now - DAY_MS,
        filterPattern: NOTIFIER_ERROR_PATTERN,
        limit: 50,
      }),
    );
    const events = out.events ?? [];
    if (events.length === 0)
      return row("notifier errors", "ok", `none in ${logGroupName} over the last 24 hours`);
    const last = events[events.length - 1]?.message?.trim() ?? "";
    return row(
      "notifier errors",
      "fail",
      `${events.length}${out.nextToken ? "+" : ""} ${events.length === 1 ? "error" : "errors"} in ${logGroupName} over the last 24 hours; the latest: ${last.slice(0, 300)}`,
      'read them (docs/operations.md, "You received a root alert" and "Operating it"), fix the cause, then redrive the dead letters',
    );
  } catch (err) {
    return row(
      "notifier errors",
      "fail",
      `${logGroupName}: ${errorText(err)}`,
      readFix(err, "logs:FilterLogEvents"),
    );
  }
}

/** The live rows of a deployed hub, from its stack outputs. */
export async function hubLiveRows(
  outputs: StackOutputs,
  expectedEndpoints: string[],
  clients: HubClients,
  now = Date.now(),
): Promise<DoctorRow[]> {
  const topicArn = output(outputs, "topicArn");
  const dlq = output(outputs, "deadLetterQueueUrl");
  const logGroup = output(outputs, "notifierLogGroupName");
  const rows: DoctorRow[] = [];
  const missing = [
    ["topicArn", topicArn],
    ["deadLetterQueueUrl", dlq],
    ["notifierLogGroupName", logGroup],
  ].filter(([, v]) => v === undefined);
  if (missing.length > 0) {
    rows.push(
      row(
        "hub outputs",
        "warn",
        `the outputs have no ${missing.map(([k]) => k).join(", ")}, so those checks are skipped`,
        "deploy the current version of the hub (npx pulumi up --stack <hub>), which exports them",
      ),
    );
  }
  if (topicArn) rows.push(...(await subscriptionRows(clients.sns, topicArn, expectedEndpoints)));
  if (dlq) rows.push(await deadLetterRow(clients.sqs, dlq));
  if (logGroup) rows.push(await notifierErrorsRow(clients.logs, logGroup, now));
  return rows;
}
