// The coverage report's run: the organization listed once, each stack's outputs and selection, and
// the trail check where the outputs say an account is covered.
import * as path from "node:path";
import { partitionOf } from "../../common/awsNames";
import { discoverAccounts } from "../../spoke/discovery";
import { discoverSpoke, openSpokes } from "../shared/spokeStack";
import { shortStackName } from "../shared/stackConfig";
import { pulumiStackOutputs, readOutputsFile, type StackOutputs } from "../shared/stackOutputs";
import { spokeTrails } from "../trail/spokeTrails";
import { computeCoverage } from "./computeCoverage";
import { parseSpokeOutputs } from "./spokeOutputs";
import type { CoverageDeps, CoverageOptions, CoverageRun, StackCoverage } from "./types";

export const SESSION_NAME = "root-activity-monitor-coverage";

export async function runCoverage(opts: CoverageOptions, deps: CoverageDeps = {}): Promise<CoverageRun> {
  const { stacks, region, clients } = openSpokes(opts.stacks, opts.dir, "the coverage report", deps.clients);

  const readOutputs = async (stack: string): Promise<StackOutputs> => {
    if (opts.outputsFile) return readOutputsFile(opts.outputsFile);
    if (opts.outputsDir) return readOutputsFile(path.join(opts.outputsDir, `${shortStackName(stack)}.json`));
    return (deps.stackOutputs ?? ((s, d) => pulumiStackOutputs(s, d)))(stack, opts.dir);
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
