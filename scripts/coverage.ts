// Coverage report: `npm run coverage -- --stack <spoke>` or `--all`.
//
// Lists the organization's accounts now (the spoke's own discovery code, with the stack's
// credentials) and compares them, region by region, with what the spoke stacks' outputs say they
// watch, and whether a CloudTrail trail logs where they watch (members through memberRoleName).
// Prints covered / missing / excluded / suspended as a table, or Markdown with --markdown.
// Exit code: 0 nothing missing, 1 something is missing, 2 the report could not run.
import * as path from "node:path";
import type { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { STSClient } from "@aws-sdk/client-sts";
import { partitionOf } from "../common/awsNames";
import { readSpokeConfig, type SpokeConfig } from "../spoke/config";
import { discoverAccounts, type AccountSelection } from "../spoke/discovery";
import { memoizeSend } from "./coverage/memoize";
import {
  computeCoverage,
  formatMarkdown,
  formatTable,
  type CoverageReport,
  type StackCoverage,
} from "./coverage/report";
import { parseSpokeOutputs } from "./coverage/spokeOutputs";
import { REPORT_FLAGS, reportStacks } from "./coverage/stackFiles";
import { pulumiStackOutputs, readOutputsFile, type StackOutputs } from "./stackOutputs";
import { loadStackConfig, shortStackName, stackRole } from "./stackConfig";
import type { ClientFactory } from "./access";
import { UsageError, errorMessage, parseAndRun, parseFlags, runMain } from "./cli";
import { spokeTrails } from "./posture/trailUse";

export const SESSION_NAME = "root-activity-monitor-coverage";

const USAGE = `Usage: npm run coverage -- (--stack <spoke> [--stack <spoke> ...] | --all)
                        [--outputs <file.json> | --outputs-dir <dir>] [--markdown] [--dir <project dir>]

Compares the organization's accounts x the configured regions with what the spoke stacks' outputs
say is monitored, with the current AWS credentials (the spokes' credentials: management account or
delegated administrator).
  --stack        a spoke stack (repeat for several, e.g. every shard)
  --all          every Pulumi.<stack>.yaml in the project whose role is spoke; accounts that no
                 stack selects count as missing
  --outputs      the stack's outputs as JSON (npx pulumi stack output --json --stack <spoke>); one --stack only
  --outputs-dir  a directory of <stack>.json outputs files, one per stack
                 (default for both: run pulumi stack output)
  --markdown     print Markdown (for a pull-request comment or a wiki) instead of the table
Exit code: 0 nothing missing, 1 an account or region is missing, 2 bad arguments, config or credentials.`;

export interface CoverageDeps {
  stackOutputs?: (stack: string, dir: string) => Promise<StackOutputs>;
  clients?: { organizations?: OrganizationsClient; sts?: STSClient };
  /** CloudTrail client for a region and credentials (the trail check); default: the SDK's chain. */
  cloudTrail?: ClientFactory<CloudTrailClient>;
}

export interface CoverageRun {
  report: CoverageReport;
  warnings: string[];
}

export interface CoverageOptions {
  stacks: string[];
  scope: "organization" | "stacks";
  dir: string;
  outputsFile?: string;
  outputsDir?: string;
}

export interface LoadedStack {
  stack: string;
  config: SpokeConfig;
  region?: string;
  profile?: string;
}

/** A spoke stack's file and config; a UsageError if it is not a spoke or its config is wrong. */
export function loadSpoke(stack: string, dir: string, reader = "coverage"): LoadedStack {
  const file = loadStackConfig(stack, dir);
  const role = stackRole(file);
  if (role !== "spoke") {
    throw new UsageError(`Stack ${stack} has role ${role}, not spoke: ${reader} reads spoke stacks.`);
  }
  let config: SpokeConfig;
  try {
    config = readSpokeConfig(file.source);
  } catch (err) {
    throw new UsageError(`${file.file}: ${errorMessage(err)}`);
  }
  const loaded: LoadedStack = { stack, config };
  if (file.region) loaded.region = file.region;
  if (file.profile) loaded.profile = file.profile;
  return loaded;
}

/** What the stack selects today, with its config; a discovery error names the stack. */
export async function discoverSpoke(
  s: LoadedStack,
  region: string,
  clients: { organizations: OrganizationsClient; sts: STSClient },
): Promise<AccountSelection> {
  try {
    return await discoverAccounts({
      include: s.config.include,
      exclude: s.config.exclude,
      organizationalUnits: s.config.organizationalUnits,
      shard: s.config.shard,
      region,
      clients,
    });
  } catch (err) {
    throw new UsageError(`Stack ${s.stack}: ${errorMessage(err)}`);
  }
}

export async function runCoverage(opts: CoverageOptions, deps: CoverageDeps = {}): Promise<CoverageRun> {
  const stacks = opts.stacks.map((s) => loadSpoke(s, opts.dir));
  const first = stacks[0];
  if (!first) throw new UsageError("No spoke stack to report on.");
  const region = first.region ?? process.env.AWS_REGION ?? "us-east-1";
  if (first.profile && !process.env.AWS_PROFILE) process.env.AWS_PROFILE = first.profile;

  const readOutputs = async (stack: string): Promise<StackOutputs> => {
    if (opts.outputsFile) return readOutputsFile(opts.outputsFile);
    if (opts.outputsDir) return readOutputsFile(path.join(opts.outputsDir, `${shortStackName(stack)}.json`));
    return (deps.stackOutputs ?? ((s, d) => pulumiStackOutputs(s, d)))(stack, opts.dir);
  };

  // One listing of the organization serves every stack's discovery.
  const clients = {
    organizations: memoizeSend(deps.clients?.organizations ?? new OrganizationsClient({ region })),
    sts: memoizeSend(deps.clients?.sts ?? new STSClient({ region })),
  };
  const organization = await discoverAccounts({ exclude: [], region, clients });
  const warnings: string[] = [];
  const covered: StackCoverage[] = [];
  for (const s of stacks) {
    const where = opts.outputsFile ?? `the outputs of stack ${s.stack}`;
    const outputs = parseSpokeOutputs(await readOutputs(s.stack), where);
    const selection = await discoverSpoke(s, region, clients);
    warnings.push(...selection.warnings.map((w) => `${s.stack}: ${w}`));
    covered.push({ stack: s.stack, config: s.config, outputs, selection });
  }
  // Accounts the outputs call covered are not, where no trail logs: read them as the spoke reaches them.
  const trails = await spokeTrails(covered, {
    sts: clients.sts,
    partition: partitionOf(region),
    sessionName: SESSION_NAME,
    ...(deps.cloudTrail ? { cloudTrail: deps.cloudTrail } : {}),
  });
  return { report: computeCoverage({ organization, stacks: covered, scope: opts.scope, trails }), warnings };
}

export function parseCoverageArgs(
  argv: string[],
  cwd: string = process.cwd(),
): (CoverageOptions & { markdown: boolean }) | "help" {
  const values = parseFlags(argv, {
    ...REPORT_FLAGS,
    outputs: { type: "string" },
    "outputs-dir": { type: "string" },
  });
  if (values.help) return "help";
  const { dir, stacks } = reportStacks(values, cwd);
  if (values.outputs && values["outputs-dir"])
    throw new UsageError("Give either --outputs or --outputs-dir, not both.");
  if (values.outputs && (values.all || stacks.length !== 1)) {
    throw new UsageError(
      "--outputs holds one stack's outputs: use it with a single --stack, or use --outputs-dir.",
    );
  }
  const opts: CoverageOptions & { markdown: boolean } = {
    stacks,
    scope: values.all ? "organization" : "stacks",
    dir,
    markdown: values.markdown ?? false,
  };
  if (values.outputs) opts.outputsFile = values.outputs;
  if (values["outputs-dir"]) opts.outputsDir = values["outputs-dir"];
  return opts;
}

export async function main(argv: string[] = process.argv.slice(2), deps: CoverageDeps = {}): Promise<number> {
  const done = await parseAndRun(argv, parseCoverageArgs, (o) => runCoverage(o, deps), USAGE);
  if (typeof done === "number") return done;
  const { result: run, opts } = done;
  const { markdown } = opts;
  for (const w of run.warnings) console.error(`warning: ${w}`);
  console.log(markdown ? formatMarkdown(run.report) : formatTable(run.report));
  if (!run.report.ok && !markdown) {
    console.log(
      `\n${run.report.counts.missing} account${run.report.counts.missing === 1 ? " is" : "s are"} not fully watched: ` +
        "see DETAIL, then run pulumi up on the stack named there (or npm run doctor first).",
    );
  }
  return run.report.ok ? 0 : 1;
}

if (require.main === module) runMain(main);
