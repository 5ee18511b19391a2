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
  let callerAccountId: string;
  let callerArn: string | undefined;
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    if (!identity.Account) throw new Error("the response has no Account");
    callerAccountId = identity.Account;
    callerArn = identity.Arn;
  } catch (err) {
    throw wrap("sts:GetCallerIdentity", err);
  }

  let organizationId: string | undefined;
  let managementAccountId: string | undefined;
  try {
    const described = await org.send(new DescribeOrganizationCommand({}));
    organizationId = described.Organization?.Id;
    managementAccountId = described.Organization?.MasterAccountId;
  } catch (err) {
    // Optional: only the organization ID is lost if the caller may not describe it.
    if (!isAccessDenied(err)) throw wrap("organizations:DescribeOrganization", err);
  }

  const all = await listAllAccounts(org);
  const accounts = new Map<string, OrgAccount>();
  for (const a of all) {
    const account = toOrgAccount(a);
    if (account) accounts.set(account.id, account);
  }
  const orgName = organizationId ? `this organization (${organizationId})` : "this organization";

  const include = opts.include;
  const ous = opts.organizationalUnits;
  const filtered = (include?.length ?? 0) > 0 || (ous?.length ?? 0) > 0;
  const warnings: string[] = [];

  if (include && include.length > 0) {
    const unknown = [...new Set(include)].filter((id) => !accounts.has(id)).sort();
    if (unknown.length > 0) {
      throw new DiscoveryError(
        `accounts.include: ${unknown.join(", ")} ${unknown.length === 1 ? "is not an account" : "are not accounts"} of ${orgName}. ` +
          "Remove the ID from accounts.include or correct it (aws organizations list-accounts shows every account).",
      );
    }
  }

  // Candidates: union of include and the OUs' accounts, or the whole organization.
  const candidates = new Map<string, OrgAccount>();
  if (filtered) {
    for (const id of include ?? []) candidates.set(id, accounts.get(id) as OrgAccount);
    if (ous && ous.length > 0) {
      const underOus = await listAccountsUnder(org, ous);
      for (const [id, a] of underOus) {
        // ListAccounts is the reference; an account that joined between the calls comes from the OU listing.
        candidates.set(id, accounts.get(id) ?? (toOrgAccount(a) as OrgAccount));
      }
    }
  } else {
    for (const [id, a] of accounts) candidates.set(id, a);
  }

  const excluded = new Set(opts.exclude);
  for (const id of [...excluded].sort()) {
    if (!accounts.has(id)) {
      warnings.push(`accounts.exclude: ${id} is not an account of ${orgName}; the entry has no effect.`);
    }
  }

  const selected: OrgAccount[] = [];
  const skipped: SkippedAccount[] = [];
  let excludedCount = 0;
  let inactiveCount = 0;
  let otherShards = 0;
  for (const account of [...candidates.values()].sort(byId)) {
    if (excluded.has(account.id)) {
      excludedCount++;
      skipped.push({ id: account.id, name: account.name, reason: "excluded by accounts.exclude" });
    } else if (account.status !== "ACTIVE") {
      inactiveCount++;
      skipped.push({ id: account.id, name: account.name, reason: notActiveReason(account.status) });
    } else if (opts.shard && shardOf(account.id, opts.shard.count) !== opts.shard.index) {
      otherShards++;
    } else {
      selected.push(account);
    }
  }

  // An empty shard is not an error: the organization can shrink below the shard count, and
  // failing would block every later deploy of that stack. The other shards hold the accounts.
  if (selected.length === 0 && opts.shard && otherShards > 0) {
    warnings.push(
      `shard ${opts.shard.index}/${opts.shard.count} holds none of the ${plural(otherShards, "selected account")}; ` +
        "this stack watches nothing. Use fewer shards, or remove this spoke stack.",
    );
  } else if (selected.length === 0) {
    const steps: string[] = [];
    if (filtered) {
      const parts: string[] = [];
      if (include && include.length > 0) parts.push(`accounts.include (${plural(include.length, "ID")})`);
      if (ous && ous.length > 0) parts.push(`organizationalUnits ${ous.join(", ")}`);
      steps.push(`${parts.join(" and ")} give ${plural(candidates.size, "account")}`);
    } else {
      steps.push(`the organization has ${plural(candidates.size, "account")}`);
    }
    if (excludedCount > 0) steps.push(`accounts.exclude removes ${excludedCount}`);
    if (inactiveCount > 0)
      steps.push(`${inactiveCount} of the rest ${inactiveCount === 1 ? "is" : "are"} not ACTIVE`);
    if (opts.shard) {
      steps.push(
        `shard ${opts.shard.index}/${opts.shard.count} holds none of the remaining ${plural(otherShards, "account")}`,
      );
    }
    const fix =
      opts.shard && otherShards > 0
        ? "Use fewer shards, or remove this spoke stack."
        : "Widen accounts.include / organizationalUnits or shorten accounts.exclude.";
    throw new DiscoveryError(`No account selected: ${steps.join("; ")}. ${fix}`);
  }

  const selection: AccountSelection = { callerAccountId, selected, skipped, otherShards, warnings };
  if (callerArn) selection.callerArn = callerArn;
  if (organizationId) selection.organizationId = organizationId;
  if (managementAccountId) selection.managementAccountId = managementAccountId;
  return selection;
}
