// The coverage report against the fake organization: what spoke outputs claim vs what the
// organization has now (accounts created, suspended or excluded since the last deployment).
import * as fs from "node:fs";
import * as path from "node:path";
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { STSClient } from "@aws-sdk/client-sts";
import { describe, expect, it, vi } from "vitest";
import { main } from "../../scripts/coverage";
import { formatMarkdown, formatTable } from "../../scripts/coverage/report";
import { runCoverage } from "../../scripts/coverage/run";
import { parseSpokeOutputs } from "../../scripts/coverage/spokeOutputs";
import type { CoverageDeps } from "../../scripts/coverage/types";
import { stackNames } from "../../scripts/shared/stackFiles";
import { readSpokeConfig } from "../../spoke/config";
import { discoverAccounts } from "../../spoke/discovery";
import {
  ACCOUNTS_WITHOUT_ROLE,
  DEFAULT_ACCOUNT_IDS,
  DEFAULT_ACTIVE_ACCOUNT_IDS,
  DEFAULT_OU_ACCOUNTS,
  defaultOrg,
  fakeClientConfig,
  HUB_BUS_ARN,
  OU,
  startFakeOrganization,
  type FakeOrganization,
} from "../../testkit/fakeOrganization";
import { runScript } from "../../testkit/runScript";
import { useScratch } from "../../testkit/scratch";
import { TESTS_DIR } from "../../testkit/paths";

const ROOT = path.resolve(TESTS_DIR, "..");
const REGIONS = ["us-east-1", "eu-west-1"];
const INACTIVE = DEFAULT_ACCOUNT_IDS.filter((id) => !DEFAULT_ACTIVE_ACCOUNT_IDS.includes(id));
const { running, tmpDir } = useScratch("coverage");

type Config = Record<string, unknown>;
const BASE: Config = {
  hubEventBusArn: HUB_BUS_ARN,
  regions: REGIONS,
  accounts: { exclude: ACCOUNTS_WITHOUT_ROLE },
};

function writeStack(dir: string, stack: string, config: Config, role = "spoke"): void {
  const lines = ["config:", "  aws:region: us-east-1", `  root-activity-monitor:role: ${role}`];
  for (const [k, v] of Object.entries(config))
    lines.push(`  root-activity-monitor:${k}: ${JSON.stringify(v)}`);
  fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), lines.join("\n") + "\n");
}

async function fake(org: FakeOrganization) {
  const { aws, env } = await startFakeOrganization(org);
  running.push(aws);
  const cfg = fakeClientConfig(aws.url);
  const clients = { organizations: new OrganizationsClient(cfg), sts: new STSClient(cfg) };
  return { aws, env, clients };
}

/** The outputs `pulumi up` of a spoke with `config` would have produced against `org` now (spoke/index.ts). */
async function deployedOutputs(org: FakeOrganization, config: Config): Promise<Record<string, unknown>> {
  const { clients } = await fake(org);
  const cfg = readSpokeConfig({
    get: (k) =>
      config[k] === undefined
        ? undefined
        : typeof config[k] === "string"
          ? (config[k] as string)
          : JSON.stringify(config[k]),
  });
  const selection = await discoverAccounts({
    include: cfg.include,
    exclude: cfg.exclude,
    organizationalUnits: cfg.organizationalUnits,
    shard: cfg.shard,
    clients,
  });
  return {
    role: "spoke",
    coverage: selection.selected.map((a) => ({ id: a.id, name: a.name, regions: cfg.regions })),
    skipped: selection.skipped,
  };
}

async function report(
  org: FakeOrganization,
  stacks: Record<string, { config: Config; outputs: Record<string, unknown> }>,
  scope: "organization" | "stacks" = "stacks",
) {
  const dir = tmpDir();
  for (const [name, s] of Object.entries(stacks)) writeStack(dir, name, s.config);
  const { aws, clients } = await fake(org);
  const deps: CoverageDeps = {
    clients,
    cloudTrail: (region, credentials) =>
      new CloudTrailClient({ ...fakeClientConfig(aws.url, region), ...(credentials ? { credentials } : {}) }),
    stackOutputs: async (stack) => {
      const s = stacks[stack];
      if (!s) throw new Error(`no outputs for ${stack}`);
      return s.outputs;
    },
  };
  const run = await runCoverage({ stacks: Object.keys(stacks), scope, dir }, deps);
  const ids = (status: string) => run.report.rows.filter((r) => r.status === status).map((r) => r.accountId);
  return { ...run, aws, ids, row: (id: string) => run.report.rows.find((r) => r.accountId === id) };
}

