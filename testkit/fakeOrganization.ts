// A fake AWS Organization served through the fakeAws responders: nested OUs, accounts in every
// status, paginated list APIs, STS caller identity and AssumeRole (with accounts that lack the
// member role), and EventBridge buses with resource policies for the doctor.
//
//   const org = defaultOrg();                        // fresh, mutable copy each call
//   const aws = await startFakeAws(org.responders()); // or: const { aws, env } = await startFakeOrganization(org)
//   Object.assign(process.env, fakeAwsEnv(aws.url));
import { FakeAwsError, fakeAwsEnv, startFakeAws, type FakeAws, type Responders } from "./fakeAws";

/** Legacy `Status` field. */
export type FakeAccountStatus = "ACTIVE" | "SUSPENDED" | "PENDING_CLOSURE";
/** Newer `State` field. */
export type FakeAccountState = "ACTIVE" | "SUSPENDED" | "PENDING_CLOSURE" | "CLOSED" | "PENDING_ACTIVATION";

export interface FakeAccount {
  id: string;
  name: string;
  email: string;
  parentId: string;
  status: FakeAccountStatus;
  /** Sent as `State` only when set, so tests can exercise the fallback to `Status`. */
  state?: FakeAccountState;
  /** Roles that exist in the account and trust the caller; AssumeRole into any other role is denied. */
  roles: string[];
}

export interface FakeOu {
  id: string;
  name: string;
  parentId: string;
}

export interface FakeBus {
  arn: string;
  /** Resource policy JSON; undefined = no policy. */
  policy?: string;
}

export type OrganizationsMode = "ok" | "access-denied" | "not-in-use";

export const DEFAULT_MEMBER_ROLE = "OrganizationAccountAccessRole";

const MAX_PAGE = 20;

function xml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Not sorted by id, and not insertion order either, so callers must sort for themselves. */
function scrambled(ids: string[]): string[] {
  return ids
    .map((id) => ({ id, key: id.split("").reverse().join("") }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((x) => x.id);
}

/** A resource policy that lets every account of `organizationId` put events on `busArn`. */
export function orgBusPolicy(busArn: string, organizationId: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AllowOrganizationPutEvents",
        Effect: "Allow",
        Principal: "*",
        Action: "events:PutEvents",
        Resource: busArn,
        Condition: { StringEquals: { "aws:PrincipalOrgID": organizationId } },
      },
    ],
  });
}

export interface FakeOrganizationInit {
  organizationId?: string;
  rootId?: string;
  managementAccountId?: string;
  /** Account of the credentials the fake answers GetCallerIdentity for. Default: the management account. */
  callerAccountId?: string;
  callerArn?: string;
  /** Page size of ListAccounts, ListAccountsForParent and ListChildren (capped by MaxResults). */
  pageSize?: number;
}

export class FakeOrganization {
  organizationId: string;
  rootId: string;
  managementAccountId: string;
  callerAccountId: string;
  callerArn: string;
  pageSize: number;
  /** "access-denied": every Organizations call fails with AccessDeniedException; "not-in-use": AWSOrganizationsNotInUseException. */
  organizationsMode: OrganizationsMode = "ok";
  /** DescribeOrganization alone is denied (the rest works). */
  describeOrganizationDenied = false;
  readonly ous = new Map<string, FakeOu>();
  readonly accounts = new Map<string, FakeAccount>();
  readonly buses = new Map<string, FakeBus>();
  /** The SCP policy type on the root (ListRoots), and SCP names attached per target (FullAWSAccess on the root). */
  scpEnabled = true;
  readonly scps = new Map<string, string[]>();

  constructor(init: FakeOrganizationInit = {}) {
    this.organizationId = init.organizationId ?? "o-abcde12345";
    this.rootId = init.rootId ?? "r-ab12";
    this.managementAccountId = init.managementAccountId ?? "111111111111";
    this.callerAccountId = init.callerAccountId ?? this.managementAccountId;
    this.callerArn = init.callerArn ?? `arn:aws:iam::${this.callerAccountId}:user/admin`;
    this.pageSize = init.pageSize ?? 4;
  }

  addOu(id: string, name: string, parentId: string = this.rootId): this {
    if (parentId !== this.rootId && !this.ous.has(parentId))
      throw new Error(`fake org: no parent ${parentId}`);
    this.ous.set(id, { id, name, parentId });
    return this;
  }

