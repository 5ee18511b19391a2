// Lifecycle records (real-shaped, invented values: tests/fixtures/lifecycle) through the real rule
// patterns: the hub's coverage rule, and the spoke's rules in each place they sit. Forged copies
// (any source that is not AWS's own) match nothing; failed calls and failed creations match nothing.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import {
  ALL_LIFECYCLE,
  EVENT_PATTERN_MAX_CHARS,
  lifecycleBranches,
  lifecycleEventPattern,
  readLifecycleEvent,
  withLifecycle,
} from "../../../handler/classify/lifecycleEvent";
import { rootEventPattern } from "../../../handler/classify/rootEvent";
import { lifecycleScope } from "../../../spoke/lifecycleRules";
import { matchesPattern } from "../../../testkit/eventPattern";
import { TESTS_DIR } from "../../../testkit/paths";

const DIR = path.join(TESTS_DIR, "fixtures", "lifecycle");
const load = (f: string): Record<string, any> => JSON.parse(fs.readFileSync(path.join(DIR, f), "utf8"));
const files = fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith(".json"))
  .sort();
const NEGATIVE = ["org-createaccountresult-failed.json", "org-moveaccount-denied.json"];
const POSITIVE = files.filter((f) => !NEGATIVE.includes(f));
const hub = lifecycleEventPattern();
const MGMT = "111111111111";

/** The same record from a source a member account may put on a bus. */
function forged(ev: Record<string, any>, source: string): Record<string, any> {
  return { ...ev, source };
}

describe("lifecycle records through the hub's coverage rule", () => {
  it.each(POSITIVE)("%s matches, and reads as a change", (file) => {
    const ev = load(file);
    expect(matchesPattern(hub, ev)).toBe(true);
    expect(readLifecycleEvent(ev)).toBeDefined();
  });

  it.each(NEGATIVE)("%s (a failure) matches nothing and is no change", (file) => {
    const ev = load(file);
    expect(matchesPattern(hub, ev)).toBe(false);
    expect(readLifecycleEvent(ev)).toBeUndefined();
  });

  it.each(POSITIVE)("a forged copy of %s matches nothing", (file) => {
    const ev = load(file);
    for (const source of ["acme.organizations", "organizations", "custom", "awsx.account", "aws"]) {
      expect(matchesPattern(hub, forged(ev, source)), source).toBe(false);
      expect(readLifecycleEvent(forged(ev, source)), source).toBeUndefined();
    }
  });

  it("takes every branch from AWS's own sources", () => {
    for (const branch of lifecycleBranches(ALL_LIFECYCLE)) {
      const sources = (branch as { source: string[] }).source;
      for (const s of sources) expect(s.startsWith("aws.")).toBe(true);
    }
  });

  it("is not root activity: the notifier's rule takes none of them", () => {
    for (const f of files) expect(matchesPattern(rootEventPattern(), load(f)), f).toBe(false);
  });
});

