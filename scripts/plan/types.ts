// What the offline plan takes and gives: options, the organization it plans over, and what the
// program would create, grouped for reading.
import type { ProgramRun } from "../../testkit/program";

export interface PlanOptions {
  stack: string;
  /** The project directory holding Pulumi.<stack>.yaml. */
  dir: string;
  /** A file of account IDs and OUs (YAML or JSON); default: the test kit's example organization. */
  orgFile?: string;
  /** Skip running the hub's notifier for example alerts (faster). */
  noAlerts?: boolean;
}

/** One account of an organization file. */
export interface OrgFileAccount {
  id: string;
  name: string;
  /** The OU (or root) it sits in. */
  parent: string;
  status: "ACTIVE" | "SUSPENDED" | "PENDING_CLOSURE";
}

export interface OrgFileOu {
  id: string;
  name: string;
  parent: string;
}

export interface OrgFile {
  organizationId: string;
  rootId: string;
  managementAccountId: string;
  organizationalUnits: OrgFileOu[];
  accounts: OrgFileAccount[];
}

/** Resources of one account, counted by type. */
export interface AccountRow {
  accountId: string;
  name: string;
  counts: Record<string, number>;
  regions: string[];
}

/** A policy text and every resource that carries it (the resource's account written `<account>`). */
export interface PolicyGroup {
  kind: "iam" | "resource";
  /** Resource type and input, e.g. "aws:iam/role:Role assumeRolePolicy". */
  where: string;
  text: string;
  resources: { name: string; accountId: string }[];
}

export interface PatternGroup {
  bus: string;
  pattern: string;
  rules: number;
  accounts: number;
  regions: string[];
}

/** An example alert as one format delivers it. */
export interface ExampleAlert {
  format: string;
  body: string;
}

export interface Plan {
  stack: string;
  role: string;
  /** Where the organization came from. */
  organization: string;
  run: ProgramRun;
  accounts: AccountRow[];
  types: string[];
  patterns: PatternGroup[];
  policies: PolicyGroup[];
  /** Program warnings (pulumi.log.warn). */
  warnings: string[];
  alerts: ExampleAlert[];
}
