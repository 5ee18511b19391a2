// Pre-flight checks for a spoke stack: `npm run doctor -- --stack <name>`.
//
// Reads the stack's config from Pulumi.<stack>.yaml, then with the current AWS credentials:
//   1. discovers the accounts the stack would watch (same code as the spoke program);
//   2. assumes the member role into each of them (the caller's own account needs no role);
//   3. checks a CloudTrail trail logs management events in every selected account and region;
//   4. checks the hub bus exists and its policy lets the organization put events on it.
// Prints a table with a fix for every failure; exits 0 if all is well, 1 if `pulumi up` would fail,
// 2 if the doctor could not run (bad arguments or config).
import { parseArgs } from "node:util";
import { DescribeEventBusCommand, EventBridgeClient } from "@aws-sdk/client-eventbridge";
import type { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import type { OrganizationsClient } from "@aws-sdk/client-organizations";
import { STSClient } from "@aws-sdk/client-sts";
import { readSpokeConfig, type SpokeConfig } from "../spoke/config";
import { discoverAccounts, type AccountSelection } from "../spoke/discovery";
import { loadStackConfig, requireSpoke } from "./stackConfig";
import {
  assumeRole,
  errorName,
  mapLimit,
  roleArn,
  roleFix,
  type Assumed,
  type AwsCredentialIdentity,
  type ClientFactory,
} from "./access";
import { spokeTrails, trailRows, type SpokeTrailOptions } from "./posture/trailUse";
import { errorMessage, runMain } from "./cli";
import { outputsFileHint, PulumiCliError } from "./pulumiCli";
import { pulumiStackOutputs, readOutputsFile, requireStringOutput } from "./selftest/stackOutputs";

export const SESSION_NAME = "root-activity-monitor-doctor";
export type { AwsCredentialIdentity } from "./access";

export type CheckResult = "ok" | "fail" | "warn" | "skip";

export interface DoctorRow {
  /** Account the row is about; "-" for organization-wide rows. */
  accountId: string;
  name: string;
  check: string;
  result: CheckResult;
  detail: string;
  /** How to fix it; set on every "fail" and "warn". */
  fix?: string;
}

export type StsFactory = (region: string, credentials?: AwsCredentialIdentity) => STSClient;
export type EventBridgeFactory = (region: string, credentials?: AwsCredentialIdentity) => EventBridgeClient;

export interface DoctorOptions {
  config: SpokeConfig;
  /** Region for the Organizations and STS clients (the stack's aws:region). Default: AWS_REGION, else us-east-1. */
  region?: string;
  /** The hub bus ARN; overrides config.hub (and skips `pulumi stack output`). */
  hubBusArn?: string;
  /** Reads the hub stack's eventBusArn output. Default: `npx pulumi stack output eventBusArn --stack <hubStack>`. */
  resolveHubStack?: (hubStack: string) => Promise<string>;
  /** Clients with the caller's own credentials. */
  clients?: { organizations?: OrganizationsClient; sts?: STSClient };
  /** STS client for a region, with given credentials (undefined = the standard credential chain). */
  stsFactory?: StsFactory;
  /** EventBridge client for a region, with given credentials (undefined = the standard credential chain). */
  eventBridgeFactory?: EventBridgeFactory;
  /** CloudTrail client for a region, with given credentials (undefined = the standard credential chain). */
  cloudTrailFactory?: ClientFactory<CloudTrailClient>;
  /** Parallel AssumeRole calls. Default 8. */
  concurrency?: number;
}

export interface DoctorReport {
  ok: boolean;
  rows: DoctorRow[];
  selection?: AccountSelection;
}

const defaultStsFactory: StsFactory = (region, credentials) =>
  credentials ? new STSClient({ region, credentials }) : new STSClient({ region });
const defaultEventBridgeFactory: EventBridgeFactory = (region, credentials) =>
  credentials ? new EventBridgeClient({ region, credentials }) : new EventBridgeClient({ region });

/** The hub stack's eventBusArn output, read with the Pulumi CLI in `cwd`. */
export async function pulumiStackOutput(hubStack: string, cwd: string = process.cwd()): Promise<string> {
  const where = `the outputs of hub stack ${hubStack}`;
  return requireStringOutput(await pulumiStackOutputs(hubStack, cwd), "eventBusArn", where);
}

// ---- Bus policy ------------------------------------------------------------------------------

interface PolicyStatement {
  Effect?: unknown;
  Principal?: unknown;
  Action?: unknown;
  Resource?: unknown;
  Condition?: unknown;
}

function asList(v: unknown): unknown[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function globMatch(pattern: string, value: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  );
  return re.test(value);
}

function principalIsEveryone(p: unknown): boolean {
  if (p === "*") return true;
  if (p && typeof p === "object" && !Array.isArray(p))
    return asList((p as { AWS?: unknown }).AWS).includes("*");
  return false;
}

function conditionPinsOrg(condition: unknown, organizationId: string): boolean {
  if (!condition || typeof condition !== "object") return false;
  for (const [operator, clauses] of Object.entries(condition as Record<string, unknown>)) {
    if (!/^(ForAnyValue:)?String(Equals|Like)(IgnoreCase)?$/.test(operator)) continue;
    if (!clauses || typeof clauses !== "object") continue;
    for (const [key, value] of Object.entries(clauses as Record<string, unknown>)) {
      if (key.toLowerCase() !== "aws:principalorgid") continue;
      const values = asList(value).map(String);
      if (
        values.some((v) => (operator.includes("Like") ? globMatch(v, organizationId) : v === organizationId))
      ) {
        return true;
      }
    }
  }
  return false;
}

/**
 * Whether a bus resource policy has an Allow statement for events:PutEvents by any principal whose
 * aws:PrincipalOrgID is `organizationId`, on `busArn`.
 */
export function policyAdmitsOrganization(
  policyJson: string | undefined,
  organizationId: string,
  busArn: string,
): { ok: boolean; reason: string } {
  if (!policyJson) return { ok: false, reason: "the bus has no resource policy" };
  let policy: { Statement?: unknown };
  try {
    policy = JSON.parse(policyJson) as { Statement?: unknown };
  } catch {
    return { ok: false, reason: "the bus policy is not valid JSON" };
  }
  const statements = asList(policy.Statement) as PolicyStatement[];
  const match = statements.find(
    (s) =>
      s &&
      s.Effect === "Allow" &&
      principalIsEveryone(s.Principal) &&
      asList(s.Action).some((a) => ["events:putevents", "events:*", "*"].includes(String(a).toLowerCase())) &&
      (s.Resource === undefined || asList(s.Resource).some((r) => globMatch(String(r), busArn))) &&
      conditionPinsOrg(s.Condition, organizationId),
  );
  return match
    ? { ok: true, reason: `the bus policy allows events:PutEvents for aws:PrincipalOrgID ${organizationId}` }
    : {
        ok: false,
        reason: `no statement of the bus policy allows events:PutEvents with condition aws:PrincipalOrgID = ${organizationId}`,
      };
}

// ---- The checks ------------------------------------------------------------------------------

function parseBusArn(arn: string): { region: string; accountId: string } | undefined {
  const m = /^arn:aws[a-z-]*:events:([a-z0-9-]+):(\d{12}):event-bus\/.+$/.exec(arn);
  return m ? { region: m[1] as string, accountId: m[2] as string } : undefined;
}

export async function runDoctor(opts: DoctorOptions): Promise<DoctorReport> {
  const { config } = opts;
  const region = opts.region ?? process.env.AWS_REGION ?? "us-east-1";
  const stsFactory = opts.stsFactory ?? defaultStsFactory;
  const eventBridgeFactory = opts.eventBridgeFactory ?? defaultEventBridgeFactory;
  const sts = opts.clients?.sts ?? stsFactory(region);
  const rows: DoctorRow[] = [];

  // 1. Discovery.
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
    rows.push({
      accountId: "-",
      name: "-",
      check: "discover accounts",
      result: "fail",
      detail: errorMessage(err),
      fix: "see the message: fix the config or the credentials, then run the doctor again",
    });
    return { ok: false, rows };
  }
  const shardText = config.shard ? `, shard ${config.shard.index}/${config.shard.count}` : "";
  rows.push({
    accountId: "-",
    name: selection.organizationId ?? "-",
    check: "discover accounts",
    result: "ok",
    detail:
      `caller ${selection.callerAccountId}; ${selection.selected.length} selected, ${selection.skipped.length} skipped` +
      (config.shard ? `, ${selection.otherShards} in other shards${shardText}` : ""),
  });
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

  // 2. Member role in every selected account.
  const assumed = new Map<string, Assumed>();
  const roleRows = await mapLimit(
    selection.selected,
    opts.concurrency ?? 8,
    async (account): Promise<DoctorRow> => {
      if (account.id === selection.callerAccountId) {
        return {
          accountId: account.id,
          name: account.name,
          check: "credentials",
          result: "ok",
          detail: "caller's own account: uses the stack's credentials, no role needed",
        };
      }
      const arn = roleArn(account.id, config.memberRoleName);
      const result = await assumeRole(sts, arn, SESSION_NAME);
      assumed.set(account.id, result);
      if (result.ok) {
        return { accountId: account.id, name: account.name, check: "assume role", result: "ok", detail: arn };
      }
      return {
        accountId: account.id,
        name: account.name,
        check: "assume role",
        result: "fail",
        detail: `${arn}: ${errorName(result.error)}: ${errorMessage(result.error)}`,
        fix: roleFix(account.id, config.memberRoleName, selection),
      };
    },
  );
  rows.push(...roleRows);
  for (const s of selection.skipped) {
    rows.push({ accountId: s.id, name: s.name, check: "selection", result: "skip", detail: s.reason });
  }

  // 3. A trail logging management events wherever the spoke watches: without one its rules never fire.
  const trailOpts: SpokeTrailOptions = { sts, sessionName: SESSION_NAME, assumed };
  if (opts.cloudTrailFactory) trailOpts.cloudTrail = opts.cloudTrailFactory;
  rows.push(...trailRows(selection, await spokeTrails([{ config, selection }], trailOpts)));

  // 4. Hub bus.
  rows.push(await checkHubBus(opts, selection, sts, assumed, eventBridgeFactory));

  return { ok: rows.every((r) => r.result !== "fail"), rows, selection };
}

