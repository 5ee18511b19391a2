// The spoke's guard step: when `guardMonitor` is on and this stack owns the guard (guardPlan.ts),
// attach the SCP wherever Organizations has room, and warn, with the fix, about every target it
// cannot take. A full target never fails the deployment: forwarding matters more than the guard,
// and the doctor fails on the same finding before `pulumi up`.
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import * as pulumi from "@pulumi/pulumi";
import { partitionOf } from "../common/awsNames";
import { callerPrincipalArnPatterns, guardPolicyName } from "../common/guardPolicy";
import type { SpokeConfig } from "./config";
import { DiscoveryError } from "./discoveryError";
import { type AccountSelection } from "./discovery";
import { MonitorGuard } from "./guard";
import { ownsGuard, planGuard, type GuardProblem } from "./guardPlan";

/** What the owning stack's credentials need for the guard, beyond discovery's. */
export const GUARD_PERMISSIONS = [
  "organizations:ListRoots",
  "organizations:ListPoliciesForTarget",
  "organizations:CreatePolicy",
  "organizations:UpdatePolicy",
  "organizations:DeletePolicy",
  "organizations:DescribePolicy",
  "organizations:AttachPolicy",
  "organizations:DetachPolicy",
];

/** The `guard` stack output. */
export interface GuardOutput {
  /** on | partial (some targets refused) | not attached | off | shard 1 owns it */
  state: string;
  policyName?: string;
  targets: string[];
  problems: GuardProblem[];
}

/** The stack's own principal, exempt too unless it is known to run in the management account. */
export function callerExemption(
  selection: Pick<AccountSelection, "callerAccountId" | "callerArn" | "managementAccountId">,
): string[] {
  return selection.managementAccountId === selection.callerAccountId
    ? []
    : callerPrincipalArnPatterns(selection.callerArn);
}

export async function deployGuard(
  config: SpokeConfig,
  selection: AccountSelection,
  region: string,
  profile: string | undefined,
): Promise<GuardOutput> {
  if (!config.guardMonitor) return { state: "off (guardMonitor: false)", targets: [], problems: [] };
  if (!ownsGuard(config.shard)) {
    return { state: `shard 1/${config.shard?.count} owns the guard`, targets: [], problems: [] };
  }
  const policyName = guardPolicyName(pulumi.getStack());
  const org = new OrganizationsClient({ region: "us-east-1", profile });
  let plan;
  try {
    plan = await planGuard(
      org,
      {
        include: config.include,
        organizationalUnits: config.organizationalUnits,
        managementAccountId: selection.managementAccountId,
      },
      policyName,
    );
  } catch (err) {
    // Fail rather than go on without the guard: on a passing error that would delete it.
    throw new DiscoveryError(
      `${err instanceof Error ? err.message : String(err)} With guardMonitor on, the stack also needs ` +
        `${GUARD_PERMISSIONS.join(", ")}; or set guardMonitor: false.`,
      { cause: err },
    );
  } finally {
    org.destroy();
  }
  for (const p of plan.problems) {
    void pulumi.log.warn(`guardMonitor: ${p.problem}; the guard is not attached there. Fix: ${p.fix}.`);
  }
  const problems = plan.problems;
  if (plan.targets.length === 0) return { state: "not attached", policyName, targets: [], problems };
  new MonitorGuard("root-activity-guard", {
    policyName,
    partition: partitionOf(region),
    memberRoleName: config.memberRoleName,
    alsoExempt: callerExemption(selection),
    targets: plan.targets,
  });
  return {
    state: problems.length > 0 ? "partial" : "on",
    policyName,
    targets: plan.targets.map((t) => t.id),
    problems,
  };
}