describe("coverage report", () => {
  it("sorts every account into covered, excluded and suspended when the outputs are current", async () => {
    const outputs = await deployedOutputs(defaultOrg(), BASE);
    const { report: r, ids, row } = await report(defaultOrg(), { "spoke-all": { config: BASE, outputs } });
    expect(r.ok).toBe(true);
    expect(ids("missing")).toEqual([]);
    expect(ids("excluded")).toEqual(ACCOUNTS_WITHOUT_ROLE);
    expect(ids("suspended")).toEqual(INACTIVE);
    expect(ids("covered")).toEqual(
      DEFAULT_ACTIVE_ACCOUNT_IDS.filter((id) => !ACCOUNTS_WITHOUT_ROLE.includes(id)),
    );
    expect(row("555555555502")).toMatchObject({
      name: "invited-legacy",
      detail: "excluded by accounts.exclude (spoke-all)",
    });
    expect(row("666666666601")?.detail).toBe("status SUSPENDED, cannot be reached");
    expect(row("444444444411")).toMatchObject({
      stacks: ["spoke-all"],
      expectedRegions: REGIONS,
      missingRegions: [],
    });
    expect(r.counts).toEqual({
      covered: DEFAULT_ACTIVE_ACCOUNT_IDS.length - 2,
      missing: 0,
      excluded: 2,
      suspended: INACTIVE.length,
    });
  });

  it("reports an account created since the last deployment as missing, with the stack to update", async () => {
    const outputs = await deployedOutputs(defaultOrg(), BASE);
    const org = defaultOrg();
    org.addAccount({ id: "444444444499", name: "new-team", parentId: OU.devTeamA });
    const { report: r, ids, row } = await report(org, { "spoke-all": { config: BASE, outputs } });
    expect(r.ok).toBe(false);
    expect(ids("missing")).toEqual(["444444444499"]);
    expect(row("444444444499")).toMatchObject({
      name: "new-team",
      stacks: ["spoke-all"],
      missingRegions: REGIONS,
      detail:
        "not in the outputs of spoke-all (created or moved since the last deployment): run pulumi up on spoke-all",
    });
    // Missing rows come first.
    expect(r.rows[0]?.accountId).toBe("444444444499");
  });

  it("reports regions added to the config since the last deployment", async () => {
    const outputs = await deployedOutputs(defaultOrg(), BASE);
    const config = { ...BASE, regions: [...REGIONS, "ap-south-1"] };
    const { report: r, ids, row } = await report(defaultOrg(), { "spoke-all": { config, outputs } });
    expect(ids("missing")).toHaveLength(DEFAULT_ACTIVE_ACCOUNT_IDS.length - 2);
    expect(row("444444444411")).toMatchObject({ missingRegions: ["ap-south-1"] });
    expect(row("444444444411")?.detail).toContain("region ap-south-1 is not in the outputs of spoke-all");
    expect(formatTable(r)).toMatch(
      /MISSING\s+444444444411\s+prod-a-web\s+spoke-all\s+2\/3\s+region ap-south-1/,
    );
  });

  it("counts an account suspended since the deployment as suspended, not covered", async () => {
    const outputs = await deployedOutputs(defaultOrg(), BASE);
    const org = defaultOrg();
    Object.assign(org.accounts.get("444444444412") as object, { status: "SUSPENDED", state: "SUSPENDED" });
    const { ids, row } = await report(org, { "spoke-all": { config: BASE, outputs } });
    expect(ids("suspended")).toContain("444444444412");
    expect(row("444444444412")?.detail).toBe(
      "status SUSPENDED, cannot be reached; still in the coverage of spoke-all until its next pulumi up removes its rules",
    );
  });

  it("reads one organization listing for every shard, and finds the shards complete", async () => {
    const a = { ...BASE, shard: "1/2" };
    const b = { ...BASE, shard: "2/2" };
    const org = defaultOrg();
    const stacks = {
      "spoke-1of2": { config: a, outputs: await deployedOutputs(defaultOrg(), a) },
      "spoke-2of2": { config: b, outputs: await deployedOutputs(defaultOrg(), b) },
    };
    const { report: r, aws, ids, row } = await report(org, stacks, "organization");
    expect(r.ok).toBe(true);
    expect(ids("covered")).toHaveLength(DEFAULT_ACTIVE_ACCOUNT_IDS.length - 2);
    const shards = new Set(r.rows.filter((x) => x.status === "covered").map((x) => x.stacks.join()));
    expect(shards).toEqual(new Set(["spoke-1of2", "spoke-2of2"]));
    expect(row("555555555503")?.detail).toBe(
      "excluded by accounts.exclude (spoke-1of2); excluded by accounts.exclude (spoke-2of2)",
    );
    // Three discoveries (organization + 2 shards), one listing.
    expect(aws.requests.filter((q) => q.operation === "ListAccounts")).toHaveLength(org.listAccountsPages());
    expect(aws.requests.filter((q) => q.operation === "GetCallerIdentity")).toHaveLength(1);
  });

  it("organization-wide, counts accounts that no stack selects as missing", async () => {
    const config = { hubEventBusArn: HUB_BUS_ARN, regions: REGIONS, organizationalUnits: [OU.workloads] };
    const outputs = await deployedOutputs(defaultOrg(), config);
    const all = await report(defaultOrg(), { "spoke-workloads": { config, outputs } }, "organization");
    const outside = DEFAULT_ACTIVE_ACCOUNT_IDS.filter((id) => !DEFAULT_OU_ACCOUNTS.workloads.includes(id));
    expect(all.ids("missing")).toEqual(outside);
    expect(all.row("222222222222")?.detail).toMatch(/^selected by no spoke stack/);

    // For the stack alone, only its own selection counts.
    const one = await report(defaultOrg(), { "spoke-workloads": { config, outputs } }, "stacks");
    expect(one.report.ok).toBe(true);
    expect(one.report.rows.map((x) => x.accountId)).toEqual(
      expect.arrayContaining([...DEFAULT_OU_ACCOUNTS.workloads]),
    );
    expect(one.report.rows).toHaveLength(DEFAULT_OU_ACCOUNTS.workloads.length);
  });

  it("reports every account of a never-deployed stack as missing", async () => {
    const { ids, row } = await report(defaultOrg(), { "spoke-new": { config: BASE, outputs: {} } });
    expect(ids("missing")).toHaveLength(DEFAULT_ACTIVE_ACCOUNT_IDS.length - 2);
    expect(row("333333333301")?.detail).toBe(
      "spoke-new has no outputs (never deployed): run pulumi up on spoke-new",
    );
  });

  it("prints Markdown with the missing rows first and table cells escaped", async () => {
    const outputs = await deployedOutputs(defaultOrg(), BASE);
    const org = defaultOrg();
    org.addAccount({ id: "444444444499", name: "a|b team", parentId: OU.devTeamA });
    const { report: r } = await report(org, { "spoke-all": { config: BASE, outputs } });
    const markdown = formatMarkdown(r).split("\n");
    expect(markdown[0]).toBe("### Root-activity monitor coverage");
    expect(markdown[2]).toMatch(
      /^\*\*1 missing\*\*, \d+ covered, 2 excluded, \d+ suspended \(\d+ accounts; stacks: spoke-all\)\.$/,
    );
    expect(markdown[4]).toBe("| status | account | name | stack | regions | detail |");
    expect(markdown[6]).toMatch(
      /^\| \*\*missing\*\* \| `444444444499` \| a\\\|b team \| spoke-all \| 0\/2 \| not in the outputs/,
    );
    expect(markdown).toHaveLength(6 + r.rows.length);
  });
});