async function checkHubBus(
  opts: DoctorOptions,
  selection: AccountSelection,
  sts: STSClient,
  assumed: Map<string, Assumed>,
  eventBridgeFactory: EventBridgeFactory,
): Promise<DoctorRow> {
  const { config } = opts;
  const row = (result: CheckResult, detail: string, fix?: string, accountId = "-"): DoctorRow => {
    const r: DoctorRow = { accountId, name: "hub", check: "hub bus", result, detail };
    if (fix) r.fix = fix;
    return r;
  };

  let busArn: string;
  if (opts.hubBusArn) {
    busArn = opts.hubBusArn;
  } else if ("hubEventBusArn" in config.hub) {
    busArn = config.hub.hubEventBusArn;
  } else {
    const hubStack = config.hub.hubStack;
    try {
      busArn = await (opts.resolveHubStack ?? ((s: string) => pulumiStackOutput(s)))(hubStack);
    } catch (err) {
      const noCli = err instanceof Error && err.cause instanceof PulumiCliError && err.cause.missing;
      return row(
        "fail",
        `cannot read output eventBusArn of hub stack ${hubStack}: ${errorMessage(err)}`,
        noCli
          ? `pass the hub's outputs as a file (${outputsFileHint(hubStack)}), or --hub-bus-arn <arn>`
          : `deploy the hub stack and log in to its backend (npx pulumi login), or set hubEventBusArn, ` +
              `or pass --outputs <hub outputs.json> or --hub-bus-arn <arn>`,
      );
    }
  }
  const where = parseBusArn(busArn);
  if (!where) {
    return row(
      "fail",
      `"${busArn}" is not an EventBridge bus ARN`,
      "set hubEventBusArn to the hub's eventBusArn output",
    );
  }

  let credentials: AwsCredentialIdentity | undefined;
  if (where.accountId !== selection.callerAccountId) {
    const arn = roleArn(where.accountId, config.memberRoleName);
    const result = assumed.get(where.accountId) ?? (await assumeRole(sts, arn, SESSION_NAME));
    if (!result.ok) {
      return row(
        "fail",
        `${busArn}: cannot assume ${arn} to read the bus: ${errorName(result.error)}: ${errorMessage(result.error)}`,
        `create role ${config.memberRoleName} in the hub account ${where.accountId} trusting ` +
          `arn:aws:iam::${selection.callerAccountId}:root (the hub account needs spoke rules too)`,
        where.accountId,
      );
    }
    credentials = result.credentials;
  }

  let policy: string | undefined;
  try {
    const bus = await eventBridgeFactory(where.region, credentials).send(
      new DescribeEventBusCommand({ Name: busArn }),
    );
    policy = bus.Policy;
  } catch (err) {
    if (errorName(err) === "ResourceNotFoundException") {
      return row(
        "fail",
        `${busArn} does not exist (${errorMessage(err)})`,
        "deploy the hub stack first (pulumi up on the hub), or correct hubEventBusArn / hubStack",
        where.accountId,
      );
    }
    return row(
      "fail",
      `events:DescribeEventBus on ${busArn} failed: ${errorName(err)}: ${errorMessage(err)}`,
      `allow events:DescribeEventBus to role ${config.memberRoleName} in ${where.accountId}, and check the ARN`,
      where.accountId,
    );
  }

  if (!selection.organizationId) {
    return row(
      "fail",
      `${busArn} exists, but its policy cannot be checked: organizations:DescribeOrganization was denied`,
      "allow organizations:DescribeOrganization to the stack's credentials",
      where.accountId,
    );
  }
  const verdict = policyAdmitsOrganization(policy, selection.organizationId, busArn);
  return verdict.ok
    ? row("ok", `${busArn}: ${verdict.reason}`, undefined, where.accountId)
    : row(
        "fail",
        `${busArn}: ${verdict.reason}, so spoke rules cannot deliver to it`,
        `update the hub stack (its bus policy must allow events:PutEvents with aws:PrincipalOrgID ` +
          `${selection.organizationId}), then run pulumi up on the hub`,
        where.accountId,
      );
}

