// The way into accounts that the doctor, the coverage report and the posture report share: the
// caller's own account with its own credentials, every other account through memberRoleName, the
// same fix text when a role cannot be assumed, and a bounded parallel map.
import { AssumeRoleCommand, type STSClient } from "@aws-sdk/client-sts";
import { accountRootArn, roleArn } from "../../common/awsNames";
import type { AccountSelection } from "../../spoke/discovery";

/** Static AWS credentials, as AssumeRole returns them. */
export interface AwsCredentialIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** An SDK client for a region, with given credentials (undefined = the standard credential chain). */
export type ClientFactory<C> = (region: string, credentials?: AwsCredentialIdentity) => C;

export type Assumed = { ok: true; credentials: AwsCredentialIdentity } | { ok: false; error: unknown };

/** How to reach one account: no credentials means the caller's own. */
export type Access =
  { ok: true; credentials?: AwsCredentialIdentity } | { ok: false; error: unknown; roleArn: string };

export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  });
  await Promise.all(workers);
  return results;
}

/** Rejects after `ms` so one hanging account cannot hold the report. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function assumeRole(sts: STSClient, arn: string, sessionName: string): Promise<Assumed> {
  try {
    const out = await sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: sessionName }));
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error("AssumeRole returned no credentials");
    const credentials: AwsCredentialIdentity = {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
    };
    if (c.SessionToken) credentials.sessionToken = c.SessionToken;
    if (c.Expiration) credentials.expiration = c.Expiration;
    return { ok: true, credentials };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Who reaches the accounts: the caller's account and partition, and the management account. */
export type Reacher = Pick<AccountSelection, "callerAccountId" | "managementAccountId"> & {
  partition: string;
};

export function roleFix(accountId: string, roleName: string, by: Reacher): string {
  const trusted = accountRootArn(by.partition, by.callerAccountId);
  if (accountId === by.managementAccountId) {
    return (
      `the management account has no ${roleName} by default: create role ${roleName} in ${accountId} trusting ` +
      `${trusted}, or run the spoke with the management account's own credentials, ` +
      `or add ${accountId} to accounts.exclude`
    );
  }
  return (
    `create role ${roleName} in ${accountId} trusting ${trusted} (sts:AssumeRole), ` +
    `or add ${accountId} to accounts.exclude`
  );
}

export interface AccountAccessOptions {
  /** The caller's STS client: AssumeRole goes through it. */
  sts: STSClient;
  callerAccountId: string;
  /** The caller's partition: member roles are in the same one. */
  partition: string;
  sessionName: string;
  /** The member role of an account (stacks may name different ones). */
  roleName: (accountId: string) => string;
  /** Roles already assumed (the doctor's step 2), so no account is assumed twice. */
  assumed?: ReadonlyMap<string, Assumed>;
}

/** One AssumeRole per account at most, started on first use. */
export class AccountAccess {
  private readonly cache = new Map<string, Promise<Access>>();

  constructor(private readonly opts: AccountAccessOptions) {}

  get callerAccountId(): string {
    return this.opts.callerAccountId;
  }

  get partition(): string {
    return this.opts.partition;
  }

  roleName(accountId: string): string {
    return this.opts.roleName(accountId);
  }

  get(accountId: string): Promise<Access> {
    let access = this.cache.get(accountId);
    if (!access) {
      access = this.reach(accountId);
      this.cache.set(accountId, access);
    }
    return access;
  }

  private async reach(accountId: string): Promise<Access> {
    if (accountId === this.opts.callerAccountId) return { ok: true };
    const arn = roleArn(this.opts.partition, accountId, this.opts.roleName(accountId));
    const result =
      this.opts.assumed?.get(accountId) ?? (await assumeRole(this.opts.sts, arn, this.opts.sessionName));
    return result.ok
      ? { ok: true, credentials: result.credentials }
      : { ok: false, error: result.error, roleArn: arn };
  }
}
