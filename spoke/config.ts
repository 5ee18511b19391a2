// Spoke stack config: where the hub is, which accounts and regions to watch.
import { ACCOUNT_ID, BUS_ARN, REGION } from "../common/awsNames";
import {
  configError,
  readBoolean,
  readMatching,
  readObject,
  readStringList,
  type ConfigSource,
} from "../common/config";
import { isKnownRegion, regionProblem } from "../common/regionNames";

/** Regions that every AWS account has enabled by default (opt-in regions are not in this list). */
export const DEFAULT_REGIONS = [
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  "ca-central-1",
  "sa-east-1",
  "eu-central-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "eu-north-1",
  "ap-south-1",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-southeast-1",
  "ap-southeast-2",
];

/** Root console sign-ins, and IAM/STS global events, are recorded only in us-east-1. */
export const REQUIRED_REGION = "us-east-1";

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

export type HubLocation = { hubStack: string } | { hubEventBusArn: string };

export interface SpokeConfig {
  hub: HubLocation;
  regions: string[];
  memberRoleName: string;
  include?: string[];
  exclude: string[];
  organizationalUnits?: string[];
  includeReadOnlyEvents: boolean;
  shard?: Shard;
  /** The Control Tower home region, where its lifecycle events arrive; undefined without Control Tower. */
  controlTowerHomeRegion?: string;
  /** Deny changes to the monitor's rules and roles with an SCP (shard 1 owns it). */
  guardMonitor: boolean;
}

const STACK_NAME = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+){0,2}$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const OU_ID = /^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$/;

export function parseShard(raw: string, key = "shard"): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(raw.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) {
    throw configError(key, `"${raw}" is not a shard. Write "k/n" with 1 <= k <= n, for example "1/4".`);
  }
  return { index, count };
}

function readAccountList(obj: Record<string, unknown>, field: "include" | "exclude"): string[] | undefined {
  const value = obj[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value))
    throw configError(`accounts.${field}`, "expected a list of 12-digit account IDs.");
  const ids = value.map((v) => String(v).trim());
  const bad = ids.filter((id) => !ACCOUNT_ID.test(id));
  if (bad.length > 0) {
    throw configError(
      `accounts.${field}`,
      `${bad.map((b) => JSON.stringify(b)).join(", ")} ${bad.length === 1 ? "is not a 12-digit account ID" : "are not 12-digit account IDs"}. Quote IDs in YAML so leading zeros survive.`,
    );
  }
  return ids;
}

/** Control Tower's lifecycle events arrive only in its home region: a region this stack watches. */
function readControlTowerHomeRegion(
  cfg: ConfigSource,
  regions: string[],
): { controlTowerHomeRegion?: string } {
  const home = readMatching(cfg, "controlTowerHomeRegion", REGION, "a region name");
  if (home === undefined) return {};
  const unknown = regionProblem(home);
  if (unknown) throw configError("controlTowerHomeRegion", unknown);
  if (!regions.includes(home)) {
    throw configError(
      "controlTowerHomeRegion",
      `${home} is not in regions: the management account's rule there forwards Control Tower's account events. Add it to regions.`,
    );
  }
  return { controlTowerHomeRegion: home };
}

/** Where the hub is: its stack, or its bus ARN, exactly one of them. */
function readHubLocation(cfg: ConfigSource): HubLocation {
  const hubStack = readMatching(
    cfg,
    "hubStack",
    STACK_NAME,
    "a stack name like org/root-activity-monitor/hub",
  );
  const hubEventBusArn = readMatching(cfg, "hubEventBusArn", BUS_ARN, "an EventBridge bus ARN");
  if ((hubStack === undefined) === (hubEventBusArn === undefined)) {
    throw configError(
      "hubStack",
      hubStack
        ? "give hubStack or hubEventBusArn, not both."
        : "the spoke needs to know the hub bus. Set hubStack to the hub's fully qualified stack name (org/root-activity-monitor/hub) or hubEventBusArn to its eventBusArn output.",
    );
  }
  return hubStack !== undefined ? { hubStack } : { hubEventBusArn: hubEventBusArn as string };
}