// ---- Output and CLI --------------------------------------------------------------------------

export function formatTable(rows: DoctorRow[]): string {
  const header = ["ACCOUNT", "NAME", "CHECK", "RESULT", "DETAIL", "HOW TO FIX"];
  const cells = rows.map((r) => [
    r.accountId,
    r.name,
    r.check,
    r.result.toUpperCase(),
    r.detail,
    r.fix ?? "",
  ]);
  // The last two columns are free text: pad only the short ones.
  const widths = header
    .slice(0, 4)
    .map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (c: string[]) =>
    [...c.slice(0, 4).map((v, i) => v.padEnd(widths[i] as number)), c[4], c[5] ? `-> ${c[5]}` : ""]
      .join("  ")
      .trimEnd();
  return [line(header), ...cells.map(line)].join("\n");
}

const USAGE = `Usage: npm run doctor -- --stack <name> [--dir <project dir>] [--hub-bus-arn <arn> | --outputs <file.json>]

Checks, with the current AWS credentials, that a spoke stack can be deployed:
  the accounts it selects, the member role and a logging CloudTrail trail in each, and the hub
  bus and its policy.
  --outputs  the hub stack's outputs as JSON (npx pulumi stack output --json --stack <hub>), where
             the Pulumi CLI cannot run here
Exit code: 0 all good, 1 a check failed, 2 bad arguments or config.`;

