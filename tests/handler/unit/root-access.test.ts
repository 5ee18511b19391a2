// Centralized root access (sts:AssumeRoot) and the other ways to root: which records the rules
// forward, how root sessions are attributed to the person who opened them, and how the rootAccess
// attribute routes them. Real-shaped records from tests/fixtures; an in-memory state store.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { describe, expect, it } from "vitest";
import { decide } from "../../../handler/classify/decide";
import { ROOT_ACCESS_VALUES } from "../../../handler/alerts/alertModel";
import { createNotifier } from "../../../handler/notifier";
import { type NotifierDeps } from "../../../handler/support/deps";
import { rootEventPattern } from "../../../handler/classify/rootEvent";
import type { RootSession } from "../../../handler/records";
import type { StateStore } from "../../../handler/state/stateStore";
import { readSubscriptions } from "../../../hub/subscriptions";
import { matchesPattern } from "../../../testkit/eventPattern";
import { readable, type ReadablePublish } from "../../../testkit/published";
import { TESTS_DIR } from "../../../testkit/paths";

const FIXTURES = path.join(TESTS_DIR, "fixtures");
const load = (file: string): Record<string, any> =>
  JSON.parse(fs.readFileSync(path.join(FIXTURES, file), "utf8"));
const fixtureFiles = fs.readdirSync(FIXTURES).filter((f) => f.endsWith(".json"));

const ASSUME = "assumeroot-s3unlockbucketpolicy.json";
const SESSION = "root-session-deletebucketpolicy.json";
const CALLER = "arn:aws:sts::111111111111:assumed-role/RootAccessAdmins/alice";

/** The state store calls a lone alert makes, plus the root-session records, in memory. */
function memoryStore(over: Partial<StateStore> = {}): StateStore & { sessions: Map<string, RootSession> } {
  const sessions = new Map<string, RootSession>();
  const store: Partial<StateStore> = {
    claimEvent: async () => "claimed",
    markEventDone: async () => undefined,
    releaseEvent: async () => undefined,
    noteActivity: async () => undefined,
    putRootSession: async (key, s) => void sessions.set(key, JSON.parse(JSON.stringify(s))),
    getRootSession: async (key) => sessions.get(key),
    ...over,
  };
  return new Proxy(Object.assign(store, { sessions }), {
    get(target, prop) {
      const v = (target as Record<string | symbol, unknown>)[prop];
      if (v === undefined) throw new Error(`unexpected store call ${String(prop)}`);
      return v;
    },
  }) as StateStore & { sessions: Map<string, RootSession> };
}

function harness(over: Partial<NotifierDeps> = {}) {
  const published: ReadablePublish[] = [];
  const logs: Record<string, unknown>[] = [];
  const notifier = createNotifier({
    topicArn: "arn:aws:sns:us-east-1:999999999999:root-alerts",
    publish: async (m) => void published.push(readable(m)),
    lookupAccountName: async (id) => `acct-${id.slice(-4)}`,
    log: (l) => logs.push(l),
    now: () => new Date("2026-03-02T10:02:00Z"),
    ...over,
  });
  return { notifier, published, logs };
}

describe("the rules' pattern on real-shaped records", () => {
  const pattern = rootEventPattern();
  // Envelopes whose source and detail-type are redacted placeholders cannot match any rule.
  const placeholders = fixtureFiles.filter((f) => f.includes("streamalert-envelope"));

  it("forwards exactly the records the notifier alerts on, plus root-typed records of AWS acting alone", () => {
    for (const file of fixtureFiles.filter((f) => !placeholders.includes(f))) {
      const d = decide(load(file));
      // AWS acting as root (e.g. ELB) passes the rules; the notifier skips it with a log line.
      const rootByAws =
        d.decision === "skip" &&
        /AWS service/.test(d.reason) &&
        load(file).detail.userIdentity?.type === "Root";
      expect(matchesPattern(pattern, load(file)), file).toBe(d.decision === "alert" || rootByAws);
    }
  });

  it("forwards AssumeRoot from any region, successful or not, and root-issued federated sessions", () => {
    for (const file of [
      ASSUME,
      "assumeroot-iamcreaterootuserpassword.json", // eu-west-1
      "assumeroot-iamauditrootusercredentials.json", // us-east-1
      "assumeroot-failure-sqsunlockqueuepolicy.json", // ap-southeast-2, AccessDenied
      "assumedrole-assumeroot.json",
      "federateduser-root-issued-putbucketpolicy.json",
    ]) {
      expect(matchesPattern(pattern, load(file)), file).toBe(true);
    }
    const regions = new Set(
      fixtureFiles.filter((f) => f.startsWith("assumeroot-")).map((f) => load(f).region),
    );
    expect(regions.size).toBeGreaterThanOrEqual(4);
  });

  it("leaves AssumeRoot's target-account copy out, and the notifier skips it if it arrives anyway", () => {
    const copy = load("awsaccount-assumeroot-target-copy.json");
    expect(matchesPattern(pattern, copy)).toBe(false);
    const { notifier, published, logs } = harness();
    return notifier.handle(copy).then(() => {
      expect(published).toEqual([]);
      expect(logs.find((l) => l.decision === "skip")?.reason).toBe(
        "userIdentity.type is AWSAccount, not the caller of AssumeRoot",
      );
    });
  });

  it("takes no branch from a forged source: every CloudTrail branch requires aws.*", () => {
    for (const file of [ASSUME, SESSION, "federateduser-root-issued-putbucketpolicy.json"]) {
      const forged = { ...load(file), source: "custom.sts" };
      expect(matchesPattern(pattern, forged), file).toBe(false);
    }
    // Each branch on its own, too: none matches without an aws.* source.
    for (const branch of pattern.$or as Record<string, unknown>[]) {
      const detailTypes = branch["detail-type"] as string[];
      if (!detailTypes.some((t) => t.includes("CloudTrail"))) continue;
      expect(branch.source).toEqual([{ prefix: "aws." }]);
    }
  });
});

