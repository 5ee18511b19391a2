// What the doctor's checks take and give: options, clients, and one row per check.
import type { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import type { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import type { OrganizationsClient } from "@aws-sdk/client-organizations";
import type { STSClient } from "@aws-sdk/client-sts";
import type { SpokeConfig } from "../../spoke/config";
import type { AccountSelection } from "../../spoke/discovery";
import type { AwsCredentialIdentity, ClientFactory } from "../shared/access";

export const SESSION_NAME = "root-activity-monitor-doctor";

export type CheckResult = "ok" | "fail" | "warn" | "skip";

export interface DoctorRow {
  /** Account the row is about; "-" for organization-wide rows. */
  accountId: string;
  name: string;
  check: string;
  result: CheckResult;
  detail: string;
  /** How to fix it; set on every "fail" and "warn". */
  fix?: string;
}

export type StsFactory = (region: string, credentials?: AwsCredentialIdentity) => STSClient;
export type EventBridgeFactory = (region: string, credentials?: AwsCredentialIdentity) => EventBridgeClient;

export interface DoctorOptions {
  config: SpokeConfig;
  /** Region for the Organizations and STS clients (the stack's aws:region). Default: AWS_REGION, else us-east-1. */
  region?: string;
  /** The stack's name: its guard's SCP is named after it (a target holding it has a slot for it). */
  stack?: string;
  /** The hub bus ARN; overrides config.hub (and skips `pulumi stack output`). */
  hubBusArn?: string;
  /** Reads the hub stack's eventBusArn output. Default: `npx pulumi stack output eventBusArn --stack <hubStack>`. */
  resolveHubStack?: (hubStack: string) => Promise<string>;
  /** Clients with the caller's own credentials. */
  clients?: { organizations?: OrganizationsClient; sts?: STSClient };
  /** STS client for a region, with given credentials (undefined = the standard credential chain). */
  stsFactory?: StsFactory;
  /** EventBridge client for a region, with given credentials (undefined = the standard credential chain). */
  eventBridgeFactory?: EventBridgeFactory;
  /** CloudTrail client for a region, with given credentials (undefined = the standard credential chain). */
  cloudTrailFactory?: ClientFactory<CloudTrailClient>;
  /** Parallel AssumeRole calls. Default 8. */
  concurrency?: number;
}

export interface DoctorReport {
  ok: boolean;
  rows: DoctorRow[];
  selection?: AccountSelection;
}
