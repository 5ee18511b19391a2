// Is a CloudTrail trail logging management events in every account and region a spoke watches?
// Without one, EventBridge never sees a root call there and the spoke's rule stays silent.
//
// Organization trails are read once, from the management account, and cover every member. Only
// where they do not cover a region is the account itself read: DescribeTrails in that region lists
// the trails that log there (its own, multi-region ones homed elsewhere, organization shadows), and
// GetTrailStatus / GetEventSelectors are asked in each trail's home region.
import {
  CloudTrailClient,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
  type Trail,
} from "@aws-sdk/client-cloudtrail";
import { errorText } from "../../common/errors";
import { readFailure, readFix } from "../shared/readFailure";
import {
  mapLimit,
  roleFix,
  withTimeout,
  type AccountAccess,
  type AwsCredentialIdentity,
  type ClientFactory,
} from "../shared/access";
import {
  regionFix,
  judgeAccount,
  judgeRegion,
  managementScope,
  type AccountVerdict,
  type RegionVerdict,
  type TrailFact,
} from "./selectors";

export interface TrailTarget {
  id: string;
  regions: string[];
  includeReadOnlyEvents: boolean;
}

export interface AccountTrail extends AccountVerdict {
  accountId: string;
  /** One line; set unless status is ok. */
  fix?: string;
}

export interface TrailCheckOptions {
  access: AccountAccess;
  managementAccountId?: string;
  cloudTrail?: ClientFactory<CloudTrailClient>;
  /** Accounts read in parallel. Default 8. */
  concurrency?: number;
  /** An account that takes longer is reported unknown, and the others go on. Default 60 s. */
  accountTimeoutMs?: number;
}

const defaultCloudTrail: ClientFactory<CloudTrailClient> = (region, credentials) =>
  credentials ? new CloudTrailClient({ region, credentials }) : new CloudTrailClient({ region });

/** Why a read failed: the permission to grant when it was denied, else what happened (readFix). */
function failedRead(err: unknown, permission: string): { error: string; permission: string; fix?: string } {
  const state = { error: errorText(err), permission };
  return readFailure(err) === "access-denied" ? state : { ...state, fix: readFix(err, permission) };
}

function unreadable(
  name: string,
  region: string,
  state: { error: string; permission: string; fix?: string },
): TrailFact {
  return { arn: "", name, homeRegion: region, organization: true, multiRegion: false, state };
}

class TrailReader {
  private readonly clients = new Map<string, CloudTrailClient>();
  /** Trail state by ARN: an organization trail is read once for every account. */
  private readonly facts = new Map<string, Promise<TrailFact>>();
  private readonly listings = new Map<string, Promise<Trail[]>>();
  private readonly factory: ClientFactory<CloudTrailClient>;

  constructor(private readonly opts: TrailCheckOptions) {
    this.factory = opts.cloudTrail ?? defaultCloudTrail;
  }

  destroy(): void {
    for (const c of this.clients.values()) c.destroy();
  }

  private client(accountId: string, region: string, credentials?: AwsCredentialIdentity): CloudTrailClient {
    const key = `${accountId}|${region}`;
    let c = this.clients.get(key);
    if (!c) {
      c = this.factory(region, credentials);
      this.clients.set(key, c);
    }
    return c;
  }

  /** The trails that log in `region` for the account, shadows included. */
  list(accountId: string, region: string, credentials?: AwsCredentialIdentity): Promise<Trail[]> {
    const key = `${accountId}|${region}`;
    let listing = this.listings.get(key);
    if (!listing) {
      listing = this.client(accountId, region, credentials)
        .send(new DescribeTrailsCommand({ includeShadowTrails: true }))
        .then((out) => (out.trailList ?? []).filter((t) => t.TrailARN));
      this.listings.set(key, listing);
    }
    return listing;
  }

  fact(trail: Trail, accountId: string, credentials?: AwsCredentialIdentity): Promise<TrailFact> {
    const arn = trail.TrailARN as string;
    let fact = this.facts.get(arn);
    if (!fact) {
      fact = this.read(trail, accountId, credentials);
      this.facts.set(arn, fact);
    }
    return fact;
  }

  private async read(
    trail: Trail,
    accountId: string,
    credentials?: AwsCredentialIdentity,
  ): Promise<TrailFact> {
    const arn = trail.TrailARN as string;
    const homeRegion = trail.HomeRegion ?? "us-east-1";
    const base = {
      arn,
      name: trail.Name ?? arn,
      homeRegion,
      organization: trail.IsOrganizationTrail === true,
      multiRegion: trail.IsMultiRegionTrail === true,
    };
    // Status and selectors live in the trail's home region.
    const client = this.client(accountId, homeRegion, credentials);
    let logging: boolean;
    try {
      logging = (await client.send(new GetTrailStatusCommand({ Name: arn }))).IsLogging === true;
    } catch (err) {
      return { ...base, state: failedRead(err, "cloudtrail:GetTrailStatus") };
    }
    try {
      const selectors = await client.send(new GetEventSelectorsCommand({ TrailName: arn }));
      return { ...base, state: { logging, scope: managementScope(selectors) } };
    } catch (err) {
      return { ...base, state: failedRead(err, "cloudtrail:GetEventSelectors") };
    }
  }
}

