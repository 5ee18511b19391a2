// What the posture report takes and gives: its options and clients, and the findings of each
// account. The field names of the report are those of the --json file, which other tools read: keep them.
import type { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import type { IAMClient } from "@aws-sdk/client-iam";
import type { OrganizationsClient } from "@aws-sdk/client-organizations";
import type { STSClient } from "@aws-sdk/client-sts";
import type { Severity } from "../../handler/records";
import type { ClientFactory } from "../shared/access";
import type { TrailStatus } from "../trail/selectors";

export interface PostureDeps {
  clients?: { organizations?: OrganizationsClient; sts?: STSClient };
  cloudTrail?: ClientFactory<CloudTrailClient>;
  iam?: ClientFactory<IAMClient>;
  concurrency?: number;
  accountTimeoutMs?: number;
}

export interface PostureOptions {
  stacks: string[];
  dir: string;
}

export interface PostureRun {
  report: PostureReport;
  warnings: string[];
}

export interface Finding {
  severity: Severity;
  text: string;
  fix: string;
}

export interface AccountPosture {
  id: string;
  name: string;
  trail: TrailStatus;
  trailDetail: string;
  rootMfaEnabled: boolean | null;
  rootAccessKeysPresent: boolean | null;
  rootSigningCertificatesPresent: boolean | null;
  findings: Finding[];
}

export interface PostureReport {
  organization: {
    id: string | null;
    rootCredentialsManagement: boolean | null;
    rootSessions: boolean | null;
    /** Organization-wide findings (the features could not be read). */
    findings: Finding[];
  };
  accounts: AccountPosture[];
}
