// The programs under Pulumi mocks in fresh processes (testkit/program.ts): the spoke against N fake
// accounts, the baseline in its place, the start with and without type-checking, and the CPU profile.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { FakeOrganization, startFakeOrganization } from "../../testkit/fakeOrganization";
import { REPO, runProgram, type RunOptions } from "../../testkit/program";

type Env = Record<string, string>;
const MANAGEMENT = "111111111111";
const tmp = (prefix: string, under = os.tmpdir()) => fs.mkdtempSync(path.join(under, prefix));
const rm = (dir: string) => fs.rmSync(dir, { recursive: true, force: true });
const tsutils = require("@pulumi/pulumi/tsutils") as { loadTypeScriptCompilerOptions(f: string): object };

/** A run to its end (1,000 accounts take over 10 min), with `sinceStartMs`: process start to resources registered. */
async function run(what: string, opts: RunOptions) {
  const r = await runProgram({ lightweight: true, timeoutMs: 1_800_000, ...opts });
  const { wallMs, maxRssBytes, sinceStartMs } = r as typeof r & { sinceStartMs?: number };
  if (r.error || wallMs === undefined || maxRssBytes === undefined || sinceStartMs === undefined) {
    throw new Error(`${what} failed: ${r.error ?? "no figures"}\n${r.stderr}`);
  }
  return { ...r, wallMs, maxRssBytes, sinceStartMs };
}

/** The spoke template with a hub bus and the 17 default regions, as the management account. */
function spokeStack(stack: string, env: Env, shard?: string): RunOptions {
  const hubEventBusArn = "arn:aws:events:us-east-1:222222222222:event-bus/root-activity";
  const overrides = { hubEventBusArn, hubStack: null, regions: null, ...(shard ? { shard } : {}) };
  return { stackFile: "Pulumi.spoke-template.yaml", stack, callerAccountId: MANAGEMENT, overrides, env };
}

export type SpokeMeasure = Awaited<ReturnType<typeof runSpoke>>;

export async function runSpoke(accounts: number, { shard, env = {} }: { shard?: string; env?: Env } = {}) {
  // The management account (the caller) and accounts-1 ACTIVE members.
  const org = new FakeOrganization({ managementAccountId: MANAGEMENT, pageSize: 20 });
  org.addAccount({ id: MANAGEMENT, name: "management" });
  org.addManyAccounts(accounts - 1);
  const fake = await startFakeOrganization(org);
  const t0 = performance.now();
  const stack = shard ? `spoke-bench-${shard.replace("/", "of")}` : "spoke-bench";
  const opts = spokeStack(stack, { ...fake.env, ...env }, shard);
  const r = await run(`spoke program (${accounts} accounts)`, opts).finally(() => fake.aws.close());
  // processMs: the child as seen from here; covered: the run's accounts (its share when sharded).
  const processMs = performance.now() - t0;
  const byType: Record<string, number> = {};
  for (const { type } of r.resources) byType[type] = (byType[type] ?? 0) + 1;
  const covered = (r.outputs?.counts as { accounts?: number } | undefined)?.accounts ?? NaN;
  const figures = { wallMs: r.wallMs, maxRssBytes: r.maxRssBytes, processMs, sinceStartMs: r.sinceStartMs };
  return { accounts, shard, covered, resources: r.resources.length, byType, ...figures };
}

/** The baseline program registering `count` plain resources, with the spoke's stack and mocks. */
export async function runBaseline(count: number, env: Env) {
  const program = path.join(__dirname, "baselineChild.ts");
  const opts = { ...spokeStack("bench-baseline", { ...env, BENCH_BASELINE_COUNT: `${count}` }), program };
  const { resources, wallMs, maxRssBytes } = await run("baseline", opts);
  return { resources: resources.length, wallMs, maxRssBytes };
}

/** The hub or a spoke from process start to resources registered, type-checked (tsconfig.json without
 * `noCheck`) and transpile-only (as shipped), each with an empty ts-node cache as on a fresh runner. */