function unreadableOrganization(
  opts: TrailCheckOptions,
  regions: string[],
  state: { error: string; permission: string; fix?: string },
) {
  const m = opts.managementAccountId;
  const label = `the organization trails of the management account${m ? ` ${m}` : ""}`;
  return new Map(regions.map((r) => [r, [unreadable(label, r, state)]]));
}

/** Organization trails per region, read with the management account's credentials. */
async function organizationTrails(reader: TrailReader, opts: TrailCheckOptions, regions: string[]) {
  const byRegion = new Map<string, TrailFact[]>();
  const management = opts.managementAccountId;
  const failAll = (error: string, permission: string) =>
    unreadableOrganization(opts, regions, { error, permission });
  if (!management) {
    return failAll(
      "the management account is unknown (organizations:DescribeOrganization was denied)",
      "organizations:DescribeOrganization",
    );
  }
  const access = await opts.access.get(management);
  if (!access.ok)
    return failAll(`cannot assume ${access.roleArn}: ${errorText(access.error)}`, "sts:AssumeRole");
  await Promise.all(
    regions.map(async (region) => {
      try {
        const trails = (await reader.list(management, region, access.credentials)).filter(
          (t) => t.IsOrganizationTrail,
        );
        byRegion.set(
          region,
          await Promise.all(trails.map((t) => reader.fact(t, management, access.credentials))),
        );
      } catch (err) {
        const [fact] =
          unreadableOrganization(opts, [region], failedRead(err, "cloudtrail:DescribeTrails")).get(region) ??
          [];
        byRegion.set(region, fact ? [fact] : []);
      }
    }),
  );
  return byRegion;
}

async function checkAccount(
  reader: TrailReader,
  opts: TrailCheckOptions,
  target: TrailTarget,
  org: Map<string, TrailFact[]>,
) {
  const { access } = opts;
  const roleName = access.roleName(target.id);
  const verdicts: RegionVerdict[] = [];
  for (const region of target.regions) {
    const known = (org.get(region) ?? []).filter((t) => t.arn !== "");
    const byOrg = judgeRegion(region, known, target.includeReadOnlyEvents);
    if (byOrg.status === "ok") {
      verdicts.push(byOrg);
      continue;
    }
    const reached = await access.get(target.id);
    if (!reached.ok) {
      const fix = roleFix(target.id, roleName, {
        callerAccountId: access.callerAccountId,
        managementAccountId: opts.managementAccountId,
        partition: access.partition,
      });
      verdicts.push({
        region,
        status: "unknown",
        detail: `cannot assume ${reached.roleArn}: ${errorText(reached.error)}`,
        trails: [],
        fix,
      });
      continue;
    }
    let listed: Trail[];
    try {
      listed = await reader.list(target.id, region, reached.credentials);
    } catch (err) {
      const { fix } = failedRead(err, "cloudtrail:DescribeTrails");
      verdicts.push({
        region,
        status: "unknown",
        detail: `DescribeTrails: ${errorText(err)}`,
        trails: [],
        permission: "cloudtrail:DescribeTrails",
        ...(fix ? { fix } : {}),
      });
      continue;
    }
    // The account's listing shows the organization shadows too, so it replaces an unreadable organization.
    const facts = new Map(known.map((t) => [t.arn, t]));
    for (const t of listed) {
      if (!facts.has(t.TrailARN as string))
        facts.set(t.TrailARN as string, await reader.fact(t, target.id, reached.credentials));
    }
    verdicts.push(judgeRegion(region, [...facts.values()], target.includeReadOnlyEvents));
  }
  for (const v of verdicts) v.fix ??= regionFix(v, target.id, roleName, access.callerAccountId);
  const verdict = judgeAccount(verdicts);
  const result: AccountTrail = { accountId: target.id, ...verdict };
  const worst = verdicts.find((v) => v.status === verdict.status);
  if (verdict.status !== "ok" && worst?.fix) result.fix = worst.fix;
  return result;
}

/** The trail verdict of every target account, in the targets' order. */
export async function checkTrails(targets: TrailTarget[], opts: TrailCheckOptions): Promise<AccountTrail[]> {
  const reader = new TrailReader(opts);
  const timeoutMs = opts.accountTimeoutMs ?? 60_000;
  try {
    const regions = [...new Set(targets.flatMap((t) => t.regions))];
    const org = await withTimeout(
      organizationTrails(reader, opts, regions),
      timeoutMs,
      "reading the organization trails",
    ).catch((err: unknown) =>
      unreadableOrganization(opts, regions, failedRead(err, "cloudtrail:DescribeTrails")),
    );
    return await mapLimit(targets, opts.concurrency ?? 8, async (target): Promise<AccountTrail> => {
      try {
        return await withTimeout(
          checkAccount(reader, opts, target, org),
          timeoutMs,
          `reading the trails of ${target.id}`,
        );
      } catch (err) {
        const regionsLeft = target.regions.map((region): RegionVerdict => ({
          region,
          status: "unknown",
          detail: errorText(err),
          trails: [],
        }));
        return {
          accountId: target.id,
          ...judgeAccount(regionsLeft),
          fix: "run again; if it keeps timing out, check the account's CloudTrail endpoints",
        };
      }
    });
  } finally {
    reader.destroy();
  }
}
