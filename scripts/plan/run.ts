// The offline plan: the real program (index.ts) on the stack's own file under the test kit's Pulumi
// mocks, as `pulumi preview` runs it, over an organization served locally; then what it registered,
// grouped per account and type, its rule patterns and policies, and for a hub example alerts.
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT } from "../../common/config";
import { HUB_ACCOUNT_ID, HUB_BUS_ARN, startFakeOrganization } from "../../testkit/fakeOrganization";
import { runProgram } from "../../testkit/program";
import { UsageError } from "../shared/cli";
import { loadStackConfig, stackFileName, stackRole } from "../shared/stackConfig";
import { exampleAlerts } from "./alerts";
import { accountRows, patternGroups, policyGroups } from "./group";
import { readOrgFile } from "./orgFile";
import { organizationOf } from "./organization";
import type { Plan, PlanOptions } from "./types";

/** What a secret of the stack reads as: the plan holds no key to the stack's secrets. */
export const SECRET_STAND_IN = "https://secret.invalid/not-read-by-the-plan";

export async function runPlan(opts: PlanOptions): Promise<Plan> {
  const stackFile = path.join(opts.dir, stackFileName(opts.stack));
  if (!fs.existsSync(stackFile)) {
    throw new UsageError(
      `No stack file ${stackFile}. Give --stack <name> of a Pulumi.<name>.yaml in ${opts.dir} (or --dir <project dir>).`,
    );
  }
  const orgFile = opts.orgFile ? readOrgFile(opts.orgFile) : undefined;
  let role = "unknown";
  let values: Record<string, string> = {};
  try {
    const config = loadStackConfig(opts.stack, opts.dir);
    values = config.values;
    role = stackRole(config);
  } catch {
    // The program says why, in its own words, below.
  }
  const org = organizationOf(orgFile);
  const { aws, env } = await startFakeOrganization(org);
  try {
    const hubStack = values[`${PROJECT}:hubStack`];
    const stackRegion = values["aws:region"] ?? "us-east-1";
    // A hub runs in its own account (the example's security-tooling), a spoke in the management account.
    const caller = role === "hub" ? HUB_ACCOUNT_ID : org.managementAccountId;
    const run = await runProgram({
      stackFile,
      stack: path.basename(stackFile).slice("Pulumi.".length, -".yaml".length),
      callerAccountId: caller,
      stackOutputs: hubStack ? { [hubStack]: { eventBusArn: HUB_BUS_ARN } } : {},
      env,
      preview: true,
      secretStandIn: SECRET_STAND_IN,
    });
    const names = new Map([...org.accounts.values()].map((a) => [a.id, a.name]));
    const { rows, types } = accountRows(run, caller, names, stackRegion);
    const plan: Plan = {
      stack: opts.stack,
      role,
      organization: opts.orgFile
        ? `${opts.orgFile} (${org.accounts.size} accounts)`
        : `the example organization (testkit/fakeOrganization.ts, ${org.accounts.size} accounts; give yours with --org <file>)`,
      run,
      accounts: rows,
      types,
      patterns: patternGroups(run, caller, stackRegion),
      policies: policyGroups(run, caller),
      warnings: run.stderr
        .split("\n")
        .filter((l) => /^warning:/i.test(l.trim()))
        .map((l) => l.trim().replace(/^warning: \[runtime\] /, "warning: ")),
      alerts: [],
    };
    if (!run.error && role === "hub" && !opts.noAlerts) plan.alerts = await exampleAlerts(run);
    return plan;
  } finally {
    await aws.close();
  }
}