export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        stack: { type: "string", short: "s" },
        dir: { type: "string" },
        "hub-bus-arn": { type: "string" },
        outputs: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }).values;
  } catch (err) {
    console.error(`${errorMessage(err)}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  if (!args.stack) {
    console.error(`--stack is required.\n\n${USAGE}`);
    return 2;
  }

  let config: SpokeConfig;
  let region: string | undefined;
  try {
    const stack = loadStackConfig(args.stack, args.dir ?? process.cwd());
    // The role first, as the program reads it: a hub stack gets one line, not a hubStack complaint.
    requireSpoke(stack, args.stack, "the doctor");
    try {
      config = readSpokeConfig(stack.source);
    } catch (err) {
      const esc =
        stack.environments.length > 0
          ? ` (values from the imported environments ${stack.environments.join(", ")} are not visible to the doctor)`
          : "";
      throw new Error(`${errorMessage(err)}${esc}`, { cause: err });
    }
    region = stack.region;
    if (stack.profile && !process.env.AWS_PROFILE) process.env.AWS_PROFILE = stack.profile;
  } catch (err) {
    console.error(errorMessage(err));
    return 2;
  }

  const opts: DoctorOptions = { config };
  if (region) opts.region = region;
  if (args["hub-bus-arn"]) opts.hubBusArn = args["hub-bus-arn"];
  else if (args.outputs) {
    try {
      opts.hubBusArn = requireStringOutput(readOutputsFile(args.outputs), "eventBusArn", args.outputs);
    } catch (err) {
      console.error(errorMessage(err));
      return 2;
    }
  }
  if (args.dir) {
    const dir = args.dir;
    opts.resolveHubStack = (s) => pulumiStackOutput(s, dir);
  }
  const report = await runDoctor(opts);
  console.log(formatTable(report.rows));
  const failed = report.rows.filter((r) => r.result === "fail").length;
  console.log(
    report.ok
      ? `\nAll checks passed for stack ${args.stack}.`
      : `\n${failed} check${failed === 1 ? "" : "s"} failed for stack ${args.stack}: pulumi up would fail. Fix them and run the doctor again.`,
  );
  return report.ok ? 0 : 1;
}

if (require.main === module) runMain(main);
