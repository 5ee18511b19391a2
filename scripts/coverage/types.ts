// What the coverage report takes and gives: its options and clients, the stacks compared, and one
// row per account.
import type { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import type { OrganizationsClient } from "@aws-sdk/client-organizations";
import type { STSClient } from "@aws-sdk/client-sts";
import type { SpokeConfig } from "../../spoke/config";
import type { AccountSelection } from "../../spoke/discovery";
import type { ClientFactory } from "../shared/access";
import type { StackOutputs } from "../shared/stackOutputs";
import type { AccountTrail } from "../trail/checkTrails";
import type { SpokeOutputs } from "./spokeOutputs";

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

/** The statuses, worst first: the table's order. */
export const STATUS_ORDER = ["missing", "excluded", "suspended", "covered"] as const;
export type CoverageStatus = (typeof STATUS_ORDER)[number];

export interface StackCoverage {
  stack: string;
  config: SpokeConfig;
  outputs: SpokeOutputs;
  /** What discovery selects for this stack's config today. */
  selection: AccountSelection;
}

export interface CoverageInput {
  /** Discovery of the whole organization (no filters): selected = ACTIVE, skipped = the rest. */
  organization: AccountSelection;
  stacks: StackCoverage[];
  /** "organization": every account must be watched by some stack; "stacks": only the stacks' own selections. */
  scope: "organization" | "stacks";
  /** Trail verdicts by account: a missing or stopped trail means nothing reaches the rules. */
  trails?: ReadonlyMap<string, AccountTrail>;
}

export interface CoverageRow {
  accountId: string;
  name: string;
  status: CoverageStatus;
  /** Stacks that select (or exclude, or last covered) the account. */
  stacks: string[];
  /** Regions the selecting stacks watch, and those of them absent from every stack's outputs. */
  expectedRegions: string[];
  missingRegions: string[];
  detail: string;
}

export interface CoverageReport {
  ok: boolean;
  rows: CoverageRow[];
  counts: Record<CoverageStatus, number>;
  stacks: string[];
}