describe("spoke outputs", () => {
  it("accepts the spoke program's shape and rejects others with the field to fix", () => {
    const ok = parseSpokeOutputs(
      { role: "spoke", coverage: [{ id: "111111111111", name: "m", regions: ["us-east-1"] }], skipped: [] },
      "x.json",
    );
    expect(ok).toEqual({
      deployed: true,
      coverage: [{ id: "111111111111", name: "m", regions: ["us-east-1"] }],
      skipped: [],
    });
    expect(parseSpokeOutputs({}, "x.json").deployed).toBe(false);
    expect(() => parseSpokeOutputs({ role: "hub", eventBusArn: HUB_BUS_ARN }, "x.json")).toThrow(
      "x.json: these are the outputs of a hub stack",
    );
    expect(() => parseSpokeOutputs({ role: "spoke" }, "x.json")).toThrow("x.json: no coverage output");
    expect(() => parseSpokeOutputs({ coverage: {} }, "x.json")).toThrow("x.json: coverage must be a list");
    expect(() => parseSpokeOutputs({ coverage: [{ id: 1 }] }, "x.json")).toThrow(
      "x.json: coverage[0].id must be a 12-digit account ID, got 1.",
    );
    expect(() =>
      parseSpokeOutputs({ coverage: [{ id: "111111111111", regions: "us-east-1" }] }, "x.json"),
    ).toThrow("x.json: coverage[0].regions must be a list of region names.");
  });

  it("finds stacks, not templates or deployment settings", () => {
    expect(stackNames(ROOT)).toContain("hub");
    expect(stackNames(ROOT)).not.toContain("spoke-template");
    expect(stackNames(ROOT).some((n) => n.endsWith(".deploy"))).toBe(false);
  });
});