describe("root sessions: attribution to the AssumeRoot caller", () => {
  it("a successful AssumeRoot records its session key; the session's action then names the caller", async () => {
    const store = memoryStore();
    const h = harness({ store });
    await h.notifier.handle(load(ASSUME));
    expect(store.sessions.get("ASIAEXAMPLEROOTS3UN1")).toEqual({
      by: CALLER,
      taskPolicy: "S3UnlockBucketPolicy",
      targetAccount: "444455556666",
      at: "2026-03-02T10:00:12Z",
    });
    await h.notifier.handle(load(SESSION));
    const [call, action] = h.published;
    expect(call?.attributes).toMatchObject({
      rootAccess: "assume-root",
      taskPolicy: "S3UnlockBucketPolicy",
      assumedBy: CALLER,
    });
    expect(action?.message).toMatch(
      new RegExp(
        `Access:\\s+root session opened with AssumeRoot by ${CALLER.replace(/[/]/g, "\\/")} \\(task policy S3UnlockBucketPolicy\\) at 2026-03-02 10:00:12 UTC`,
      ),
    );
    expect(action?.message).not.toContain("not attributed");
    expect(action?.attributes).toMatchObject({
      rootAccess: "root-session",
      taskPolicy: "S3UnlockBucketPolicy",
      assumedBy: CALLER,
      accountId: "444455556666",
    });
    expect(action?.doc.access).toEqual({
      type: "root-session",
      by: CALLER,
      taskPolicy: "S3UnlockBucketPolicy",
      targetAccountId: null,
    });
  });

  it("the same action before its AssumeRoot was seen alerts at once, unattributed, with the key to search for", async () => {
    const store = memoryStore();
    const h = harness({ store });
    await h.notifier.handle(load(SESSION));
    expect(h.published).toHaveLength(1);
    expect(h.published[0]?.message).toMatch(
      /Access:\s+temporary root credentials: an AssumeRoot session or a root GetSessionToken; not attributed yet: search the management account's CloudTrail for the AssumeRoot that returned ASIAEXAMPLEROOTS3UN1/,
    );
    expect(h.published[0]?.attributes.rootAccess).toBe("unattributed-root-session");
    expect(h.published[0]?.attributes.assumedBy).toBeUndefined();
  });

  it("a root GetSessionToken session is never attributed: its key comes from no AssumeRoot", async () => {
    const store = memoryStore();
    const h = harness({ store });
    await h.notifier.handle(load("root-getsessiontoken.json"));
    await h.notifier.handle(load("root-session-getsessiontoken-createuser.json"));
    expect(store.sessions.size).toBe(0);
    expect(h.published.map((p) => p.attributes.rootAccess)).toEqual([
      "root-credentials",
      "unattributed-root-session",
    ]);
    expect(h.published[1]?.message).toContain("an AssumeRoot session or a root GetSessionToken");
  });

  it("a failed AssumeRoot records nothing (it issued no key) and still alerts", async () => {
    const store = memoryStore();
    const h = harness({ store });
    await h.notifier.handle(load("assumeroot-failure-sqsunlockqueuepolicy.json"));
    expect(store.sessions.size).toBe(0);
    expect(h.published[0]?.attributes).toMatchObject({ rootAccess: "assume-root", severity: "medium" });
  });

  it("with the state store down, or too slow, both alerts go out unattributed within the state cap", async () => {
    const down = memoryStore({
      putRootSession: async () => Promise.reject(new Error("ProvisionedThroughputExceededException")),
      getRootSession: async () => Promise.reject(new Error("ProvisionedThroughputExceededException")),
    });
    const h = harness({ store: down });
    await h.notifier.handle(load(ASSUME));
    await h.notifier.handle(load(SESSION));
    expect(h.published.map((p) => p.attributes.rootAccess)).toEqual([
      "assume-root",
      "unattributed-root-session",
    ]);
    expect(h.logs.filter((l) => l.msg === "root session attribution failed")).toHaveLength(2);

    const never = () => new Promise<never>(() => undefined);
    const slow = harness({
      store: memoryStore({ getRootSession: never, putRootSession: never }),
      statePhaseCapMs: 50,
    });
    const t0 = Date.now();
    await slow.notifier.handle(load(SESSION));
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(slow.published[0]?.attributes.rootAccess).toBe("unattributed-root-session");
  });

  it("names the AssumeRoot target account by its name, looked up beside the caller's", async () => {
    const lookups: string[] = [];
    const h = harness({ lookupAccountName: async (id) => (lookups.push(id), `acct-${id.slice(-4)}`) });
    await h.notifier.handle(load(ASSUME));
    expect(lookups.sort()).toEqual(["111111111111", "444455556666"]);
    expect(h.published[0]?.message).toMatch(/Target account:\s+acct-6666 \(444455556666\)/);
    expect(h.published[0]?.doc.access).toMatchObject({ targetAccountId: "444455556666", by: CALLER });
  });
});

