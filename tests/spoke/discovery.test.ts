import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { STSClient } from "@aws-sdk/client-sts";
import * as pulumi from "@pulumi/pulumi";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Shard } from "../../spoke/config";
import { discoverAccounts, type DiscoveryOptions } from "../../spoke/discovery";
import { DiscoveryError } from "../../spoke/discoveryError";
import { inShard, shardOf } from "../../spoke/shard";
import { FakeAwsError, fakeAwsEnv, type FakeAws } from "../../testkit/fakeAws";
import {
  DEFAULT_ACCOUNT_IDS,
  DEFAULT_ACTIVE_ACCOUNT_IDS,
  DEFAULT_OU_ACCOUNTS,
  defaultOrg,
  fakeClientConfig,
  FakeOrganization,
  HUB_ACCOUNT_ID,
  MANAGEMENT_ACCOUNT_ID,
  ORG_ID,
  OU,
  startFakeOrganization,
} from "../../testkit/fakeOrganization";

const running: FakeAws[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((a) => a.close()));
});

async function serve(org: FakeOrganization = defaultOrg()) {
  const { aws } = await startFakeOrganization(org);
  running.push(aws);
  const clients = {
    organizations: new OrganizationsClient(fakeClientConfig(aws.url)),
    sts: new STSClient(fakeClientConfig(aws.url)),
  };
  const discover = (opts: Partial<DiscoveryOptions> = {}) =>
    discoverAccounts({ exclude: [], ...opts, clients });
  const calls = (operation: string) => aws.requests.filter((r) => r.operation === operation);
  return { aws, org, discover, calls };
}

async function failure(p: Promise<unknown>): Promise<DiscoveryError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DiscoveryError);
  return err as DiscoveryError;
}

const SUSPENDED_ETC = DEFAULT_ACCOUNT_IDS.filter((id) => !DEFAULT_ACTIVE_ACCOUNT_IDS.includes(id));

describe("the default fake organization", () => {
  it("has ~30 accounts, nested OUs, a suspended account and the management account", () => {
    const org = defaultOrg();
    expect(DEFAULT_ACCOUNT_IDS.length).toBeGreaterThanOrEqual(28);
    expect(DEFAULT_ACCOUNT_IDS).toContain(MANAGEMENT_ACCOUNT_ID);
    expect(DEFAULT_OU_ACCOUNTS.security).toContain(HUB_ACCOUNT_ID);
    expect(org.accountIdsWithStatus("SUSPENDED").length).toBeGreaterThanOrEqual(1);
    expect(DEFAULT_OU_ACCOUNTS.prodPayments.length).toBeGreaterThan(0);
    expect(DEFAULT_OU_ACCOUNTS.workloads).toEqual(
      expect.arrayContaining([...DEFAULT_OU_ACCOUNTS.prodPayments]),
    );
    expect(org.listAccountsPages()).toBeGreaterThanOrEqual(3);
    expect(DEFAULT_OU_ACCOUNTS.empty).toEqual([]);
  });
});

