// Where the guard goes, and whether Organizations lets it: the targets of a spoke's selection (the
// root for a whole-organization spoke, else the selected OUs and included accounts), the SCP policy
// type on the root, and a free attachment slot on each target. Shared by the spoke program, which
// attaches where it can and warns about the rest, and the doctor, which fails on the rest.
import {
  ListPoliciesForTargetCommand,
  ListRootsCommand,
  OrganizationsClient,
  type PolicySummary,
} from "@aws-sdk/client-organizations";
import { SCP_MAX_ATTACHED, SCP_TYPE } from "../common/guardPolicy";
import type { Shard } from "./config";
import { wrap } from "./discoveryError";

export type GuardTargetKind = "root" | "ou" | "account";

export interface GuardTarget {
  id: string;
  kind: GuardTargetKind;
  /** SCPs attached now, ours included. */
  attached: number;
  /** Our guard is attached already: it keeps its slot. */
  ours: boolean;
}

export interface GuardProblem {
  /** A target ID, or the root for the policy type. */
  target: string;
  problem: string;
  fix: string;
}

export interface GuardPlan {
  rootId: string;
  scpEnabled: boolean;
  /** Targets with room for the guard (or holding it already). */
  targets: GuardTarget[];
  /** Targets, or the whole guard, that Organizations would refuse, each with its fix. */
  problems: GuardProblem[];
}

export interface GuardSelection {
  include?: string[];
  organizationalUnits?: string[];
  /** Never a target: SCPs do not bind the management account. */
  managementAccountId?: string;
}

/**
 * The stack that owns the guard: the only one, or shard 1 of the shards. Every shard shares one
 * selection (the same stack template), so all would attach the same policy to the same targets;
 * one owner means no two stacks create, change or delete it.
 */
export function ownsGuard(shard: Shard | undefined): boolean {
  return shard === undefined || shard.index === 1;
}

/** The root for a whole-organization spoke; else the configured OUs (or root) and included accounts. */
export function guardTargetIds(sel: GuardSelection, rootId: string): { id: string; kind: GuardTargetKind }[] {
  const ous = sel.organizationalUnits ?? [];
  const include = sel.include ?? [];
  if (ous.length === 0 && include.length === 0) return [{ id: rootId, kind: "root" }];
  const out = new Map<string, GuardTargetKind>();
  for (const ou of ous) out.set(ou, ou.startsWith("r-") ? "root" : "ou");
  for (const id of include) if (id !== sel.managementAccountId) out.set(id, "account");
  return [...out].map(([id, kind]) => ({ id, kind }));
}

async function attachedScps(org: OrganizationsClient, targetId: string): Promise<PolicySummary[]> {
  const found: PolicySummary[] = [];
  let token: string | undefined;
  do {
    const page = await org.send(
      new ListPoliciesForTargetCommand({ TargetId: targetId, Filter: SCP_TYPE, NextToken: token }),
    );
    found.push(...(page.Policies ?? []));
    token = page.NextToken;
  } while (token);
  return found;
}

export async function planGuard(
  org: OrganizationsClient,
  sel: GuardSelection,
  policyName: string,
): Promise<GuardPlan> {
  let root;
  try {
    root = (await org.send(new ListRootsCommand({}))).Roots?.[0];
  } catch (err) {
    throw wrap("organizations:ListRoots (for guardMonitor)", err);
  }
  if (!root?.Id) throw wrap("organizations:ListRoots (for guardMonitor)", new Error("no root returned"));
  const rootId = root.Id;
  const scpEnabled = (root.PolicyTypes ?? []).some((p) => p.Type === SCP_TYPE && p.Status === "ENABLED");
  const plan: GuardPlan = { rootId, scpEnabled, targets: [], problems: [] };
  if (!scpEnabled) {
    plan.problems.push({
      target: rootId,
      problem: "the SERVICE_CONTROL_POLICY policy type is not enabled on the root",
      fix: `aws organizations enable-policy-type --root-id ${rootId} --policy-type ${SCP_TYPE} (it attaches FullAWSAccess everywhere, which changes nothing), or set guardMonitor: false`,
    });
    return plan;
  }
  for (const t of guardTargetIds(sel, rootId)) {
    let scps: PolicySummary[];
    try {
      scps = await attachedScps(org, t.id);
    } catch (err) {
      throw wrap(`organizations:ListPoliciesForTarget ${t.id} (for guardMonitor)`, err);
    }
    const ours = scps.some((p) => p.Name === policyName);
    const target: GuardTarget = { ...t, attached: scps.length, ours };
    if (ours || scps.length < SCP_MAX_ATTACHED) plan.targets.push(target);
    else {
      plan.problems.push({
        target: t.id,
        problem: `${t.kind} ${t.id} has ${scps.length} SCPs attached, the most Organizations allows (${SCP_MAX_ATTACHED}): ${scps.map((p) => p.Name).join(", ")}`,
        fix: `merge or detach one of them (aws organizations detach-policy --target-id ${t.id} --policy-id <id>), or set guardMonitor: false`,
      });
    }
  }
  return plan;
}