export async function measureStart(accounts: number | "hub", env: Env) {
  // Beside the project, so the compiler finds node_modules/@types as from tsconfig.json.
  const dir = tmp(".cache-ram-bench-", path.join(REPO, "node_modules"));
  const tsconfig = path.join(dir, "tsconfig.json");
  const options = tsutils.loadTypeScriptCompilerOptions(path.join(REPO, "tsconfig.json"));
  fs.writeFileSync(tsconfig, JSON.stringify({ compilerOptions: { ...options, noCheck: false } }));
  const hub = { stackFile: "Pulumi.hub.yaml", stack: "hub", overrides: { organizationId: "o-exampleorg1" } };
  const once = async (checked: boolean) => {
    const cache = tmp("ram-ts-node-");
    const runEnv: Env = { ...env, TS_NODE_CACHE_DIRECTORY: cache };
    if (checked) runEnv.PULUMI_NODEJS_TSCONFIG_PATH = tsconfig;
    const started = accounts === "hub" ? run("hub", { ...hub, env: runEnv, lightweight: false }) : null;
    const r = await (started ?? runSpoke(accounts as number, { env: runEnv })).finally(() => rm(cache));
    return { sinceStartMs: r.sinceStartMs, maxRssBytes: r.maxRssBytes };
  };
  const target = accounts === "hub" ? "hub" : `spoke, ${accounts} accounts`;
  const both = async () => ({ target, checked: await once(true), transpileOnly: await once(false) });
  return both().finally(() => rm(dir));
}

type Frame = { functionName: string; url: string; lineNumber: number };
type Profile = { nodes: { id: number; callFrame: Frame; children?: number[] }[]; samples: number[] };

/** Parts of the run worth naming, found by a frame anywhere on the sampled stack. */
const NAMED: [string, RegExp][] = [
  ["stack traces formatted through source maps (`Error.prepareStackTrace`)", /^prepareStackTrace /],
  ["Pulumi `transferProperties` (4 promises and a stack trace per property)", /^transferProperties /],
  ["serializing inputs (`serializeProperty`)", /^serializeProperty /],
  ["account discovery (`discoverAccounts`)", /^discoverAccounts /],
  ["garbage collection", /^\(garbage collector\) /],
];

/** The top functions by self time and the named parts by inclusive time, as percent of the profile. */
export function summarizeProfile(file: string, top = 10) {
  const p = JSON.parse(fs.readFileSync(file, "utf8")) as Profile & { timeDeltas: number[] };
  const [label, parent] = [new Map<number, string>(), new Map<number, number>()];
  for (const { id, callFrame: f, children } of p.nodes) {
    const url = f.url
      .replace(/^.*node_modules\//, "")
      .replace(`file://${REPO}/`, "")
      .replace(`${REPO}/`, "");
    const name = `${f.functionName || "(anonymous)"} ${url ? `${url}:${f.lineNumber + 1}` : ""}`;
    label.set(id, `${name.trim()} `);
    for (const c of children ?? []) parent.set(c, id);
  }
  const [selfMs, namedMs] = [new Map<string, number>(), NAMED.map(() => 0)];
  let total = 0;
  p.samples.forEach((id, i) => {
    const [dt, name] = [p.timeDeltas[i] ?? 0, label.get(id) ?? ""];
    const stack = [name];
    total += dt;
    selfMs.set(name, (selfMs.get(name) ?? 0) + dt);
    for (let at = parent.get(id); at !== undefined; at = parent.get(at)) stack.push(label.get(at) ?? "");
    NAMED.forEach(([, re], k) => (namedMs[k] = (namedMs[k] ?? 0) + (stack.some((f) => re.test(f)) ? dt : 0)));
  });
  const self = [...selfMs].sort((a, b) => b[1] - a[1]).slice(0, top);
  return {
    self: self.map(([name, ms]) => ({ name: name.trim(), pct: (100 * ms) / total })),
    parts: NAMED.map(([name], k) => ({ name, pct: (100 * (namedMs[k] ?? 0)) / total })),
  };
}

/** The spoke program of `accounts` under `node --cpu-prof`. */
export async function profileSpoke(accounts: number, revision: string, env: Env) {
  const dir = tmp("ram-cpu-prof-");
  try {
    const NODE_OPTIONS = `${env.NODE_OPTIONS ?? ""} --cpu-prof --cpu-prof-dir=${dir}`.trim();
    const { wallMs } = await runSpoke(accounts, { env: { ...env, NODE_OPTIONS } });
    const file = fs.readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
    if (!file) throw new Error("no .cpuprofile written");
    return { revision, accounts, wallMs, ...summarizeProfile(path.join(dir, file)) };
  } finally {
    rm(dir);
  }
}
