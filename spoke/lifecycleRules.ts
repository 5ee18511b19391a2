// The spoke's lifecycle rules: the organization's account changes (management account, us-east-1,
// and the Control Tower home region) and region opt-ins (every watched account, us-east-1), forwarded
// to the hub bus like root events. They are rules of their own, beside the forwarding rule, because
// the forwarding rule's pattern (root and tamper branches) is already close to EventBridge's default
// 2,048-character limit: one more rule per account in us-east-1 only, not per region.
import { MONITOR_PREFIX } from "../common/monitorNames";
import { LIFECYCLE_REGION, lifecycleBranches, type LifecycleScope } from "../handler/classify/lifecycleEvent";
import type { RuleState } from "../handler/classify/rootEvent";

/** Covered by the guard's `root-activity-monitor-spoke-*` rule names. */
export const LIFECYCLE_RULE_NAME = `${MONITOR_PREFIX}lifecycle`;

export interface LifecycleWhere {
  /** Organizations' events arrive only there; undefined when the stack could not tell. */
  managementAccountId?: string;
  /** Control Tower's home region, when the organization uses Control Tower. */
  controlTowerHomeRegion?: string;
}

/** What the rule in `region` of `accountId` carries (nothing, when no branch belongs there). */
export function lifecycleScope(where: LifecycleWhere, accountId: string, region: string): LifecycleScope {
  const management = accountId === where.managementAccountId;
  return {
    organizations: management && region === LIFECYCLE_REGION,
    controlTower: management && region === where.controlTowerHomeRegion,
    regionOptIn: region === LIFECYCLE_REGION,
  };
}

/** Patterns by scope: 4 distinct ones at most, built once each. */
const patterns: Record<string, string> = {};
function patternOf(scope: LifecycleScope): string | undefined {
  const branches = lifecycleBranches(scope);
  if (branches.length === 0) return undefined;
  const key = `${scope.organizations}/${scope.controlTower}/${scope.regionOptIn}`;
  return (patterns[key] ??= JSON.stringify({ $or: branches }));
}

/** A rule of a watched account that forwards to the hub bus; spoke.ts creates each with its target. */
export interface HubRule {
  /** The Pulumi name of the rule and of its target. */
  resourceName: string;
  region: string;
  name: string;
  description: string;
  eventPattern: string;
  state: RuleState;
}

/** The account's lifecycle rules: one in each region where a branch belongs. */
export function lifecycleRules(where: LifecycleWhere, accountId: string, regions: string[]): HubRule[] {
  const rules: HubRule[] = [];
  for (const region of regions) {
    const pattern = patternOf(lifecycleScope(where, accountId, region));
    if (!pattern) continue;
    rules.push({
      resourceName: `lifecycle-${accountId}-${region}`,
      region,
      name: LIFECYCLE_RULE_NAME,
      description:
        "root-activity-monitor: forward account changes (joins, moves, region opt-ins) to the hub bus",
      eventPattern: pattern,
      state: "ENABLED",
    });
  }
  return rules;
}