describe("discoverAccounts: listing", () => {
  it("reads every ListAccounts page and selects every ACTIVE account", async () => {
    const { org, discover, calls } = await serve();
    const sel = await discover();
    expect(calls("ListAccounts")).toHaveLength(Math.ceil(DEFAULT_ACCOUNT_IDS.length / 4));
    expect(calls("ListAccounts")).toHaveLength(org.listAccountsPages());
    expect(calls("ListAccounts")[0]?.params.NextToken).toBeUndefined();
    expect(
      calls("ListAccounts")
        .slice(1)
        .every((r) => typeof r.params.NextToken === "string"),
    ).toBe(true);
    expect(sel.selected.map((a) => a.id)).toEqual(DEFAULT_ACTIVE_ACCOUNT_IDS);
    expect(sel.callerAccountId).toBe(MANAGEMENT_ACCOUNT_ID);
    expect(sel.organizationId).toBe(ORG_ID);
    expect(sel.managementAccountId).toBe(MANAGEMENT_ACCOUNT_ID);
    expect(sel.otherShards).toBe(0);
    expect(sel.warnings).toEqual([]);
  });

  it("reads the last page even when it is partly filled, and with a single page", async () => {
    for (const pageSize of [1, 3, 7, 20]) {
      const { discover, calls } = await serve(defaultOrg({ pageSize }));
      const sel = await discover();
      expect(calls("ListAccounts")).toHaveLength(Math.ceil(DEFAULT_ACCOUNT_IDS.length / pageSize));
      expect(sel.selected.map((a) => a.id)).toEqual(DEFAULT_ACTIVE_ACCOUNT_IDS);
    }
  });

  it("keeps ACTIVE accounts only and says why the others are skipped", async () => {
    const { discover } = await serve();
    const sel = await discover();
    expect(sel.skipped.map((s) => s.id)).toEqual(SUSPENDED_ETC);
    const reason = Object.fromEntries(sel.skipped.map((s) => [s.id, s.reason]));
    expect(reason["444444444433"]).toBe("status SUSPENDED, cannot be reached");
    expect(reason["444444444451"]).toBe("status PENDING_CLOSURE, cannot be reached");
    // State (newer field) wins over Status.
    expect(reason["666666666602"]).toBe("status CLOSED, cannot be reached");
    expect(reason["666666666603"]).toBe("status PENDING_CLOSURE, cannot be reached");
    // Only Status present.
    expect(reason["777777777702"]).toBe("status SUSPENDED, cannot be reached");
    expect(sel.selected.find((a) => a.id === "777777777701")).toMatchObject({ status: "ACTIVE" });
    expect(sel.selected.every((a) => a.status === "ACTIVE")).toBe(true);
    expect(sel.selected.find((a) => a.id === HUB_ACCOUNT_ID)).toEqual({
      id: HUB_ACCOUNT_ID,
      name: "security-tooling",
      status: "ACTIVE",
      email: "security-tooling@example.com",
    });
  });

  it("is deterministic: sorted by id whatever the page size and API order", async () => {
    const results = [];
    for (const pageSize of [2, 5, 20]) {
      const { discover } = await serve(defaultOrg({ pageSize }));
      results.push(
        await discover({ exclude: ["222222222224"], organizationalUnits: [OU.workloads, OU.sandbox] }),
      );
    }
    for (const r of results) {
      const ids = r.selected.map((a) => a.id);
      expect(ids).toEqual([...ids].sort());
      expect(r.skipped.map((s) => s.id)).toEqual(r.skipped.map((s) => s.id).sort());
      expect(r).toEqual(results[0]);
    }
  });

  it("uses the SDK's env endpoints when no clients are injected", async () => {
    const { aws } = await startFakeOrganization(defaultOrg());
    running.push(aws);
    const saved = { ...process.env };
    Object.assign(process.env, fakeAwsEnv(aws.url));
    try {
      const sel = await discoverAccounts({ exclude: [] });
      expect(sel.selected.map((a) => a.id)).toEqual(DEFAULT_ACTIVE_ACCOUNT_IDS);
      expect(aws.requests.some((r) => r.operation === "GetCallerIdentity")).toBe(true);
    } finally {
      process.env = saved;
    }
  });

  it("closes the SDK clients it creates, even when discovery fails, and leaves injected ones open", async () => {
    const orgDestroy = vi.spyOn(OrganizationsClient.prototype, "destroy");
    const stsDestroy = vi.spyOn(STSClient.prototype, "destroy");
    const { aws } = await startFakeOrganization(defaultOrg());
    running.push(aws);
    const saved = { ...process.env };
    Object.assign(process.env, fakeAwsEnv(aws.url));
    try {
      await discoverAccounts({ exclude: [] });
      expect(orgDestroy).toHaveBeenCalledTimes(1);
      expect(stsDestroy).toHaveBeenCalledTimes(1);
      await failure(discoverAccounts({ exclude: [], include: ["999999999999"] }));
      expect(orgDestroy).toHaveBeenCalledTimes(2);
      expect(stsDestroy).toHaveBeenCalledTimes(2);

      const { discover } = await serve();
      await discover();
      expect(orgDestroy).toHaveBeenCalledTimes(2);
      expect(stsDestroy).toHaveBeenCalledTimes(2);
    } finally {
      process.env = saved;
      orgDestroy.mockRestore();
      stsDestroy.mockRestore();
    }
  });

  it("works without DescribeOrganization (organizationId is then unknown)", async () => {
    const org = defaultOrg();
    org.describeOrganizationDenied = true;
    const { discover } = await serve(org);
    const sel = await discover();
    expect(sel.organizationId).toBeUndefined();
    expect(sel.selected.map((a) => a.id)).toEqual(DEFAULT_ACTIVE_ACCOUNT_IDS);
  });

  it("scales to 5,000 accounts without quadratic work", async () => {
    const org = new FakeOrganization({ pageSize: 20 });
    org.addOu("ou-ab12-bigbigbig", "Big");
    const ids = org.addManyAccounts(5000, "ou-ab12-bigbigbig");
    org.addAccount({ id: MANAGEMENT_ACCOUNT_ID, name: "management" });
    const { discover, calls } = await serve(org);
    const started = Date.now();
    const sel = await discover({ exclude: ids.slice(0, 100), shard: { index: 3, count: 8 } });
    expect(calls("ListAccounts")).toHaveLength(Math.ceil(5001 / 20));
    expect(sel.skipped).toHaveLength(100);
    expect(sel.selected.length + sel.otherShards).toBe(4901);
    expect(sel.selected.length).toBeGreaterThan(4901 / 8 - 150);
    expect(sel.selected.length).toBeLessThan(4901 / 8 + 150);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});

describe("discoverAccounts: filters", () => {
  it("include selects exactly the listed accounts", async () => {
    const { discover, calls } = await serve();
    const sel = await discover({ include: ["333333333302", HUB_ACCOUNT_ID, "333333333301"] });
    expect(sel.selected.map((a) => a.id)).toEqual([HUB_ACCOUNT_ID, "333333333301", "333333333302"]);
    expect(sel.skipped).toEqual([]);
    expect(calls("ListAccountsForParent")).toHaveLength(0);
  });

  it("an included account that is not ACTIVE is skipped with its status", async () => {
    const { discover } = await serve();
    const sel = await discover({ include: ["333333333301", "666666666601"] });
    expect(sel.selected.map((a) => a.id)).toEqual(["333333333301"]);
    expect(sel.skipped).toEqual([
      { id: "666666666601", name: "suspended-1", reason: "status SUSPENDED, cannot be reached" },
    ]);
  });

  it("organizationalUnits collect accounts recursively, through every page of both list APIs", async () => {
    const { discover, calls } = await serve(defaultOrg({ pageSize: 2 }));
    const sel = await discover({ organizationalUnits: [OU.workloads] });
    const active = DEFAULT_OU_ACCOUNTS.workloads.filter((id) => DEFAULT_ACTIVE_ACCOUNT_IDS.includes(id));
    expect(sel.selected.map((a) => a.id)).toEqual(active);
    expect(sel.selected.map((a) => a.id)).toEqual(
      expect.arrayContaining([...DEFAULT_OU_ACCOUNTS.prodPayments]),
    );
    expect(sel.skipped.map((s) => s.id)).toEqual(["444444444433", "444444444451"]);
    // Every OU under workloads was read, and paged lists were followed.
    const parents = new Set(calls("ListChildren").map((r) => r.params.ParentId));
    expect(parents).toEqual(
      new Set([
        OU.workloads,
        OU.production,
        OU.prodTeamA,
        OU.prodPayments,
        OU.prodTeamB,
        OU.development,
        OU.devTeamA,
        OU.devTeamB,
      ]),
    );
    expect(calls("ListAccountsForParent").filter((r) => r.params.ParentId === OU.prodTeamA)).toHaveLength(2);
    expect(calls("ListChildren").filter((r) => r.params.ParentId === OU.production)).toHaveLength(1);
    expect(calls("ListChildren").filter((r) => r.params.ParentId === OU.workloads)).toHaveLength(1);
    expect(calls("ListChildren").every((r) => r.params.ChildType === "ORGANIZATIONAL_UNIT")).toBe(true);
  });

  it("follows ListChildren pages", async () => {
    const org = defaultOrg({ pageSize: 2 });
    const { discover, calls } = await serve(org);
    const sel = await discover({ organizationalUnits: [OU.root] });
    expect(sel.selected.map((a) => a.id)).toEqual(DEFAULT_ACTIVE_ACCOUNT_IDS);
    // The root has 6 OUs: 3 pages of 2.
    expect(calls("ListChildren").filter((r) => r.params.ParentId === OU.root)).toHaveLength(3);
  });

  it("the root ID selects the whole organization", async () => {
    const { discover } = await serve();
    const whole = await discover();
    expect(await discover({ organizationalUnits: [OU.root] })).toEqual(whole);
  });

  it("nested or repeated OUs are read once and give no duplicates", async () => {
    const { discover, calls } = await serve();
    const sel = await discover({ organizationalUnits: [OU.prodTeamA, OU.workloads, OU.prodTeamA] });
    const ids = sel.selected.map((a) => a.id);
    expect(new Set(ids).size).toBe(ids.length);
    const reads = calls("ListChildren").map((r) => r.params.ParentId);
    expect(new Set(reads).size).toBe(reads.length);
  });

  it("include and organizationalUnits are a union", async () => {
    const { discover } = await serve();
    const sel = await discover({
      include: [HUB_ACCOUNT_ID, "444444444441"],
      organizationalUnits: [OU.sandbox],
    });
    expect(sel.selected.map((a) => a.id)).toEqual(
      [HUB_ACCOUNT_ID, "444444444441", ...DEFAULT_OU_ACCOUNTS.sandbox].sort(),
    );
  });

  it("exclude removes accounts and lists them as skipped, before the status check", async () => {
    const { discover } = await serve();
    const sel = await discover({ exclude: ["555555555502", "666666666601"] });
    expect(sel.selected.map((a) => a.id)).toEqual(
      DEFAULT_ACTIVE_ACCOUNT_IDS.filter((id) => id !== "555555555502"),
    );
    const reason = Object.fromEntries(sel.skipped.map((s) => [s.id, s.reason]));
    expect(reason["555555555502"]).toBe("excluded by accounts.exclude");
    expect(reason["666666666601"]).toBe("excluded by accounts.exclude");
  });

  it("exclude applies to include and OU selections too", async () => {
    const { discover } = await serve();
    const sel = await discover({
      include: ["333333333301", "333333333302"],
      organizationalUnits: [OU.security],
      exclude: ["333333333302", HUB_ACCOUNT_ID],
    });
    expect(sel.selected.map((a) => a.id)).toEqual(["222222222223", "222222222224", "333333333301"]);
    expect(sel.skipped.map((s) => s.id)).toEqual([HUB_ACCOUNT_ID, "333333333302"]);
  });

  it("warns about an exclude entry that is not in the organization", async () => {
    const { discover } = await serve();
    const sel = await discover({ exclude: ["999999999999"] });
    expect(sel.warnings).toEqual([
      `accounts.exclude: 999999999999 is not an account of this organization (${ORG_ID}); the entry has no effect.`,
    ]);
    expect(sel.selected.map((a) => a.id)).toEqual(DEFAULT_ACTIVE_ACCOUNT_IDS);
  });
});

describe("discoverAccounts: shards", () => {
  it("the n shards partition the selection, for n = 1..8", async () => {
    const { discover } = await serve();
    const whole = (await discover()).selected.map((a) => a.id);
    for (let count = 1; count <= 8; count++) {
      const seen = new Map<string, number>();
      for (let index = 1; index <= count; index++) {
        const sel = await discover({ shard: { index, count } });
        const ids = sel.selected.map((a) => a.id);
        expect(sel.selected.length + sel.otherShards).toBe(whole.length);
        expect(sel.skipped.map((s) => s.id)).toEqual(SUSPENDED_ETC);
        for (const id of ids) {
          expect(seen.has(id), `${id} in shards ${seen.get(id)} and ${index} of ${count}`).toBe(false);
          seen.set(id, index);
          expect(shardOf(id, count)).toBe(index);
        }
      }
      expect([...seen.keys()].sort()).toEqual(whole);
    }
  });

  it("adding accounts never moves existing ones to another shard", async () => {
    const before = defaultOrg();
    const after = defaultOrg();
    after.addOu("ou-ab12-newteamxx", "New team", OU.workloads);
    after.addManyAccounts(40, "ou-ab12-newteamxx", 100000000000);
    after.addManyAccounts(5, OU.sandbox, 10000000);
    const a = await serve(before);
    const b = await serve(after);
    const shard: Shard = { index: 2, count: 3 };
    const selA = (await a.discover({ shard })).selected.map((x) => x.id);
    const selB = (await b.discover({ shard })).selected.map((x) => x.id);
    expect(selB).toEqual(expect.arrayContaining(selA));
    for (const id of selB.filter((id) => !selA.includes(id)))
      expect(after.accounts.has(id) && !before.accounts.has(id)).toBe(true);
  });
});

describe("shardOf", () => {
  const ids = Array.from({ length: 5000 }, (_, i) => String(100000000000 + i * 7919).padStart(12, "0"));

  it("returns 1..count and depends only on the account id", () => {
    for (const count of [1, 2, 3, 8, 50]) {
      for (const id of ids.slice(0, 500)) {
        const s = shardOf(id, count);
        expect(s).toBeGreaterThanOrEqual(1);
        expect(s).toBeLessThanOrEqual(count);
        expect(shardOf(id, count)).toBe(s);
        expect(inShard(id, { index: s, count })).toBe(true);
      }
    }
    expect(ids.every((id) => shardOf(id, 1) === 1)).toBe(true);
  });

  it("spreads accounts evenly", () => {
    const counts = new Array<number>(8).fill(0);
    for (const id of ids) counts[shardOf(id, 8) - 1]!++;
    for (const c of counts) expect(Math.abs(c - 625)).toBeLessThan(100);
  });

  it("growing from n to n+1 shards only moves accounts into the new shard", () => {
    for (let n = 1; n < 8; n++) {
      let moved = 0;
      for (const id of ids) {
        const before = shardOf(id, n);
        const after = shardOf(id, n + 1);
        if (before !== after) {
          expect(after).toBe(n + 1);
          moved++;
        }
      }
      expect(Math.abs(moved - ids.length / (n + 1))).toBeLessThan(ids.length / (n + 1) / 4);
    }
  });

  it("rejects a bad count", () => {
    expect(() => shardOf("111111111111", 0)).toThrow(RangeError);
  });
});

describe("discoverAccounts: errors", () => {
  it("an included account that is not in the organization", async () => {
    const { discover } = await serve();
    const err = await failure(discover({ include: ["111122223333", HUB_ACCOUNT_ID] }));
    expect(err.message).toContain("accounts.include: 111122223333 is not an account of this organization");
    expect(err.message).toContain("Remove the ID from accounts.include or correct it");
    const two = await failure(discover({ include: ["111122223334", "111122223333"] }));
    expect(two.message).toContain(
      "accounts.include: 111122223333, 111122223334 are not accounts of this organization",
    );
  });

  it("an unknown OU is named", async () => {
    const { discover } = await serve();
    const err = await failure(discover({ organizationalUnits: [OU.security, "ou-ab12-doesnotexist"] }));
    expect(err.message).toContain(
      "organizationalUnits: ou-ab12-doesnotexist is not an organizational unit or root",
    );
    expect(err.message).toContain("ParentNotFoundException");
  });

  it("an empty selection says which filters emptied it", async () => {
    const { discover } = await serve();
    const empty = await failure(discover({ organizationalUnits: [OU.empty] }));
    expect(empty.message).toContain(`No account selected: organizationalUnits ${OU.empty} give 0 accounts`);

    const allSuspended = await failure(discover({ organizationalUnits: [OU.suspended] }));
    expect(allSuspended.message).toContain("give 3 accounts; 3 of the rest are not ACTIVE");

    const excluded = await failure(
      discover({ include: ["333333333301", "666666666601"], exclude: ["333333333301"] }),
    );
    expect(excluded.message).toContain(
      "accounts.include (2 IDs) give 2 accounts; accounts.exclude removes 1; 1 of the rest is not ACTIVE",
    );
    expect(excluded.message).toContain("shorten accounts.exclude");

    const org = new FakeOrganization();
    org.addAccount({ id: MANAGEMENT_ACCOUNT_ID, name: "management" });
    const lonely = await serve(org);
    const index = shardOf(MANAGEMENT_ACCOUNT_ID, 2) === 1 ? 2 : 1;
    // An empty shard deploys nothing and says so, rather than blocking the stack.
    const shard = await lonely.discover({ shard: { index, count: 2 } });
    expect(shard.selected).toEqual([]);
    expect(shard.otherShards).toBe(1);
    expect(shard.warnings).toContain(
      `shard ${index}/2 holds none of the 1 selected account; this stack watches nothing. ` +
        "Use fewer shards, or remove this spoke stack.",
    );
  });

  it("access denied names the credentials and permissions needed", async () => {
    const org = defaultOrg();
    org.organizationsMode = "access-denied";
    const { discover } = await serve(org);
    const err = await failure(discover());
    expect(err.message).toContain("organizations:ListAccounts was denied (AccessDeniedException");
    expect(err.message).toContain(
      "credentials of the organization's management account, or of a delegated administrator for AWS Organizations",
    );
    for (const p of [
      "organizations:ListAccounts",
      "organizations:ListAccountsForParent",
      "organizations:ListChildren",
      "sts:GetCallerIdentity",
    ]) {
      expect(err.message).toContain(p);
    }
  });

  it("an account outside any organization", async () => {
    const org = defaultOrg();
    org.organizationsMode = "not-in-use";
    const { discover } = await serve(org);
    const err = await failure(discover());
    expect(err.message).toContain("is not a member of an organization (AWSOrganizationsNotInUseException)");
    expect(err.message).toContain("management account");
  });

  it("other SDK errors are wrapped with context, not swallowed", async () => {
    const { aws, discover } = await serve();
    aws.on("organizations:ListAccountsForParent", () => {
      throw new FakeAwsError("ConstraintViolationException", "something odd");
    });
    const err = await failure(discover({ organizationalUnits: [OU.security] }));
    expect(err.message).toBe(
      `organizations:ListAccountsForParent for ${OU.security} failed: ConstraintViolationException: something odd`,
    );
    expect((err as { cause?: unknown }).cause).toBeDefined();

    aws.on("organizations:ListAccounts", () => {
      throw new FakeAwsError("ConstraintViolationException", "page trouble");
    });
    expect((await failure(discover())).message).toBe(
      "organizations:ListAccounts failed: ConstraintViolationException: page trouble",
    );
  });

  it("a failing GetCallerIdentity is reported", async () => {
    const { aws, discover } = await serve();
    aws.on("sts:GetCallerIdentity", () => {
      throw new FakeAwsError("ExpiredToken", "The security token included in the request is expired", 403);
    });
    const err = await failure(discover());
    expect(err.message).toContain("sts:GetCallerIdentity was denied (ExpiredToken");
  });

  it("is a Pulumi RunError, so pulumi up prints it without a stack trace", async () => {
    const { discover } = await serve();
    const err = await failure(discover({ include: ["111122223333"] }));
    expect(pulumi.RunError.isInstance(err)).toBe(true);
    expect(err).toBeInstanceOf(Error);
  });
});
