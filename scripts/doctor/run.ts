// The doctor's checks, in order: discovery, the member role in every selected account, a logging
// trail wherever the spoke watches, the hub bus with its policy, and the guard (guardMonitor).
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import type { OrganizationsClient } from "@aws-sdk/client-organizations";
import { STSClient } from "@aws-sdk/client-sts";
import { partitionOf, roleArn } from "../../common/awsNames";
import { discoverAccounts, type AccountSelection } from "../../spoke/discovery";
import { errorMessage, errorText } from "../../common/errors";
import { assumeRole, mapLimit, roleFix, type Assumed } from "../shared/access";
import { spokeTrails, type SpokeTrailOptions } from "../trail/spokeTrails";
import { guardRows } from "./guardRows";
import { mergeRepeated } from "./mergeRows";
import { checkHubBus } from "./hubBus";
import { trailRows } from "./trailRows";
import {
  SESSION_NAME,
  type DoctorOptions,
  type DoctorReport,
  type DoctorRow,
  type EventBridgeFactory,
  type StsFactory,
} from "./types";

const defaultStsFactory: StsFactory = (region, credentials) =>
  credentials ? new STSClient({ region, credentials }) : new STSClient({ region });
const defaultEventBridgeFactory: EventBridgeFactory = (region, credentials) =>
  credentials ? new EventBridgeClient({ region, credentials }) : new EventBridgeClient({ region });

/** Step 1: the accounts the stack would watch, as the spoke program discovers them. */
async function discover(
  opts: DoctorOptions,
  region: string,
  sts: STSClient,
): Promise<{ selection: AccountSelection; rows: DoctorRow[] } | DoctorRow> {
  const { config } = opts;
  let selection: AccountSelection;
  try {
    const clients: { organizations?: OrganizationsClient; sts: STSClient } = { sts };
    if (opts.clients?.organizations) clients.organizations = opts.clients.organizations;
    selection = await discoverAccounts({
      include: config.include,
      exclude: config.exclude,
      organizationalUnits: config.organizationalUnits,
      shard: config.shard,
      region,
      clients,
    });
  } catch (err) {
    return {
      accountId: "-",
      name: "-",
      check: "discover accounts",
      result: "fail",
      detail: errorMessage(err),
      fix: "see the message: fix the config or the credentials, then run the doctor again",
    };
  }
  const shardText = config.shard ? `, shard ${config.shard.index}/${config.shard.count}` : "";
  const rows: DoctorRow[] = [
    {
      accountId: "-",
      name: selection.organizationId ?? "-",
      check: "discover accounts",
      result: "ok",
      detail:
        `caller ${selection.callerAccountId}; ${selection.selected.length} selected, ${selection.skipped.length} skipped` +
        (config.shard ? `, ${selection.otherShards} in other shards${shardText}` : ""),
    },
  ];
  for (const w of selection.warnings) {
    rows.push({
      accountId: "-",
      name: "-",
      check: "config",
      result: "warn",
      detail: w,
      fix: "remove the entry",
    });
  }
  return { selection, rows };
}

export async function runDoctor(opts: DoctorOptions): Promise<DoctorReport> {
  const { config } = opts;
  const region = opts.region ?? process.env.AWS_REGION ?? "us-east-1";
  const partition = partitionOf(region);
  const sts = opts.clients?.sts ?? (opts.stsFactory ?? defaultStsFactory)(region);

  const discovered = await discover(opts, region, sts);
  if (!("selection" in discovered)) return { ok: false, rows: [discovered] };
  const { selection } = discovered;
  const rows = discovered.rows;

  // 2. Member role in every selected account.
  const assumed = new Map<string, Assumed>();
  const roleRows = await mapLimit(
    selection.selected,
    opts.concurrency ?? 8,
    async (account): Promise<DoctorRow> => {
      const about = { accountId: account.id, name: account.name };
      if (account.id === selection.callerAccountId) {
        const detail = "caller's own account: uses the stack's credentials, no role needed";
        return { ...about, check: "credentials", result: "ok", detail };
      }
      const arn = roleArn(partition, account.id, config.memberRoleName);
      const result = await assumeRole(sts, arn, SESSION_NAME);
      assumed.set(account.id, result);
      if (result.ok) return { ...about, check: "assume role", result: "ok", detail: arn };
      return {
        ...about,
        check: "assume role",
        result: "fail",
        detail: `${arn}: ${errorText(result.error)}`,
        fix: roleFix(account.id, config.memberRoleName, { ...selection, partition }),
      };
    },
  );
  rows.push(...roleRows);
  for (const s of selection.skipped) {
    rows.push({ accountId: s.id, name: s.name, check: "selection", result: "skip", detail: s.reason });
  }

  // 3. A trail logging management events wherever the spoke watches: without one its rules never fire.
  const trailOpts: SpokeTrailOptions = { sts, partition, sessionName: SESSION_NAME, assumed };
  if (opts.cloudTrailFactory) trailOpts.cloudTrail = opts.cloudTrailFactory;
  rows.push(...trailRows(selection, await spokeTrails([{ config, selection }], trailOpts)));

  // 4. Hub bus.
  const eventBridgeFactory = opts.eventBridgeFactory ?? defaultEventBridgeFactory;
  rows.push(await checkHubBus(opts, selection, sts, assumed, eventBridgeFactory));

  // 5. The guard: which way the stack is set, and what Organizations would refuse.
  rows.push(
    ...(await guardRows({
      config,
      selection,
      region,
      ...(opts.stack ? { stack: opts.stack } : {}),
      ...(opts.clients?.organizations ? { organizations: opts.clients.organizations } : {}),
    })),
  );

  return { ok: rows.every((r) => r.result !== "fail"), rows: mergeRepeated(rows), selection };
}