  /**
   * Adds an account. Defaults: ACTIVE (both fields), email from the name, the member role present,
   * except in the management account, which has no OrganizationAccountAccessRole.
   */
  addAccount(a: Pick<FakeAccount, "id" | "name"> & Partial<Omit<FakeAccount, "id" | "name">>): this {
    const parentId = a.parentId ?? this.rootId;
    if (parentId !== this.rootId && !this.ous.has(parentId))
      throw new Error(`fake org: no parent ${parentId}`);
    const status = a.status ?? "ACTIVE";
    const account: FakeAccount = {
      id: a.id,
      name: a.name,
      email: a.email ?? `${a.name}@example.com`,
      parentId,
      status,
      roles: a.roles ?? (a.id === this.managementAccountId ? [] : [DEFAULT_MEMBER_ROLE]),
    };
    const state = "state" in a ? a.state : status;
    if (state !== undefined) account.state = state;
    this.accounts.set(a.id, account);
    return this;
  }

  /** Adds `count` ACTIVE accounts with ids prefix + zero-padded counter, e.g. for scale tests. */
  addManyAccounts(count: number, parentId: string = this.rootId, firstId = 900000000000): string[] {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const id = String(firstId + i).padStart(12, "0");
      this.addAccount({ id, name: `generated-${id}`, parentId });
      ids.push(id);
    }
    return ids;
  }

  addBus(arn: string, policy?: string): this {
    const bus: FakeBus = { arn };
    if (policy !== undefined) bus.policy = policy;
    this.buses.set(arn, bus);
    return this;
  }

  /** Account ids under an OU or root, sorted; recursive by default. */
  accountIdsIn(parentId: string, recursive = true): string[] {
    const parents = new Set([parentId]);
    if (recursive) {
      let grew = true;
      while (grew) {
        grew = false;
        for (const ou of this.ous.values()) {
          if (parents.has(ou.parentId) && !parents.has(ou.id)) {
            parents.add(ou.id);
            grew = true;
          }
        }
      }
    }
    return [...this.accounts.values()]
      .filter((a) => parents.has(a.parentId))
      .map((a) => a.id)
      .sort();
  }

  /** Sorted ids of accounts whose effective status (State, else Status) is `status`. */
  accountIdsWithStatus(status: string): string[] {
    return [...this.accounts.values()]
      .filter((a) => (a.state ?? a.status) === status)
      .map((a) => a.id)
      .sort();
  }

  allAccountIds(): string[] {
    return [...this.accounts.keys()].sort();
  }

  /** How many pages ListAccounts needs for the whole organization with `maxResults` = 20. */
  listAccountsPages(): number {
    return Math.max(1, Math.ceil(this.accounts.size / Math.min(this.pageSize, MAX_PAGE)));
  }

  private accountJson(a: FakeAccount): Record<string, unknown> {
    const json: Record<string, unknown> = {
      Id: a.id,
      Arn: `arn:aws:organizations::${this.managementAccountId}:account/${this.organizationId}/${a.id}`,
      Email: a.email,
      Name: a.name,
      Status: a.status,
      JoinedMethod: a.roles.length > 0 ? "CREATED" : "INVITED",
      JoinedTimestamp: 1_700_000_000,
    };
    if (a.state !== undefined) json.State = a.state;
    return json;
  }

  private guardOrganizations(): void {
    if (this.organizationsMode === "access-denied") {
      throw new FakeAwsError(
        "AccessDeniedException",
        "You don't have permissions to access this resource.",
        403,
      );
    }
    if (this.organizationsMode === "not-in-use") {
      throw new FakeAwsError(
        "AWSOrganizationsNotInUseException",
        "Your account is not a member of an organization.",
      );
    }
  }

  /** The request's ParentId, refused as Organizations refuses one that is no root or OU. */
  private existingParent(params: Record<string, unknown>): string {
    const parent = String(params.ParentId ?? "");
    if (parent !== this.rootId && !this.ous.has(parent)) {
      throw new FakeAwsError(
        "ParentNotFoundException",
        "We can't find a root or OU with the ParentId that you specified.",
      );
    }
    return parent;
  }

  /** One page of `items`; the token names the operation and parent so a mixed-up token is caught. */
  private page<T>(
    op: string,
    scope: string,
    items: T[],
    params: Record<string, unknown>,
  ): { items: T[]; next?: string } {
    const max = Math.min(this.pageSize, typeof params.MaxResults === "number" ? params.MaxResults : MAX_PAGE);
    let start = 0;
    if (params.NextToken !== undefined) {
      const m = /^(\w+)\|(.*)\|(\d+)$/.exec(String(params.NextToken));
      if (!m || m[1] !== op || m[2] !== scope) {
        throw new FakeAwsError(
          "InvalidInputException",
          `NextToken ${String(params.NextToken)} is not valid for ${op}.`,
        );
      }
      start = Number(m[3]);
    }
    const end = start + max;
    const result: { items: T[]; next?: string } = { items: items.slice(start, end) };
    if (end < items.length) result.next = `${op}|${scope}|${end}`;
    return result;
  }

  responders(): Responders {
    return {
      "sts:GetCallerIdentity": () =>
        `<Arn>${xml(this.callerArn)}</Arn><UserId>AIDAFAKEFAKEFAKE</UserId><Account>${this.callerAccountId}</Account>`,

      "sts:AssumeRole": (params) => {
        const roleArn = String(params.RoleArn ?? "");
        const m = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
        const account = m ? this.accounts.get(m[1] as string) : undefined;
        const usable = account && (account.state ?? account.status) === "ACTIVE";
        if (!m || !account || !usable || !account.roles.includes(m[2] as string)) {
          throw new FakeAwsError(
            "AccessDenied",
            `User: ${this.callerArn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
            403,
          );
        }
        const session = String(params.RoleSessionName ?? "session");
        return (
          `<Credentials><AccessKeyId>ASIA${account.id}FAKE</AccessKeyId><SecretAccessKey>fake-secret-${account.id}</SecretAccessKey>` +
          `<SessionToken>fake-token-${account.id}</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>` +
          `<AssumedRoleUser><AssumedRoleId>AROAFAKE:${xml(session)}</AssumedRoleId>` +
          `<Arn>arn:aws:sts::${account.id}:assumed-role/${xml(m[2] as string)}/${xml(session)}</Arn></AssumedRoleUser>`
        );
      },

      "organizations:DescribeOrganization": () => {
        this.guardOrganizations();
        if (this.describeOrganizationDenied) {
          throw new FakeAwsError(
            "AccessDeniedException",
            "You don't have permissions to access this resource.",
            403,
          );
        }
        const management = this.accounts.get(this.managementAccountId);
        return {
          Organization: {
            Id: this.organizationId,
            Arn: `arn:aws:organizations::${this.managementAccountId}:organization/${this.organizationId}`,
            FeatureSet: "ALL",
            MasterAccountArn: `arn:aws:organizations::${this.managementAccountId}:account/${this.organizationId}/${this.managementAccountId}`,
            MasterAccountId: this.managementAccountId,
            MasterAccountEmail: management?.email ?? "management@example.com",
          },
        };
      },

      "organizations:ListRoots": () => {
        this.guardOrganizations();
        return {
          Roots: [
            {
              Id: this.rootId,
              Arn: `arn:aws:organizations::${this.managementAccountId}:root/${this.organizationId}/${this.rootId}`,
              Name: "Root",
              PolicyTypes: this.scpEnabled ? [{ Type: "SERVICE_CONTROL_POLICY", Status: "ENABLED" }] : [],
            },
          ],
        };
      },

      "organizations:ListPoliciesForTarget": (params) => {
        this.guardOrganizations();
        const target = String(params.TargetId ?? "");
        const names = this.scps.get(target) ?? (target === this.rootId ? ["FullAWSAccess"] : []);
        return {
          Policies: names.map((name, i) => ({
            Id: `p-${target.replace(/[^a-z0-9]/g, "")}${i}`,
            Name: name,
            Type: "SERVICE_CONTROL_POLICY",
            AwsManaged: name === "FullAWSAccess",
          })),
        };
      },

      "organizations:DescribeAccount": (params) => {
        this.guardOrganizations();
        const account = this.accounts.get(String(params.AccountId));
        if (!account) {
          throw new FakeAwsError("AccountNotFoundException", `You specified an account that doesn't exist.`);
        }
        return { Account: this.accountJson(account) };
      },

      "organizations:ListAccounts": (params) => {
        this.guardOrganizations();
        const ids = scrambled([...this.accounts.keys()]);
        const p = this.page("ListAccounts", "", ids, params);
        return {
          Accounts: p.items.map((id) => this.accountJson(this.accounts.get(id) as FakeAccount)),
          NextToken: p.next,
        };
      },

      "organizations:ListAccountsForParent": (params) => {
        this.guardOrganizations();
        const parent = this.existingParent(params);
        const ids = scrambled(
          [...this.accounts.values()].filter((a) => a.parentId === parent).map((a) => a.id),
        );
        const p = this.page("ListAccountsForParent", parent, ids, params);
        return {
          Accounts: p.items.map((id) => this.accountJson(this.accounts.get(id) as FakeAccount)),
          NextToken: p.next,
        };
      },

      "organizations:ListChildren": (params) => {
        this.guardOrganizations();
        const parent = this.existingParent(params);
        const type = String(params.ChildType ?? "");
        let ids: string[];
        if (type === "ORGANIZATIONAL_UNIT") {
          ids = [...this.ous.values()].filter((o) => o.parentId === parent).map((o) => o.id);
        } else if (type === "ACCOUNT") {
          ids = [...this.accounts.values()].filter((a) => a.parentId === parent).map((a) => a.id);
        } else {
          throw new FakeAwsError("InvalidInputException", `ChildType ${type} is not valid.`);
        }
        const p = this.page(`ListChildren${type}`, parent, scrambled(ids), params);
        return { Children: p.items.map((id) => ({ Id: id, Type: type })), NextToken: p.next };
      },

      "events:DescribeEventBus": (params) => {
        const name = String(params.Name ?? "default");
        const bus =
          this.buses.get(name) ?? [...this.buses.values()].find((b) => b.arn.endsWith(`:event-bus/${name}`));
        if (!bus) throw new FakeAwsError("ResourceNotFoundException", `Event bus ${name} does not exist.`);
        const json: Record<string, unknown> = { Arn: bus.arn, Name: bus.arn.replace(/^.*:event-bus\//, "") };
        if (bus.policy !== undefined) json.Policy = bus.policy;
        return json;
      },
    };
  }
}

// ---- The default organization ---------------------------------------------------------------

export const ORG_ID = "o-abcde12345";
export const ROOT_ID = "r-ab12";
export const MANAGEMENT_ACCOUNT_ID = "111111111111";
/** The security account, where the hub stack runs. */
export const HUB_ACCOUNT_ID = "222222222222";
export const HUB_BUS_ARN = `arn:aws:events:us-east-1:${HUB_ACCOUNT_ID}:event-bus/root-activity`;

/** OU ids of the default organization. Nesting: workloads > production > prodTeamA > prodPayments (4 levels). */
export const OU = {
  root: ROOT_ID,
  security: "ou-ab12-security",
  infrastructure: "ou-ab12-infrastr",
  workloads: "ou-ab12-workload",
  production: "ou-ab12-prodwork",
  prodTeamA: "ou-ab12-prodteama",
  prodPayments: "ou-ab12-prodpay1",
  prodTeamB: "ou-ab12-prodteamb",
  development: "ou-ab12-devworkl",
  devTeamA: "ou-ab12-devteama",
  devTeamB: "ou-ab12-devteamb",
  sandbox: "ou-ab12-sandboxx",
  suspended: "ou-ab12-suspendx",
  empty: "ou-ab12-emptyouu",
} as const;
export type OuKey = keyof typeof OU;

/** Invited accounts without the member role: AssumeRole into them is denied. */
export const ACCOUNTS_WITHOUT_ROLE = ["555555555502", "555555555503"];

/**
 * ~30 accounts: the management account (caller, no member role), the security/hub account, nested
 * OUs 4 levels deep, SUSPENDED / PENDING_CLOSURE / CLOSED accounts (some with only the legacy
 * `Status` field), two invited accounts without the member role, an empty OU, and the hub bus with a
 * policy admitting the organization. Page size 4, so every list API takes several pages.
 */
export function defaultOrg(init: FakeOrganizationInit = {}): FakeOrganization {
  const org = new FakeOrganization({
    organizationId: ORG_ID,
    rootId: ROOT_ID,
    managementAccountId: MANAGEMENT_ACCOUNT_ID,
    ...init,
  });
  org
    .addOu(OU.security, "Security")
    .addOu(OU.infrastructure, "Infrastructure")
    .addOu(OU.workloads, "Workloads")
    .addOu(OU.production, "Production", OU.workloads)
    .addOu(OU.prodTeamA, "Prod Team A", OU.production)
    .addOu(OU.prodPayments, "Prod Payments", OU.prodTeamA)
    .addOu(OU.prodTeamB, "Prod Team B", OU.production)
    .addOu(OU.development, "Development", OU.workloads)
    .addOu(OU.devTeamA, "Dev Team A", OU.development)
    .addOu(OU.devTeamB, "Dev Team B", OU.development)
    .addOu(OU.sandbox, "Sandbox")
    .addOu(OU.suspended, "Suspended")
    .addOu(OU.empty, "Empty");

  const add = (id: string, name: string, parentId: string, extra: Partial<FakeAccount> = {}) =>
    org.addAccount({ id, name, parentId, ...extra });

  add(MANAGEMENT_ACCOUNT_ID, "management", ROOT_ID);
  add("777777777701", "legacy-root-member", ROOT_ID, { state: undefined });
  add("777777777702", "legacy-suspended", ROOT_ID, { status: "SUSPENDED", state: undefined });

  add(HUB_ACCOUNT_ID, "security-tooling", OU.security);
  add("222222222223", "log-archive", OU.security);
  add("222222222224", "audit", OU.security);

  add("333333333301", "network", OU.infrastructure);
  add("333333333302", "shared-services", OU.infrastructure);
  add("333333333303", "backup", OU.infrastructure);

  add("444444444400", "workloads-shared", OU.workloads);
  add("444444444401", "prod-platform", OU.production);
  add("444444444411", "prod-a-web", OU.prodTeamA);
  add("444444444412", "prod-a-api", OU.prodTeamA);
  add("444444444413", "prod-a-data", OU.prodTeamA);
  add("444444444421", "prod-payments", OU.prodPayments);
  add("444444444422", "prod-payments-dr", OU.prodPayments);
  add("444444444431", "prod-b-web", OU.prodTeamB);
  add("444444444432", "prod-b-api", OU.prodTeamB);
  add("444444444433", "prod-b-old", OU.prodTeamB, { status: "SUSPENDED", state: "SUSPENDED" });
  add("444444444441", "dev-a-web", OU.devTeamA);
  add("444444444442", "dev-a-api", OU.devTeamA);
  add("444444444451", "dev-b-closing", OU.devTeamB, { status: "PENDING_CLOSURE", state: "PENDING_CLOSURE" });
  add("444444444452", "dev-b-api", OU.devTeamB);

  add("555555555501", "sandbox-alice", OU.sandbox);
  add("555555555502", "invited-legacy", OU.sandbox, { roles: [] });
  add("555555555503", "invited-acquisition", OU.sandbox, { roles: [] });
  add("555555555504", "sandbox-bob", OU.sandbox);

  add("666666666601", "suspended-1", OU.suspended, { status: "SUSPENDED", state: "SUSPENDED" });
  add("666666666602", "closed-1", OU.suspended, { status: "SUSPENDED", state: "CLOSED" });
  add("666666666603", "closing-1", OU.suspended, { status: "SUSPENDED", state: "PENDING_CLOSURE" });

  org.addBus(HUB_BUS_ARN, orgBusPolicy(HUB_BUS_ARN, ORG_ID));
  return org;
}

/** Account ids per OU of the default organization, recursive and sorted. */
export const DEFAULT_OU_ACCOUNTS: Readonly<Record<OuKey, readonly string[]>> = (() => {
  const org = defaultOrg();
  const out = {} as Record<OuKey, string[]>;
  for (const key of Object.keys(OU) as OuKey[]) out[key] = org.accountIdsIn(OU[key]);
  return out;
})();

/** Every account id of the default organization, and the ACTIVE ones, sorted. */
export const DEFAULT_ACCOUNT_IDS: readonly string[] = defaultOrg().allAccountIds();
export const DEFAULT_ACTIVE_ACCOUNT_IDS: readonly string[] = defaultOrg().accountIdsWithStatus("ACTIVE");

/** Starts the local fake AWS serving `org` (plus any extra responders) and returns it with its env. */
export async function startFakeOrganization(
  org: FakeOrganization = defaultOrg(),
  extra: Responders = {},
): Promise<{ aws: FakeAws; env: Record<string, string>; org: FakeOrganization }> {
  const aws = await startFakeAws({ ...org.responders(), ...extra });
  return { aws, env: fakeAwsEnv(aws.url), org };
}

/** SDK client config aimed at the fake, for tests that inject clients instead of setting env vars. */
export function fakeClientConfig(
  url: string,
  region = "us-east-1",
): {
  region: string;
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
  maxAttempts: number;
} {
  return {
    region,
    endpoint: url,
    credentials: {
      accessKeyId: "AKIAFAKEFAKEFAKEFAKE",
      secretAccessKey: "fake-secret",
      sessionToken: "fake-token",
    },
    maxAttempts: 1,
  };
}