/** The regions to watch: known names, each once, us-east-1 among them. */
function readRegions(cfg: ConfigSource): string[] {
  // The project default is [], which means "the default regions".
  const listed = readStringList(cfg, "regions") ?? [];
  const regions = listed.length > 0 ? listed : DEFAULT_REGIONS;
  const badRegions = regions.filter((r) => !REGION.test(r) || !isKnownRegion(r));
  if (badRegions.length > 0) {
    throw configError(
      "regions",
      badRegions.map((r) => regionProblem(r) ?? `${r} is not a region name.`).join(" "),
    );
  }
  const dupRegions = regions.filter((r, i) => regions.indexOf(r) !== i);
  if (dupRegions.length > 0) throw configError("regions", `${dupRegions.join(", ")} is listed twice.`);
  if (!regions.includes(REQUIRED_REGION)) {
    throw configError(
      "regions",
      `${REQUIRED_REGION} must be in the list: AWS records root console sign-ins (and IAM/STS calls) only there, so without it a root login would go unseen.`,
    );
  }
  return regions;
}

/** accounts.include and accounts.exclude: account IDs, none in both. */
function readAccounts(cfg: ConfigSource): { include?: string[]; exclude: string[] } {
  const accounts = readObject(cfg, "accounts") ?? {};
  const unknownAccountKeys = Object.keys(accounts).filter((k) => k !== "include" && k !== "exclude");
  if (unknownAccountKeys.length > 0) {
    throw configError(
      "accounts",
      `unknown field ${unknownAccountKeys.join(", ")}; allowed: include, exclude.`,
    );
  }
  const include = readAccountList(accounts, "include");
  const exclude = readAccountList(accounts, "exclude") ?? [];
  const clash = (include ?? []).filter((id) => exclude.includes(id));
  if (clash.length > 0) throw configError("accounts", `${clash.join(", ")} is in both include and exclude.`);
  return { include, exclude };
}

function readOrganizationalUnits(cfg: ConfigSource): string[] | undefined {
  // The project default is [], which means "no OU limits the selection".
  const ous = readStringList(cfg, "organizationalUnits") ?? [];
  const organizationalUnits = ous.length > 0 ? ous : undefined;
  const badOus = ous.filter((ou) => !OU_ID.test(ou));
  if (badOus.length > 0) {
    throw configError(
      "organizationalUnits",
      `${badOus.join(", ")} is not an OU ID (ou-xxxx-xxxxxxxx) or root ID (r-xxxx).`,
    );
  }
  return organizationalUnits;
}

function readShard(cfg: ConfigSource): Shard | undefined {
  // The project default is "1/1": one stack for everything, the same as no shard.
  const shardRaw = cfg.get("shard");
  const parsedShard = shardRaw ? parseShard(shardRaw) : undefined;
  return parsedShard && parsedShard.count > 1 ? parsedShard : undefined;
}

export function readSpokeConfig(cfg: ConfigSource): SpokeConfig {
  const hub = readHubLocation(cfg);
  const regions = readRegions(cfg);
  const memberRoleName =
    readMatching(cfg, "memberRoleName", ROLE_NAME, "an IAM role name") ?? "OrganizationAccountAccessRole";
  const { include, exclude } = readAccounts(cfg);
  const organizationalUnits = readOrganizationalUnits(cfg);
  const shard = readShard(cfg);
  return {
    hub,
    regions,
    memberRoleName,
    include,
    exclude,
    organizationalUnits,
    includeReadOnlyEvents: readBoolean(cfg, "includeReadOnlyEvents", true),
    shard,
    ...readControlTowerHomeRegion(cfg, regions),
    guardMonitor: readBoolean(cfg, "guardMonitor", true),
  };
}
