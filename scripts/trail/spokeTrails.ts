// The trail check over spoke stacks, as the doctor, the coverage report and the posture report use
// it: the accounts a spoke selects, in the regions it watches, reached the way the spoke reaches them.
import type { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import type { STSClient } from "@aws-sdk/client-sts";
import type { SpokeConfig } from "../../spoke/config";
import type { AccountSelection } from "../../spoke/discovery";
import { AccountAccess, type Assumed, type ClientFactory } from "../shared/access";
import { checkTrails, type AccountTrail, type TrailTarget } from "./checkTrails";

export interface SpokeTrailInput {
  config: SpokeConfig;
  selection: AccountSelection;
}

export interface SpokeTrailOptions {
  sts: STSClient;
  /** The partition of the stacks' region (awsNames.partitionOf): the member roles' ARNs. */
  partition: string;
  sessionName: string;
  cloudTrail?: ClientFactory<CloudTrailClient>;
  assumed?: ReadonlyMap<string, Assumed>;
  concurrency?: number;
}

export interface SpokeTarget extends TrailTarget {
  name: string;
  roleName: string;
}

/** Every account the spokes select, once, watched in all the regions of the stacks that select it. */
export function spokeTargets(spokes: SpokeTrailInput[]): SpokeTarget[] {
  const targets = new Map<string, SpokeTarget>();
  for (const { config, selection } of spokes) {
    for (const a of selection.selected) {
      const t = targets.get(a.id) ?? {
        id: a.id,
        name: a.name,
        regions: [],
        includeReadOnlyEvents: false,
        roleName: config.memberRoleName,
      };
      t.regions = [...new Set([...t.regions, ...config.regions])];
      t.includeReadOnlyEvents ||= config.includeReadOnlyEvents;
      targets.set(a.id, t);
    }
  }
  return [...targets.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** The caller's own account directly, the others through the member role of the stack selecting them. */
export function spokeAccess(
  spokes: SpokeTrailInput[],
  targets: SpokeTarget[],
  opts: Pick<SpokeTrailOptions, "sts" | "partition" | "sessionName" | "assumed">,
): AccountAccess {
  const first = spokes[0] as SpokeTrailInput;
  const roles = new Map(targets.map((t) => [t.id, t.roleName]));
  return new AccountAccess({
    sts: opts.sts,
    callerAccountId: first.selection.callerAccountId,
    partition: opts.partition,
    sessionName: opts.sessionName,
    roleName: (id) => roles.get(id) ?? first.config.memberRoleName,
    ...(opts.assumed ? { assumed: opts.assumed } : {}),
  });
}

/** Trail verdicts by account for every account the spokes select. */
export async function spokeTrails(
  spokes: SpokeTrailInput[],
  opts: SpokeTrailOptions,
): Promise<Map<string, AccountTrail>> {
  const first = spokes[0];
  if (!first) return new Map();
  const targets = spokeTargets(spokes);
  const results = await checkTrails(targets, {
    access: spokeAccess(spokes, targets, opts),
    ...(first.selection.managementAccountId
      ? { managementAccountId: first.selection.managementAccountId }
      : {}),
    ...(opts.cloudTrail ? { cloudTrail: opts.cloudTrail } : {}),
    ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
  });
  return new Map(results.map((r) => [r.accountId, r]));
}
