// Which accounts of the organization a spoke stack watches. Reads the organization with the stack's
// own credentials (management account or delegated administrator), applies accounts.include,
// organizationalUnits, accounts.exclude and the shard, and explains every account it leaves out.
import {
  DescribeOrganizationCommand,
  OrganizationsClient,
  type Account,
} from "@aws-sdk/client-organizations";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import type { Shard } from "./config";
import { DiscoveryError, isAccessDenied, wrap } from "./discoveryError";
import { listAccountsUnder, listAllAccounts } from "./organizationListing";
import { shardOf } from "./shard";

export interface OrgAccount {
  id: string;
  name: string;
  /** ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED, ... (`State` when AWS sends it, else `Status`). */
  status: string;
  email?: string;
}

export interface SkippedAccount {
  id: string;
  name: string;
  reason: string;
}

export interface AccountSelection {
  callerAccountId: string;
  /** The caller's ARN (GetCallerIdentity): its own changes to the monitor are not tampering. */
  callerArn?: string;
  /** From DescribeOrganization; undefined if the caller may not call it. */
  organizationId?: string;
  /** From DescribeOrganization; undefined if the caller may not call it. */
  managementAccountId?: string;
  /** ACTIVE accounts of this shard, sorted by id. */
  selected: OrgAccount[];
  /** Candidates left out (excluded, or not ACTIVE), sorted by id. */
  skipped: SkippedAccount[];
  /** Selected accounts that belong to other shards. */
  otherShards: number;
  /** Config entries that had no effect, e.g. an accounts.exclude ID that is not in the organization. */
  warnings: string[];
}

export interface DiscoveryOptions {
  include?: string[];
  exclude: string[];
  organizationalUnits?: string[];
  shard?: Shard;
  /** Region for the SDK clients. Organizations is global; default "us-east-1". */
  region?: string;
  /** The stack's `aws:profile`, so discovery runs as the same identity as the providers. */
  profile?: string;
  /** Injectable clients; otherwise created with `region` and the standard SDK credential chain. */
  clients?: { organizations?: OrganizationsClient; sts?: STSClient };
}

function toOrgAccount(a: Account): OrgAccount | undefined {
  if (!a.Id) return undefined;
  const account: OrgAccount = {
    id: a.Id,
    name: a.Name ?? "",
    status: (a.State as string | undefined) ?? (a.Status as string | undefined) ?? "UNKNOWN",
  };
  if (a.Email) account.email = a.Email;
  return account;
}

function byId<T extends { id: string }>(a: T, b: T): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function notActiveReason(status: string): string {
  if (status === "PENDING_ACTIVATION") return `status ${status}, cannot be reached yet`;
  return `status ${status}, cannot be reached`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export async function discoverAccounts(opts: DiscoveryOptions): Promise<AccountSelection> {
  const region = opts.region ?? "us-east-1";
  const org = opts.clients?.organizations ?? new OrganizationsClient({ region, profile: opts.profile });
  const sts = opts.clients?.sts ?? new STSClient({ region, profile: opts.profile });
  try {
    return await select(org, sts, opts);
  } finally {
    // Clients made here are closed here, so no kept-alive socket holds the process open; injected
    // clients belong to the caller.
    if (!opts.clients?.organizations) org.destroy();
    if (!opts.clients?.sts) sts.destroy();
  }
}

async function select(
  org: OrganizationsClient,
  sts: STSClient,
  opts: DiscoveryOptions,
): Promise<AccountSelection> {
  const caller = await callerIdentity(sts);
  const organization = await describeOrganization(org);
  const accounts = await accountsById(org);
  const orgName = organization.organizationId
    ? `this organization (${organization.organizationId})`
    : "this organization";

  requireIncludedAccounts(opts.include, accounts, orgName);
  const candidates = await candidatesOf(org, accounts, opts);
  const excluded = new Set(opts.exclude);
  const warnings = unknownExcludeWarnings(excluded, accounts, orgName);
  const sorted = sortCandidates(candidates, excluded, opts.shard);
  const { selected, skipped, otherShards } = sorted;

  // An empty shard is not an error: the organization can shrink below the shard count, and
  // failing would block every later deploy of that stack. The other shards hold the accounts.
  if (selected.length === 0 && opts.shard && otherShards > 0) {
    warnings.push(emptyShardWarning(opts.shard, otherShards));
  } else if (selected.length === 0) {
    throw noAccountSelected(opts, candidates.size, sorted);
  }

  const selection: AccountSelection = {
    callerAccountId: caller.accountId,
    selected,
    skipped,
    otherShards,
    warnings,
  };
  if (caller.arn) selection.callerArn = caller.arn;
  if (organization.organizationId) selection.organizationId = organization.organizationId;
  if (organization.managementAccountId) selection.managementAccountId = organization.managementAccountId;
  return selection;
}

async function callerIdentity(sts: STSClient): Promise<{ accountId: string; arn?: string }> {
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    if (!identity.Account) throw new Error("the response has no Account");
    return { accountId: identity.Account, arn: identity.Arn };
  } catch (err) {
    throw wrap("sts:GetCallerIdentity", err);
  }
}

async function describeOrganization(
  org: OrganizationsClient,
): Promise<{ organizationId?: string; managementAccountId?: string }> {
  try {
    const described = await org.send(new DescribeOrganizationCommand({}));
    return {
      organizationId: described.Organization?.Id,
      managementAccountId: described.Organization?.MasterAccountId,
    };
  } catch (err) {
    // Optional: only the organization ID is lost if the caller may not describe it.
    if (!isAccessDenied(err)) throw wrap("organizations:DescribeOrganization", err);
    return {};
  }
}

