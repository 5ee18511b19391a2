// The doctor on a hub stack: the config by the program's own reader (as `pulumi preview` checks it),
// then, when the hub is deployed, its live state: subscriptions, dead letters, notifier errors.
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { errorMessage } from "../../common/errors";
import type { HubConfig } from "../../hub/config";
import type { StackOutputs } from "../shared/stackOutputs";
import { hubLiveRows, type HubClients } from "./hubLive";
import type { DoctorReport, DoctorRow } from "./types";

export interface HubDoctorOptions {
  config: HubConfig;
  region: string;
  /** The hub's outputs, or why they could not be read. */
  outputs: () => Promise<StackOutputs>;
  clients?: Partial<HubClients>;
  now?: number;
}

export async function runHubDoctor(opts: HubDoctorOptions): Promise<DoctorReport> {
  const { config, region } = opts;
  const endpoints = [...config.notificationEmails, ...config.subscriptions.map((s) => s.endpoint)];
  const rows: DoctorRow[] = [
    {
      accountId: "-",
      name: "hub",
      check: "config",
      result: "ok",
      detail: `every rule pulumi preview applies passes; ${endpoints.length} ${endpoints.length === 1 ? "recipient" : "recipients"}, bus ${config.eventBusName}, region ${region}`,
    },
  ];
  let outputs: StackOutputs;
  try {
    outputs = await opts.outputs();
  } catch (err) {
    rows.push({
      accountId: "-",
      name: "hub",
      check: "hub outputs",
      result: "warn",
      detail: `live checks skipped: ${errorMessage(err)}`,
      fix: "before the first pulumi up this is expected; after it, give the outputs (--outputs <file>)",
    });
    return { ok: true, rows };
  }
  const clients: HubClients = {
    sns: opts.clients?.sns ?? new SNSClient({ region }),
    // The region's endpoint (AWS_ENDPOINT_URL_SQS when set), not the host in the queue URL.
    sqs: opts.clients?.sqs ?? new SQSClient({ region, useQueueUrlAsEndpoint: false }),
    logs: opts.clients?.logs ?? new CloudWatchLogsClient({ region }),
  };
  rows.push(...(await hubLiveRows(outputs, endpoints, clients, opts.now)));
  return { ok: rows.every((r) => r.result !== "fail"), rows };
}