describe("routing on rootAccess", () => {
  const readme = fs.readFileSync(path.join(TESTS_DIR, "..", "docs", "alerts.md"), "utf8");
  const routing = readme.slice(readme.indexOf("### Routing with filter policies"));
  const yamlBlock = /```yaml\n([^`]*)```/.exec(routing)?.[1] ?? "";
  const subs = readSubscriptions({
    get: (k) =>
      k === "subscriptions"
        ? JSON.stringify(parseYaml(yamlBlock).config["root-activity-monitor:subscriptions"])
        : undefined,
  });
  const policyOf = (endpoint: string) => {
    const sub = subs.find((s) => s.endpoint === endpoint);
    if (!sub?.filterPolicy) throw new Error(`docs/alerts.md routing example lacks ${endpoint}`);
    return sub.filterPolicy;
  };

  async function attributesOf(files: string[]) {
    const h = harness({ store: memoryStore() });
    for (const f of files) await h.notifier.handle(load(f));
    return h.published.map((p) => p.attributes);
  }

  it("every alert carries one of the documented values", async () => {
    const all = await attributesOf([
      "root-consolelogin-success-nomfa.json",
      "federateduser-root-issued-putbucketpolicy.json",
      SESSION,
      ASSUME,
      SESSION,
    ]);
    expect(all.map((a) => a.rootAccess)).toEqual([
      "root-credentials",
      "root-credentials",
      "unattributed-root-session",
      "assume-root",
      "root-session",
    ]);
    for (const v of ROOT_ACCESS_VALUES) expect(readme).toContain(`\`${v}\``);
  });

  it("the docs' filter policies pass validation and split the pager from the root-management channel", async () => {
    const pager = policyOf("https://events.pagerduty.com/integration/YYYY/enqueue");
    const channel = policyOf("root-management@example.com");
    const [credentials, federated, early, call, attributed] = await attributesOf([
      "root-consolelogin-success-nomfa.json",
      "federateduser-root-issued-putbucketpolicy.json",
      SESSION,
      ASSUME,
      SESSION,
    ]);
    const pages = (a: unknown) => matchesPattern(pager, a);
    const posts = (a: unknown) => matchesPattern(channel, a);
    for (const a of [credentials, federated, early]) expect([pages(a), posts(a)]).toEqual([true, false]);
    for (const a of [call, attributed]) expect([pages(a), posts(a)]).toEqual([false, true]);
    // Digests and unreadable events carry no rootAccess: the pager's $or still takes them.
    expect(pages({ kind: "digest", severity: "high" })).toBe(true);
    expect(pages({ kind: "unreadable", severity: "high" })).toBe(true);
  });

  it("refuses a rootAccess value the notifier never sets, and a one-branch $or", () => {
    const read = (filterPolicy: unknown) => () =>
      readSubscriptions({
        get: () => JSON.stringify([{ protocol: "email", endpoint: "a@example.com", filterPolicy }]),
      });
    expect(read({ rootAccess: ["root-sessions"] })).toThrow(
      'subscriptions[0].filterPolicy.rootAccess: "root-sessions" never occurs. Use root-credentials, root-session, unattributed-root-session, assume-root.',
    );
    expect(read({ $or: [{ rootAccess: ["assume-root"] }] })).toThrow(
      "subscriptions[0].filterPolicy.$or must be a list of at least two filter policies.",
    );
    expect(read({ $or: [{ kind: ["alert"] }, { sev: ["high"] }] })).toThrow(
      'subscriptions[0].filterPolicy.$or[1] tests "sev", which the notifier never sets.',
    );
  });
});
