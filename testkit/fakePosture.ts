// CloudTrail and IAM for the fake organization: trails per account (organization, multi-region and
// single-region ones, logging or stopped, basic or advanced selectors), root account summaries and
// the organization's root access features. Which account a request comes from is read from its
// access key: the fake's AssumeRole hands out ASIA<account>FAKE, anything else is the caller.
//
//   const org = defaultOrg();
//   const posture = new FakePosture(org).addTrail({ owner: MANAGEMENT_ACCOUNT_ID, name: "org", organization: true });
//   const aws = await startFakeAws({ ...org.responders(), ...posture.responders() });
import * as fs from "node:fs";
import * as path from "node:path";
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { IAMClient } from "@aws-sdk/client-iam";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { STSClient } from "@aws-sdk/client-sts";
import type { PostureDeps } from "../scripts/posture/types";
import type { AwsCredentialIdentity } from "../scripts/shared/access";
import { FakeAwsError, type RecordedRequest, type Responders } from "./fakeAws";
import { fakeClientConfig, FakeOrganization } from "./fakeOrganization";

export interface FakeTrail {
  owner: string;
  name: string;
  homeRegion: string;
  multiRegion: boolean;
  organization: boolean;
  logging: boolean;
  /** Basic selectors as GetEventSelectors returns them; default one All + management selector. */
  eventSelectors?: Record<string, unknown>[];
  advancedEventSelectors?: Record<string, unknown>[];
}

export type TrailInit = Pick<FakeTrail, "owner" | "name"> & Partial<Omit<FakeTrail, "owner" | "name">>;

export function trailArn(t: Pick<FakeTrail, "owner" | "name" | "homeRegion">): string {
  return `arn:aws:cloudtrail:${t.homeRegion}:${t.owner}:trail/${t.name}`;
}

/** What a root user with a password and MFA, and nothing else, looks like. */
export const LOCKED_DOWN: Readonly<Record<string, number>> = {
  AccountMFAEnabled: 1,
  AccountAccessKeysPresent: 0,
  AccountSigningCertificatesPresent: 0,
  AccountPasswordPresent: 1,
};

function denied(action: string): FakeAwsError {
  return new FakeAwsError("AccessDeniedException", `not authorized to perform: ${action}`, 400);
}

export class FakePosture {
  readonly trails: FakeTrail[] = [];
  /** GetAccountSummary per account; LOCKED_DOWN where not set. */
  readonly summaries = new Map<string, Record<string, number>>();
  /** ListOrganizationsFeatures: the enabled features, or the error IAM answers with. */
  features: string[] | "ServiceAccessNotEnabledException" | "AccessDenied" = [];
  /** Accounts whose CloudTrail (or IAM) calls are denied. */
  readonly cloudTrailDenied = new Set<string>();
  readonly iamDenied = new Set<string>();
  /** Accounts that answer CloudTrail only after this many ms. */
  readonly slow = new Map<string, number>();

  constructor(private readonly org: FakeOrganization) {}

  addTrail(init: TrailInit): this {
    this.trails.push({
      homeRegion: "us-east-1",
      multiRegion: true,
      organization: false,
      logging: true,
      ...init,
    });
    return this;
  }

  /** The account a request was signed for. */
  accountOf(req: RecordedRequest): string {
    const m = /^ASIA(\d{12})FAKE$/.exec(req.accessKeyId ?? "");
    return m ? (m[1] as string) : this.org.callerAccountId;
  }

  /** Trails that log in `region` of `account`, as DescribeTrails with shadow trails lists them. */
  trailsIn(account: string, region: string): FakeTrail[] {
    const member = this.org.accounts.has(account);
    return this.trails.filter(
      (t) =>
        (t.homeRegion === region || t.multiRegion) &&
        (t.owner === account || (t.organization && member && t.owner === this.org.managementAccountId)),
    );
  }

  private trailFor(params: Record<string, unknown>, key: string, req: RecordedRequest): FakeTrail {
    const account = this.accountOf(req);
    const arn = String(params[key] ?? "");
    const trail = this.trails.find((t) => trailArn(t) === arn);
    if (!trail || trail.owner !== account) {
      throw new FakeAwsError("TrailNotFoundException", `Unknown trail: ${arn} for the user: ${account}`);
    }
    // Status and selectors are answered only in the home region.
    if (req.region !== trail.homeRegion) {
      throw new FakeAwsError("TrailNotFoundException", `${arn} is not in region ${req.region ?? "?"}`);
    }
    return trail;
  }

