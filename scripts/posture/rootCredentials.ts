// The root user of every account (iam:GetAccountSummary), and whether the organization manages
// root credentials centrally (iam:ListOrganizationsFeatures, from the management account).
import { GetAccountSummaryCommand, IAMClient, ListOrganizationsFeaturesCommand } from "@aws-sdk/client-iam";
import { errorName } from "../../common/awsNames";
import { errorText } from "../../common/errors";
import { mapLimit, roleFix, withTimeout } from "../shared/access";
import type { AccountAccess, AwsCredentialIdentity, ClientFactory } from "../shared/access";
import { readFix } from "../shared/readFailure";

export interface RootCredentials {
  accountId: string;
  mfaEnabled: boolean | null;
  accessKeysPresent: boolean | null;
  signingCertificatesPresent: boolean | null;
  /** Whether root has a console password; null when AWS did not say. */
  passwordPresent: boolean | null;
  /** Why the summary could not be read, and the one-line fix. */
  error?: { text: string; fix: string };
}

export interface OrganizationFeatures {
  id: string | null;
  rootCredentialsManagement: boolean | null;
  rootSessions: boolean | null;
  error?: { text: string; fix: string };
}

const defaultIam: ClientFactory<IAMClient> = (region, credentials) =>
  credentials ? new IAMClient({ region, credentials }) : new IAMClient({ region });

/** IAM is global; the region only picks the endpoint. */
const IAM_REGION = "us-east-1";

function flag(summary: Record<string, number> | undefined, key: string): boolean | null {
  const v = summary?.[key];
  return typeof v === "number" ? v > 0 : null;
}

function who(accountId: string, access: AccountAccess): string {
  return accountId === access.callerAccountId
    ? "the caller's credentials"
    : `role ${access.roleName(accountId)} in ${accountId}`;
}

async function withIam<T>(
  factory: ClientFactory<IAMClient>,
  credentials: AwsCredentialIdentity | undefined,
  fn: (iam: IAMClient) => Promise<T>,
): Promise<T> {
  const iam = factory(IAM_REGION, credentials);
  try {
    return await fn(iam);
  } finally {
    iam.destroy();
  }
}

async function readOne(
  accountId: string,
  access: AccountAccess,
  factory: ClientFactory<IAMClient>,
  managementAccountId: string | undefined,
): Promise<RootCredentials> {
  const none = {
    mfaEnabled: null,
    accessKeysPresent: null,
    signingCertificatesPresent: null,
    passwordPresent: null,
  };
  const reached = await access.get(accountId);
  if (!reached.ok) {
    const fix = roleFix(accountId, access.roleName(accountId), {
      callerAccountId: access.callerAccountId,
      managementAccountId,
      partition: access.partition,
    });
    return {
      accountId,
      ...none,
      error: { text: `cannot assume ${reached.roleArn}: ${errorText(reached.error)}`, fix },
    };
  }
  try {
    const out = await withIam(factory, reached.credentials, (iam) =>
      iam.send(new GetAccountSummaryCommand({})),
    );
    const s = out.SummaryMap;
    return {
      accountId,
      mfaEnabled: flag(s, "AccountMFAEnabled"),
      accessKeysPresent: flag(s, "AccountAccessKeysPresent"),
      signingCertificatesPresent: flag(s, "AccountSigningCertificatesPresent"),
      passwordPresent: flag(s, "AccountPasswordPresent"),
    };
  } catch (err) {
    return {
      accountId,
      ...none,
      error: {
        text: `iam:GetAccountSummary: ${errorText(err)}`,
        fix: readFix(err, `iam:GetAccountSummary to ${who(accountId, access)}`),
      },
    };
  }
}

export interface RootCheckOptions {
  access: AccountAccess;
  managementAccountId?: string;
  iam?: ClientFactory<IAMClient>;
  concurrency?: number;
  accountTimeoutMs?: number;
}

/** GetAccountSummary in every account, in parallel with a bound; a slow or denied one is reported, not fatal. */
export function checkRootCredentials(
  accountIds: string[],
  opts: RootCheckOptions,
): Promise<RootCredentials[]> {
  const factory = opts.iam ?? defaultIam;
  const ms = opts.accountTimeoutMs ?? 60_000;
  return mapLimit(accountIds, opts.concurrency ?? 8, (id) =>
    withTimeout(
      readOne(id, opts.access, factory, opts.managementAccountId),
      ms,
      `iam:GetAccountSummary in ${id}`,
    ).catch((err: unknown): RootCredentials => ({
      accountId: id,
      mfaEnabled: null,
      accessKeysPresent: null,
      signingCertificatesPresent: null,
      passwordPresent: null,
      error: {
        text: errorText(err),
        fix: "run again; if it keeps timing out, check the account's IAM endpoint",
      },
    })),
  );
}

// Without IAM's trusted access, or outside all-features mode, neither feature can be on.
const FEATURES_OFF = /^(ServiceAccessNotEnabledException|OrganizationNotInAllFeaturesModeException)$/;

export async function readOrganizationFeatures(
  opts: RootCheckOptions & { organizationId?: string },
): Promise<OrganizationFeatures> {
  const id = opts.organizationId ?? null;
  const unknown = (text: string, fix: string): OrganizationFeatures => ({
    id,
    rootCredentialsManagement: null,
    rootSessions: null,
    error: { text, fix },
  });
  const management = opts.managementAccountId;
  if (!management) {
    return unknown(
      "iam:ListOrganizationsFeatures not asked: the management account is unknown (organizations:DescribeOrganization was denied)",
      "allow organizations:DescribeOrganization to the caller's credentials",
    );
  }
  const reached = await opts.access.get(management);
  if (!reached.ok) {
    return unknown(
      `iam:ListOrganizationsFeatures not asked: cannot assume ${reached.roleArn}: ${errorText(reached.error)}`,
      `run with the management account's credentials, or create role ${opts.access.roleName(management)} in ${management}`,
    );
  }
  try {
    const out = await withIam(opts.iam ?? defaultIam, reached.credentials, (iam) =>
      iam.send(new ListOrganizationsFeaturesCommand({})),
    );
    const enabled = new Set<string>(out.EnabledFeatures ?? []);
    return {
      id: out.OrganizationId ?? id,
      rootCredentialsManagement: enabled.has("RootCredentialsManagement"),
      rootSessions: enabled.has("RootSessions"),
    };
  } catch (err) {
    if (FEATURES_OFF.test(errorName(err)))
      return { id, rootCredentialsManagement: false, rootSessions: false };
    return unknown(
      `iam:ListOrganizationsFeatures: ${errorText(err)}`,
      readFix(err, `iam:ListOrganizationsFeatures to ${who(management, opts.access)}`),
    );
  }
}