describe("reading a lifecycle record", () => {
  it("finds the account, its name, where it went and how", () => {
    expect(readLifecycleEvent(load("org-createaccountresult-succeeded.json"))).toMatchObject({
      kind: "created",
      accountId: "444455556666",
      eventName: "CreateAccountResult",
      envelopeId: "8d2f6a1c-0001-4e6b-9a7d-2c3b4a5f6e01",
    });
    // CloudTrail redacts the name as ****: no name rather than a row of stars.
    expect(readLifecycleEvent(load("org-createaccountresult-succeeded.json"))?.accountName).toBeUndefined();
    expect(readLifecycleEvent(load("org-accountjoined-created.json"))).toMatchObject({
      kind: "created",
      accountId: "444455556666",
      method: "Created",
    });
    expect(readLifecycleEvent(load("org-accountjoined-invited.json"))).toMatchObject({
      kind: "invited",
      accountId: "777788889999",
    });
    expect(readLifecycleEvent(load("org-moveaccount.json"))).toMatchObject({
      kind: "moved",
      accountId: "555566667777",
      parentId: "ou-a1b2-prodwork1",
      previousParentId: "r-a1b2",
    });
    expect(readLifecycleEvent(load("org-accountdeparted-removed.json"))).toMatchObject({
      kind: "departed",
      accountId: "222233334444",
      method: "Removed",
    });
    expect(readLifecycleEvent(load("org-removeaccount.json"))).toMatchObject({ kind: "departed" });
    expect(readLifecycleEvent(load("org-closeaccount.json"))).toMatchObject({
      kind: "closed",
      accountId: "333344445555",
    });
    expect(readLifecycleEvent(load("ct-createmanagedaccount.json"))).toMatchObject({
      kind: "created",
      accountId: "666677778888",
      accountName: "payments-staging",
      parentId: "ou-a1b2-workload1",
    });
    expect(readLifecycleEvent(load("ct-updatemanagedaccount.json"))).toMatchObject({
      kind: "moved",
      accountId: "888899990000",
      parentId: "ou-a1b2-sandbox1",
    });
    expect(readLifecycleEvent(load("account-enableregion.json"))).toMatchObject({
      kind: "region-enabled",
      accountId: "444455556666",
      region: "af-south-1",
    });
    // The management account enabling a region for a member: the member is the account.
    expect(readLifecycleEvent(load("account-enableregion-formember.json"))).toMatchObject({
      accountId: "555566667777",
      region: "eu-south-2",
    });
  });

  it("treats an account it cannot find as some account, not as no event", () => {
    const change = readLifecycleEvent(load("org-accountjoined-unreadable.json"));
    expect(change).toMatchObject({ kind: "joined", eventName: "AccountJoinedOrganization" });
    expect(change?.accountId).toBeUndefined();
  });

  it("reads the account from other places an unpublished record may keep it", () => {
    const ev = load("org-accountjoined-unreadable.json");
    for (const [where, detail] of [
      ["serviceEventDetails.accountId", { serviceEventDetails: { accountId: "121212121212" } }],
      ["requestParameters.accountId", { requestParameters: { accountId: "121212121212" } }],
      ["responseElements.account.id", { responseElements: { account: { id: "121212121212" } } }],
    ] as const) {
      const change = readLifecycleEvent({ ...ev, detail: { ...ev.detail, ...detail } });
      expect(change?.accountId, where).toBe("121212121212");
    }
  });
});

describe("the spoke's lifecycle rules, where each one sits", () => {
  const scoped = (account: string, region: string, ctHome?: string) =>
    lifecycleBranches(
      lifecycleScope(
        { managementAccountId: MGMT, ...(ctHome ? { controlTowerHomeRegion: ctHome } : {}) },
        account,
        region,
      ),
    );
  const matches = (branches: Record<string, unknown>[], ev: unknown) =>
    branches.length > 0 && matchesPattern({ $or: branches }, ev);

  it("forwards Organizations' records from the management account's us-east-1 only", () => {
    for (const f of POSITIVE.filter((f) => f.startsWith("org-"))) {
      expect(matches(scoped(MGMT, "us-east-1"), load(f)), f).toBe(true);
      expect(matches(scoped(MGMT, "eu-west-1"), load(f)), f).toBe(false);
      expect(matches(scoped("444455556666", "us-east-1"), load(f)), f).toBe(false);
    }
  });

  it("forwards Control Tower's records from the management account's home region", () => {
    const ev = load("ct-createmanagedaccount.json");
    expect(matches(scoped(MGMT, "eu-west-1", "eu-west-1"), ev)).toBe(true);
    expect(matches(scoped(MGMT, "us-east-1", "eu-west-1"), ev)).toBe(false);
    expect(matches(scoped(MGMT, "eu-west-1"), ev)).toBe(false);
    expect(scoped("444455556666", "eu-west-1", "eu-west-1")).toEqual([]);
  });

  it("forwards region opt-ins from every watched account's us-east-1", () => {
    for (const account of [MGMT, "444455556666"]) {
      expect(matches(scoped(account, "us-east-1"), load("account-enableregion.json"))).toBe(true);
      expect(scoped(account, "eu-west-1")).toEqual([]);
    }
  });

  it("keeps every pattern within EventBridge's default size", () => {
    for (const account of [MGMT, "444455556666"])
      for (const region of ["us-east-1", "eu-west-1"]) {
        const branches = scoped(account, region, "eu-west-1");
        if (branches.length)
          expect(JSON.stringify({ $or: branches }).length).toBeLessThan(EVENT_PATTERN_MAX_CHARS);
      }
    expect(JSON.stringify(hub).length).toBeLessThan(EVENT_PATTERN_MAX_CHARS);
  });

  it("adds branches to an $or pattern, and refuses any other", () => {
    const base = { $or: [{ source: ["aws.signin"] }] };
    expect(withLifecycle(base, ALL_LIFECYCLE).$or).toHaveLength(1 + lifecycleBranches(ALL_LIFECYCLE).length);
    expect(withLifecycle(base, { organizations: false, controlTower: false, regionOptIn: false })).toBe(base);
    expect(() => withLifecycle({ source: ["x"] }, ALL_LIFECYCLE)).toThrow(/only of \$or/);
  });
});
