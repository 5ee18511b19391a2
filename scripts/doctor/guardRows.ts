// The doctor's guard checks (guardMonitor): which way the stack is set, and, when it owns the guard,
// what Organizations would refuse: the SCP policy type on the root, a free attachment slot on every
// target (at most 5 SCPs each), the rendered policy's size. The spoke program skips a refused target
// with a warning; here it fails, so that it is fixed before the account goes unguarded.
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { partitionOf } from "../../common/awsNames";
import { errorText } from "../../common/errors";
import { guardPolicyName, guardPolicyText, SCP_MAX_ATTACHED, SCP_MAX_CHARS } from "../../common/guardPolicy";
import type { SpokeConfig } from "../../spoke/config";
import type { AccountSelection } from "../../spoke/discovery";
import { callerExemption } from "../../spoke/guardDeploy";
import { ownsGuard, planGuard, type GuardPlan } from "../../spoke/guardPlan";
import type { DoctorRow } from "./types";

const ORG = { accountId: "-", name: "-" };

export interface GuardCheckOptions {
  config: SpokeConfig;
  selection: AccountSelection;
  /** The stack's region (its partition) and name (the SCP's name). */
  region: string;
  stack?: string;
  organizations?: OrganizationsClient;
}

/** guardMonitor off: nothing to check, and what that leaves open. */
function guardOffRow(): DoctorRow {
  return {
    ...ORG,
    check: "guard",
    result: "warn",
    detail:
      "guardMonitor is off: any administrator (or root) of a member account can delete or rewrite the monitor's rules and roles; only tamper alerts report it",
    fix: "set root-activity-monitor:guardMonitor: true (the default) once every target has a free SCP slot",
  };
}

/** The rendered policy's size against Organizations' limit. */
function sizeRow(text: string): DoctorRow {
  return text.length <= SCP_MAX_CHARS
    ? { ...ORG, check: "guard size", result: "ok", detail: `${text.length} of ${SCP_MAX_CHARS} characters` }
    : {
        ...ORG,
        check: "guard size",
        result: "fail",
        detail: `the policy has ${text.length} characters; Organizations takes at most ${SCP_MAX_CHARS}`,
        fix: "use a shorter memberRoleName",
      };
}

/** The plan's rows: the SCP policy type on the root, then a slot on every target, then what is refused. */
function planRows(plan: GuardPlan): DoctorRow[] {
  const rows: DoctorRow[] = [
    plan.scpEnabled
      ? { ...ORG, name: plan.rootId, check: "SCP policy type", result: "ok", detail: "enabled on the root" }
      : {
          ...ORG,
          name: plan.rootId,
          check: "SCP policy type",
          result: "fail",
          detail: plan.problems[0]?.problem ?? "not enabled on the root",
          fix: plan.problems[0]?.fix ?? "enable it, or set guardMonitor: false",
        },
  ];
  for (const t of plan.targets) {
    const detail = t.ours
      ? `${t.kind} ${t.id}: holds the guard already (${t.attached} of ${SCP_MAX_ATTACHED} SCPs)`
      : `${t.kind} ${t.id}: ${t.attached} of ${SCP_MAX_ATTACHED} SCPs attached, room for the guard`;
    rows.push({ ...ORG, name: t.id, check: "SCP slot", result: "ok", detail });
  }
  for (const p of plan.scpEnabled ? plan.problems : []) {
    rows.push({ ...ORG, name: p.target, check: "SCP slot", result: "fail", detail: p.problem, fix: p.fix });
  }
  return rows;
}

/** What Organizations would refuse on the guard's targets; one failing row when it cannot be read. */
async function targetRows(opts: GuardCheckOptions): Promise<DoctorRow[]> {
  const { config, selection } = opts;
  const org = opts.organizations ?? new OrganizationsClient({ region: "us-east-1" });
  try {
    const plan = await planGuard(
      org,
      {
        include: config.include,
        organizationalUnits: config.organizationalUnits,
        managementAccountId: selection.managementAccountId,
      },
      guardPolicyName(opts.stack ?? ""),
    );
    return planRows(plan);
  } catch (err) {
    return [
      {
        ...ORG,
        check: "guard targets",
        result: "fail",
        detail: errorText(err),
        fix: "allow the spoke's credentials organizations:ListRoots and organizations:ListPoliciesForTarget (and CreatePolicy, AttachPolicy for pulumi up), or set guardMonitor: false",
      },
    ];
  } finally {
    if (!opts.organizations) org.destroy();
  }
}

export async function guardRows(opts: GuardCheckOptions): Promise<DoctorRow[]> {
  const { config, selection } = opts;
  if (!config.guardMonitor) return [guardOffRow()];
  if (!ownsGuard(config.shard)) {
    const detail = `guardMonitor is on; shard 1/${config.shard?.count} owns the guard, this stack creates none`;
    return [{ ...ORG, check: "guard", result: "ok", detail }];
  }
  const owns: DoctorRow = {
    ...ORG,
    check: "guard",
    result: "ok",
    detail: "guardMonitor is on (the default): this stack owns the guard",
  };
  const text = guardPolicyText(partitionOf(opts.region), config.memberRoleName, callerExemption(selection));
  return [owns, sizeRow(text), ...(await targetRows(opts))];
}
