// The program's start-up both ways (type-checked and transpile-only, as Pulumi's language host
// decides), and a CPU profile of the spoke program reduced to its top items.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runProgram } from "../../testkit/program";
import { runSpoke } from "./spoke";

const REPO = path.join(__dirname, "..", "..");
const tsutils = require("@pulumi/pulumi/tsutils") as {
  loadTypeScriptCompilerOptions(file: string): Record<string, unknown>;
};

export interface StartMeasure {
  /** Process start to resources registered and outputs resolved, in the child. */
  sinceStartMs: number;
  maxRssBytes: number;
}

export interface StartRow {
  target: string;
  checked: StartMeasure;
  transpileOnly: StartMeasure;
}

/**
 * Runs the hub, or a spoke of `accounts`, once type-checked and once transpile-only, each with an
 * empty ts-node cache (the vendored ts-node caches compiled files in the temp directory; a fresh
 * runner has none). Transpile-only is the project's own settings; type-checked is tsconfig.json
 * without `noCheck`, which the host then leaves to ts-node's default, as before.
 */
export async function measureStart(accounts: number | "hub", env: Record<string, string>): Promise<StartRow> {
  // Beside the project, so the compiler finds node_modules/@types as from tsconfig.json.
  const dir = fs.mkdtempSync(path.join(REPO, "node_modules", ".cache-ram-bench-"));
  const checkedConfig = path.join(dir, "tsconfig.json");
  // All of tsconfig.json's compiler options, as the host reads them, but noCheck.
  const compilerOptions = tsutils.loadTypeScriptCompilerOptions(path.join(REPO, "tsconfig.json"));
  fs.writeFileSync(
    checkedConfig,
    JSON.stringify({ compilerOptions: { ...compilerOptions, noCheck: false } }),
  );
  const once = async (checked: boolean): Promise<StartMeasure> => {
    const runEnv = {
      ...env,
      TS_NODE_CACHE_DIRECTORY: fs.mkdtempSync(path.join(os.tmpdir(), "ram-ts-node-")),
      ...(checked ? { PULUMI_NODEJS_TSCONFIG_PATH: checkedConfig } : {}),
    };
    const run = await (accounts === "hub"
      ? runProgram({
          stackFile: "Pulumi.hub.yaml",
          stack: "hub",
          overrides: { organizationId: "o-exampleorg1" },
          env: runEnv,
        })
      : runSpoke(accounts, { env: runEnv }));
    fs.rmSync(runEnv.TS_NODE_CACHE_DIRECTORY, { recursive: true, force: true });
    const since = (run as { sinceStartMs?: number }).sinceStartMs;
    if ("error" in run && run.error) throw new Error(`${run.error}\n${run.stderr}`);
    if (since === undefined) throw new Error("no figures");
    return { sinceStartMs: since, maxRssBytes: run.maxRssBytes ?? NaN };
  };
  try {
    const target = accounts === "hub" ? "hub" : `spoke, ${accounts} accounts`;
    return { target, checked: await once(true), transpileOnly: await once(false) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface ProfileItem {
  name: string;
  /** Share of the profiled time, percent. */
  pct: number;
}

export interface ProfileMeasure {
  revision: string;
  accounts: number;
  wallMs: number;
  /** Functions by self time. */
  self: ProfileItem[];
  /** Named parts by inclusive time. */
  parts: ProfileItem[];
}

interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
  samples: number[];
  timeDeltas: number[];
}

/** Parts of the run worth naming, found by a frame anywhere on the sampled stack. */
const PARTS: [string, RegExp][] = [
  ["stack traces formatted through source maps (`Error.prepareStackTrace`)", /^prepareStackTrace /],
  ["Pulumi `transferProperties` (4 promises and a stack trace per property)", /^transferProperties /],
  ["serializing inputs (`serializeProperty`)", /^serializeProperty /],
  ["account discovery (`discoverAccounts`)", /^discoverAccounts /],
  ["garbage collection", /^\(garbage collector\) /],
];

export function summarizeProfile(file: string, top = 10): Pick<ProfileMeasure, "self" | "parts"> {
  const p = JSON.parse(fs.readFileSync(file, "utf8")) as CpuProfile;
  const nodes = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (id: number): string => {
    const { functionName, url, lineNumber } = (nodes.get(id) as CpuProfile["nodes"][number]).callFrame;
    const where = url
      .replace(/^.*node_modules\//, "")
      .replace(`file://${REPO}/`, "")
      .replace(`${REPO}/`, "");
    return `${functionName || "(anonymous)"} ${where ? `${where}:${lineNumber + 1}` : ""}`.trim() + " ";
  };
  const selfMs = new Map<string, number>();
  const partMs = PARTS.map(() => 0);
  let total = 0;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    total += dt;
    selfMs.set(label(id), (selfMs.get(label(id)) ?? 0) + dt);
    const stack: string[] = [];
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) stack.push(label(cur));
    PARTS.forEach(([, re], k) => {
      if (stack.some((f) => re.test(f))) partMs[k] = (partMs[k] as number) + dt;
    });
  });
  const pct = (ms: number): number => (100 * ms) / total;
  return {
    self: [...selfMs]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name: name.trim(), pct: pct(ms) })),
    parts: PARTS.map(([name], k) => ({ name, pct: pct(partMs[k] as number) })),
  };
}

/** The spoke program of `accounts` under `node --cpu-prof`. */
export async function profileSpoke(
  accounts: number,
  revision: string,
  env: Record<string, string>,
): Promise<ProfileMeasure> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ram-cpu-prof-"));
  try {
    const nodeOptions = `${env.NODE_OPTIONS ?? ""} --cpu-prof --cpu-prof-dir=${dir}`.trim();
    const run = await runSpoke(accounts, { env: { ...env, NODE_OPTIONS: nodeOptions } });
    const file = fs.readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
    if (!file) throw new Error("no .cpuprofile written");
    return { revision, accounts, wallMs: run.wallMs, ...summarizeProfile(path.join(dir, file)) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