/** Every account of the organization (ListAccounts), by id. */
async function accountsById(org: OrganizationsClient): Promise<Map<string, OrgAccount>> {
  const accounts = new Map<string, OrgAccount>();
  for (const a of await listAllAccounts(org)) {
    const account = toOrgAccount(a);
    if (account) accounts.set(account.id, account);
  }
  return accounts;
}

function isFiltered(opts: DiscoveryOptions): boolean {
  return (opts.include?.length ?? 0) > 0 || (opts.organizationalUnits?.length ?? 0) > 0;
}

/** accounts.include may only name accounts of the organization. */
function requireIncludedAccounts(
  include: string[] | undefined,
  accounts: Map<string, OrgAccount>,
  orgName: string,
): void {
  if (!include || include.length === 0) return;
  const unknown = [...new Set(include)].filter((id) => !accounts.has(id)).sort();
  if (unknown.length > 0) {
    throw new DiscoveryError(
      `accounts.include: ${unknown.join(", ")} ${unknown.length === 1 ? "is not an account" : "are not accounts"} of ${orgName}. ` +
        "Remove the ID from accounts.include or correct it (aws organizations list-accounts shows every account).",
    );
  }
}

/** Candidates: union of include and the OUs' accounts, or the whole organization. */
async function candidatesOf(
  org: OrganizationsClient,
  accounts: Map<string, OrgAccount>,
  opts: DiscoveryOptions,
): Promise<Map<string, OrgAccount>> {
  if (!isFiltered(opts)) return new Map(accounts);
  const candidates = new Map<string, OrgAccount>();
  for (const id of opts.include ?? []) candidates.set(id, accounts.get(id) as OrgAccount);
  const ous = opts.organizationalUnits;
  if (ous && ous.length > 0) {
    const underOus = await listAccountsUnder(org, ous);
    for (const [id, a] of underOus) {
      // ListAccounts is the reference; an account that joined between the calls comes from the OU listing.
      candidates.set(id, accounts.get(id) ?? (toOrgAccount(a) as OrgAccount));
    }
  }
  return candidates;
}

function unknownExcludeWarnings(
  excluded: Set<string>,
  accounts: Map<string, OrgAccount>,
  orgName: string,
): string[] {
  return [...excluded]
    .sort()
    .filter((id) => !accounts.has(id))
    .map((id) => `accounts.exclude: ${id} is not an account of ${orgName}; the entry has no effect.`);
}

interface SortedCandidates {
  selected: OrgAccount[];
  skipped: SkippedAccount[];
  excludedCount: number;
  inactiveCount: number;
  otherShards: number;
}

/** Each candidate, by id: skipped (excluded, not ACTIVE), in another shard, or selected. */
function sortCandidates(
  candidates: Map<string, OrgAccount>,
  excluded: Set<string>,
  shard: Shard | undefined,
): SortedCandidates {
  const sorted: SortedCandidates = {
    selected: [],
    skipped: [],
    excludedCount: 0,
    inactiveCount: 0,
    otherShards: 0,
  };
  for (const account of [...candidates.values()].sort(byId)) {
    if (excluded.has(account.id)) {
      sorted.excludedCount++;
      sorted.skipped.push({ id: account.id, name: account.name, reason: "excluded by accounts.exclude" });
    } else if (account.status !== "ACTIVE") {
      sorted.inactiveCount++;
      sorted.skipped.push({ id: account.id, name: account.name, reason: notActiveReason(account.status) });
    } else if (shard && shardOf(account.id, shard.count) !== shard.index) {
      sorted.otherShards++;
    } else {
      sorted.selected.push(account);
    }
  }
  return sorted;
}

function emptyShardWarning(shard: Shard, otherShards: number): string {
  return (
    `shard ${shard.index}/${shard.count} holds none of the ${plural(otherShards, "selected account")}; ` +
    "this stack watches nothing. Use fewer shards, or remove this spoke stack."
  );
}

/** The error for an empty selection: each step from the organization to nothing, and the fix. */
function noAccountSelected(
  opts: DiscoveryOptions,
  candidateCount: number,
  sorted: SortedCandidates,
): DiscoveryError {
  const { include, organizationalUnits: ous, shard } = opts;
  const { excludedCount, inactiveCount, otherShards } = sorted;
  const steps: string[] = [];
  if (isFiltered(opts)) {
    const parts: string[] = [];
    if (include && include.length > 0) parts.push(`accounts.include (${plural(include.length, "ID")})`);
    if (ous && ous.length > 0) parts.push(`organizationalUnits ${ous.join(", ")}`);
    steps.push(`${parts.join(" and ")} give ${plural(candidateCount, "account")}`);
  } else {
    steps.push(`the organization has ${plural(candidateCount, "account")}`);
  }
  if (excludedCount > 0) steps.push(`accounts.exclude removes ${excludedCount}`);
  if (inactiveCount > 0)
    steps.push(`${inactiveCount} of the rest ${inactiveCount === 1 ? "is" : "are"} not ACTIVE`);
  if (shard) {
    steps.push(
      `shard ${shard.index}/${shard.count} holds none of the remaining ${plural(otherShards, "account")}`,
    );
  }
  const fix =
    shard && otherShards > 0
      ? "Use fewer shards, or remove this spoke stack."
      : "Widen accounts.include / organizationalUnits or shorten accounts.exclude.";
  return new DiscoveryError(`No account selected: ${steps.join("; ")}. ${fix}`);
}