  private async guard(req: RecordedRequest, action: string): Promise<void> {
    const account = this.accountOf(req);
    const ms = this.slow.get(account);
    if (ms) await new Promise((r) => setTimeout(r, ms));
    if (this.cloudTrailDenied.has(account)) throw denied(action);
  }

  responders(): Responders {
    return {
      "cloudtrail:DescribeTrails": async (_params, req) => {
        await this.guard(req, "cloudtrail:DescribeTrails");
        return {
          trailList: this.trailsIn(this.accountOf(req), req.region ?? "").map((t) => ({
            Name: t.name,
            TrailARN: trailArn(t),
            HomeRegion: t.homeRegion,
            IsMultiRegionTrail: t.multiRegion,
            IsOrganizationTrail: t.organization,
          })),
        };
      },
      "cloudtrail:GetTrailStatus": async (params, req) => {
        await this.guard(req, "cloudtrail:GetTrailStatus");
        return { IsLogging: this.trailFor(params, "Name", req).logging };
      },
      "cloudtrail:GetEventSelectors": async (params, req) => {
        await this.guard(req, "cloudtrail:GetEventSelectors");
        const t = this.trailFor(params, "TrailName", req);
        if (t.advancedEventSelectors) {
          return { TrailARN: trailArn(t), AdvancedEventSelectors: t.advancedEventSelectors };
        }
        return {
          TrailARN: trailArn(t),
          EventSelectors: t.eventSelectors ?? [{ ReadWriteType: "All", IncludeManagementEvents: true }],
        };
      },
      "iam:GetAccountSummary": (_params, req) => {
        const account = this.accountOf(req);
        if (this.iamDenied.has(account)) throw denied("iam:GetAccountSummary");
        const summary = { ...LOCKED_DOWN, ...this.summaries.get(account) };
        const entries = Object.entries(summary)
          .map(([k, v]) => `<entry><key>${k}</key><value>${v}</value></entry>`)
          .join("");
        return `<SummaryMap>${entries}</SummaryMap>`;
      },
      "iam:ListOrganizationsFeatures": (_params, req) => {
        if (this.accountOf(req) !== this.org.managementAccountId) {
          throw new FakeAwsError(
            "AccountNotManagementOrDelegatedAdministratorException",
            "The request was rejected because the account making the request is not the management account.",
          );
        }
        if (this.features === "AccessDenied") throw denied("iam:ListOrganizationsFeatures");
        if (this.features === "ServiceAccessNotEnabledException") {
          throw new FakeAwsError(this.features, "Trusted access for IAM is not enabled.");
        }
        return (
          `<OrganizationId>${this.org.organizationId}</OrganizationId>` +
          `<EnabledFeatures>${this.features.map((f) => `<member>${f}</member>`).join("")}</EnabledFeatures>`
        );
      },
    };
  }
}

// ---- A small organization for posture tests ---------------------------------------------------

export const MGMT = "111111111111";
export const A = "222222222222";
export const B = "333333333333";
/** Invited: no member role. */
export const C = "444444444444";
export const REGIONS = ["us-east-1", "eu-west-1"];

/** Four accounts: the management account (the caller), two members with the role, one without. */
export function smallOrg(): FakeOrganization {
  return new FakeOrganization({ managementAccountId: MGMT })
    .addAccount({ id: MGMT, name: "management" })
    .addAccount({ id: A, name: "alpha" })
    .addAccount({ id: B, name: "beta" })
    .addAccount({ id: C, name: "invited", roles: [] });
}

export function writeSpoke(dir: string, stack: string, config: Record<string, unknown>): void {
  const lines = ["config:", "  aws:region: us-east-1", "  root-activity-monitor:role: spoke"];
  const all = {
    hubEventBusArn: `arn:aws:events:us-east-1:${A}:event-bus/root-activity`,
    regions: REGIONS,
    ...config,
  };
  for (const [k, v] of Object.entries(all)) lines.push(`  root-activity-monitor:${k}: ${JSON.stringify(v)}`);
  fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), lines.join("\n") + "\n");
}

/** Clients and factories aimed at the fake, as a test injects them. */
export function fakeDeps(url: string): Required<Pick<PostureDeps, "clients" | "cloudTrail" | "iam">> {
  const cfg = (region: string, credentials?: AwsCredentialIdentity) => ({
    ...fakeClientConfig(url, region),
    ...(credentials ? { credentials } : {}),
  });
  return {
    clients: {
      organizations: new OrganizationsClient(cfg("us-east-1")),
      sts: new STSClient(cfg("us-east-1")),
    },
    cloudTrail: (region, credentials) => new CloudTrailClient(cfg(region, credentials)),
    iam: (region, credentials) => new IAMClient(cfg(region, credentials)),
  };
}