describe("coverage CLI", () => {
  const run = (args: string[], env: Record<string, string>) => runScript("scripts/coverage.ts", args, env);

  it("--all reads every spoke stack file and exits 1 with Markdown when an account is missing", async () => {
    const dir = tmpDir();
    const outputsDir = tmpDir();
    const a = { ...BASE, shard: "1/2" };
    const b = { ...BASE, shard: "2/2" };
    writeStack(dir, "spoke-1of2", a);
    writeStack(dir, "spoke-2of2", b);
    writeStack(dir, "spoke-template", { regions: ["not-a-region"] }); // a template: never read
    writeStack(dir, "hub", { notificationEmails: ["a@example.com"] }, "hub");
    fs.writeFileSync(path.join(dir, "Pulumi.spoke-1of2.deploy.yaml"), "settings: {}\n");
    const outA = await deployedOutputs(defaultOrg(), a);
    const outB = await deployedOutputs(defaultOrg(), b);
    fs.writeFileSync(path.join(outputsDir, "spoke-1of2.json"), JSON.stringify(outA));
    fs.writeFileSync(path.join(outputsDir, "spoke-2of2.json"), JSON.stringify(outB));

    const { env } = await fake(defaultOrg());
    const good = await run(["--all", "--dir", dir, "--outputs-dir", outputsDir], env);
    expect(good.stderr).toBe("");
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/^STATUS\s+ACCOUNT\s+NAME\s+STACK\s+REGIONS\s+DETAIL$/m);
    expect(good.stdout).toContain(
      `${DEFAULT_ACCOUNT_IDS.length} accounts: ${DEFAULT_ACTIVE_ACCOUNT_IDS.length - 2} covered, 0 missing, 2 excluded`,
    );

    const dropped = (outB.coverage as { id: string }[])[0]?.id as string;
    fs.writeFileSync(
      path.join(outputsDir, "spoke-2of2.json"),
      JSON.stringify({ ...outB, coverage: (outB.coverage as { id: string }[]).slice(1) }),
    );
    const bad = await run(["--all", "--dir", dir, "--outputs-dir", outputsDir, "--markdown"], env);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`| **missing** | \`${dropped}\` |`);
    expect(bad.stdout).toContain("run pulumi up on spoke-2of2");
  });

  it("exits 2 with a clear message for bad arguments, config, outputs or credentials", async () => {
    const dir = tmpDir();
    writeStack(dir, "spoke-all", BASE);
    writeStack(dir, "hub", { notificationEmails: ["a@example.com"] }, "hub");
    const file = (name: string, content: unknown) => {
      const f = path.join(dir, name);
      fs.writeFileSync(f, JSON.stringify(content));
      return f;
    };
    const denied = defaultOrg();
    denied.organizationsMode = "access-denied";
    const deniedFake = await fake(denied);
    const okFake = await fake(defaultOrg());
    const cases: [string[], string, CoverageDeps][] = [
      [[], "Give --stack <spoke stack> or --all.", okFake],
      [["--all", "--stack", "spoke-all"], "Give either --stack or --all, not both.", okFake],
      [
        ["--stack", "spoke-all", "--stack", "x", "--outputs", "o.json"],
        "--outputs holds one stack's outputs",
        okFake,
      ],
      [
        ["--stack", "spoke-all", "--outputs", "a", "--outputs-dir", "b"],
        "Give either --outputs or --outputs-dir",
        okFake,
      ],
      [["--stack", "spoke-all", "--nope"], "Unknown option '--nope'", okFake],
      [["--stack", "ghost"], "No stack file", okFake],
      [
        ["--stack", "hub"],
        "Stack hub is a hub stack (root-activity-monitor:role: hub); the coverage report reads spoke stacks.",
        okFake,
      ],
      [
        ["--stack", "spoke-all", "--outputs", path.join(dir, "none.json")],
        "Cannot read the outputs file",
        okFake,
      ],
      [
        ["--stack", "spoke-all", "--outputs", file("hub.json", { role: "hub" })],
        "are the outputs of a hub stack",
        okFake,
      ],
      [
        ["--stack", "spoke-all", "--outputs", file("bad.json", { coverage: [{ id: "12" }] })],
        "coverage[0].id must be a 12-digit account ID",
        okFake,
      ],
      [
        ["--stack", "spoke-all", "--outputs", file("ok.json", { coverage: [] })],
        "delegated administrator for AWS Organizations",
        deniedFake,
      ],
    ];
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const logs = vi.spyOn(console, "log").mockImplementation(() => undefined);
    try {
      for (const [args, message, deps] of cases) {
        errors.mockClear();
        const code = await main([...args, "--dir", dir], {
          clients: (deps as { clients?: CoverageDeps["clients"] }).clients,
        });
        expect(code, args.join(" ")).toBe(2);
        expect(errors.mock.calls.map((c) => String(c[0])).join("\n"), args.join(" ")).toContain(message);
      }
      expect(logs).not.toHaveBeenCalled();
    } finally {
      errors.mockRestore();
      logs.mockRestore();
    }
    const empty = tmpDir();
    const out = await run(["--all", "--dir", empty], okFake.env);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain("--all found no spoke stack file");
  });
});
