// The posture report's run: each stack's selection, then per account its trail and its root
// credentials, and the organization's root-management features, read side by side.
import { partitionOf } from "../../common/awsNames";
import { discoverSpoke, openSpokes } from "../shared/spokeStack";
import { checkTrails, type AccountTrail } from "../trail/checkTrails";
import { spokeAccess, spokeTargets, type SpokeTrailInput } from "../trail/spokeTrails";
import { accountPosture, organizationPosture } from "./findings";
import { checkRootCredentials, readOrganizationFeatures, type RootCredentials } from "./rootCredentials";
import type { PostureDeps, PostureOptions, PostureReport, PostureRun } from "./types";

export const SESSION_NAME = "root-activity-monitor-posture";

export async function runPosture(opts: PostureOptions, deps: PostureDeps = {}): Promise<PostureRun> {
  const { stacks, region, clients } = openSpokes(opts.stacks, opts.dir, "the posture report", deps.clients);

  const warnings: string[] = [];
  const spokes: SpokeTrailInput[] = [];
  for (const s of stacks) {
    const selection = await discoverSpoke(s, region, clients);
    warnings.push(...selection.warnings.map((w) => `${s.stack}: ${w}`));
    spokes.push({ config: s.config, selection });
  }
  const caller = (spokes[0] as SpokeTrailInput).selection;
  const accounts = spokeTargets(spokes);
  const access = spokeAccess(spokes, accounts, {
    sts: clients.sts,
    partition: partitionOf(region),
    sessionName: SESSION_NAME,
  });
  const common = { access, managementAccountId: caller.managementAccountId, ...deps };
  const [org, trails, roots] = await Promise.all([
    readOrganizationFeatures({ ...common, organizationId: caller.organizationId }),
    checkTrails(accounts, common),
    checkRootCredentials(
      accounts.map((a) => a.id),
      common,
    ),
  ]);
  const report: PostureReport = {
    organization: organizationPosture(org),
    accounts: accounts.map((a, i) =>
      accountPosture(
        a,
        trails[i] as AccountTrail,
        roots[i] as RootCredentials,
        org,
        caller.managementAccountId,
      ),
    ),
  };
  return { report, warnings };
}
