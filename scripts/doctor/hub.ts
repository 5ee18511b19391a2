// The doctor on a hub stack: the config by the program's own reader (as `pulumi preview` checks it),
// then, when the hub is deployed, its live state: subscriptions, dead letters, notifier errors; and
// its coverage trigger (coverageRows.ts).
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { SNSClient } from "@aws-sdk/client-sns";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import { errorMessage } from "../../common/errors";
import type { HubConfig } from "../../hub/config";
import type { StackOutputs } from "../shared/stackOutputs";
import { coverageRows, type CoverageDoctorDeps } from "./coverageRows";
import { hubLiveRows, type HubClients } from "./hubLive";
import type { DoctorReport, DoctorRow } from "./types";

export interface HubDoctorOptions {
  config: HubConfig;
  region: string;
  /** The hub's outputs, or why they could not be read. */
  outputs: () => Promise<StackOutputs>;
  clients?: Partial<HubClients>;
  now?: number;
  /** The coverage trigger's checks (coverageRows.ts); the secrets client defaults to the region's. */
  coverage?: Omit<CoverageDoctorDeps, "secrets"> & { secrets?: SecretsManagerClient };
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
  const coverage = async (hubOutputs?: StackOutputs): Promise<DoctorRow[]> =>
    opts.coverage
      ? coverageRows(
          config.coverage,
          { ...opts.coverage, secrets: opts.coverage.secrets ?? new SecretsManagerClient({ region }) },
          hubOutputs,
        )
      : [];
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
    rows.push(...(await coverage()));
    return { ok: rows.every((r) => r.result !== "fail"), rows };
  }
  const clients: HubClients = {
    sns: opts.clients?.sns ?? new SNSClient({ region }),
    // The region's endpoint (AWS_ENDPOINT_URL_SQS when set), not the host in the queue URL.
    sqs: opts.clients?.sqs ?? new SQSClient({ region, useQueueUrlAsEndpoint: false }),
    logs: opts.clients?.logs ?? new CloudWatchLogsClient({ region }),
  };
  rows.push(...(await hubLiveRows(outputs, endpoints, clients, opts.now)));
  rows.push(...(await coverage(outputs)));
  return { ok: rows.every((r) => r.result !== "fail"), rows };
}
