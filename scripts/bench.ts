// `npm run bench`: the notifier, the program's start, the spoke's scaling against a baseline, its CPU
// profile and sharding, and a spoke run when one account joins, into BENCHMARKS.md with PASS/FAIL per
// target; a run of some parts keeps the rest.
//
//   npm run bench                                   # everything (~50 minutes on 2 CPUs)
//   npm run bench -- --only notifier                # some of: notifier,start,scaling,profile,shards,coverage
//   npm run bench -- --only scaling --sizes 10,100  # a quick spoke run
//   npm run bench -- --only coverage                # one account joins a stack of 100, of 300 (~20 min)
//   npm run bench -- --render BENCHMARKS.md         # re-render from its embedded figures only
//
// Flags (defaults): --sizes 10,100,1000 (spoke sizes; shards split the largest in 8, the profile takes
// 100 or less)  --repeats 3 (runs per size up to 100 accounts)  --cold-runs 15  --warm-events 1000
// --profile-label current (a run replaces that label's profile)  --coverage-sizes 100,300 (stacks one
// account joins)  --out BENCHMARKS.md  --keep-from file (the report whose figures a run keeps; default --out)
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { errorMessage } from "../common/errors";
import { cannotRun, parseFlags, runMain, UsageError } from "./shared/cli";
import { measureAccountAdded } from "./bench/coverageRun";
import { compareDesigns, measureArchive, measureColdStart, measureWarm } from "./bench/notifier";
import { measureWarmWithState } from "./bench/notifier";
import { PARTS, extract, isFailed, renderReport } from "./bench/report";
import type { Failed, Part, Provenance, Results } from "./bench/report";
import { measureStart, profileSpoke, runBaseline, runSpoke } from "./bench/spoke";
import { mib, seconds } from "./bench/stats";

const REPO = path.join(__dirname, "..");
/** Old-space limit of the program and baseline children: the mock runtime needs ~0.2 MB per resource. */
const heapMb = 20_480;
const env = { NODE_OPTIONS: `--max-old-space-size=${heapMb}` };
const SHARDS = 8;
const USAGE = `Usage: npm run bench -- [--only <parts>] [--sizes <n,...>] [--coverage-sizes <n,...>]
                        [--repeats <n>] [--cold-runs <n>] [--warm-events <n>]
                        [--profile-label <label>] [--out <file>] [--keep-from <file>]
       npm run bench -- --render <report.md> [--out <file>]

Measures the notifier, the program's start, the spoke's scaling against a bare Pulumi baseline, its
CPU profile and sharding, and a spoke run when one account joins, under Pulumi mocks (no AWS, no
Pulumi CLI), and writes the figures into the report (BENCHMARKS.md) with PASS/FAIL per target. A run
of some parts keeps the other parts' figures. Everything takes about 50 minutes on 2 CPUs.
  --only            the parts to measure, comma-separated (default: all), some of:
                    ${PARTS.join(", ")}
  --sizes           spoke sizes in accounts (default 10,100,1000); the shards split the largest in
                    ${SHARDS}, the profile takes the largest up to 100
  --coverage-sizes  sizes of the spoke stacks that one account joins (default 100,300)
  --repeats         runs per spoke size, for sizes up to 100 accounts (default 3)
  --cold-runs       notifier cold starts (default 15)
  --warm-events     events through a warm notifier (default 1000)
  --profile-label   the CPU profile's label: a run replaces that label's profile (default current)
  --out             the report to write (default BENCHMARKS.md)
  --keep-from       the report whose figures a run keeps for the parts it does not measure
                    (default: --out)
  --render          measure nothing: re-render this report from the figures it embeds, into --out
  --help            this text, and nothing else
Examples: npm run bench -- --only notifier; npm run bench -- --only scaling --sizes 10,100
Exit code: 0 report written (a measure that fails is reported in it, not fatal), 2 bad arguments or
a --render report without embedded figures.`;

/** The flags, one per line. */
const FLAGS = {
  only: { type: "string" },
  sizes: { type: "string" },
  "coverage-sizes": { type: "string" },
  repeats: { type: "string" },
  "cold-runs": { type: "string" },
  "warm-events": { type: "string" },
  "profile-label": { type: "string" },
  out: { type: "string" },
  "keep-from": { type: "string" },
  render: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

function options(argv: string[]) {
  const { help, ...strings } = parseFlags(argv, FLAGS);
  const f: Record<string, string | undefined> = strings;
  const int = (flag: string, v: string, min = 1) => {
    if (Number.isInteger(Number(v)) && Number(v) >= min) return Number(v);
    throw new UsageError(`--${flag} takes integers >= ${min}, not ${v}`);
  };
  const num = (flag: string, fallback: number) => int(flag, f[flag] ?? `${fallback}`);
  const parts = new Set((f.only ?? PARTS.join(",")).split(","));
  const unknown = [...parts].filter((p) => !(PARTS as readonly string[]).includes(p));
  if (unknown.length > 0) throw new UsageError(`--only takes ${PARTS.join(", ")}; not ${unknown.join(", ")}`);
  const sizesOf = (flag: string, fallback: string) =>
    [...new Set((f[flag] ?? fallback).split(",").map((v) => int(flag, v, 2)))].sort((a, b) => a - b);
  const [sizes, coverageSizes] = [sizesOf("sizes", "10,100,1000"), sizesOf("coverage-sizes", "100,300")];
  const out = path.resolve(f.out ?? path.join(REPO, "BENCHMARKS.md"));
  const keepFrom = path.resolve(f["keep-from"] ?? out);
  const [repeats, coldRuns, warmEvents] = [num("repeats", 3), num("cold-runs", 15), num("warm-events", 1000)];
  const { render, "profile-label": label = "current" } = f;
  return { repeats, coldRuns, warmEvents, help, render, label, parts, sizes, coverageSizes, out, keepFrom };
}

const progress = (msg: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

/** `fn`'s result, or its error's first line: a failed measure is reported, not fatal. */
async function attempt<T>(what: string, fn: () => Promise<T>): Promise<T | Failed> {
  progress(what);
  return fn().catch((err: unknown) => {
    const error = errorMessage(err).split("\n")[0] ?? "error";
    progress(`  failed: ${error}`);
    return { error };
  });
}

function provenance(command: string): Provenance {
  const git = (...args: string[]) => execFileSync("git", args, { cwd: REPO }).toString().trim();
  const dirty = git("status", "--porcelain") ? " (with uncommitted changes)" : "";
  const [cpus, mem] = [os.cpus(), mib(os.totalmem())];
  const machine = `${cpus.length} CPUs, ${cpus[0]?.model}, ${mem} RAM, ${os.platform()} ${os.release()}`;
  const revision = git("rev-parse", "--short", "HEAD") + dirty;
  return { started: new Date().toISOString(), command, revision, machine, node: process.version };
}

type Options = ReturnType<typeof options>;

/** What every part's measure shares: the options, the results so far, and how to stamp and save them. */
interface Bench {
  o: Options;
  r: Results;
  /** The figures kept from the earlier report. */
  kept: Results | undefined;
  /** Provenance for a part measured now. */
  run: () => Provenance;
  /** Writes the report; given a part, first marks it finished. */
  write: (finished?: { finished?: string }) => void;
  /** The largest spoke size, for the profile and the shards. */
  largest: number;
}

/** --help prints the usage and nothing else; --render re-renders the report from its embedded figures. */
function helpOrRender(o: Options): number {
  if (o.help) {
    console.log(USAGE);
    return 0;
  }
  const rendered = o.render && extract(o.render);
  if (o.render && !rendered) throw new UsageError(`${o.render}: no embedded figures`);
  if (rendered) fs.writeFileSync(o.out, renderReport(rendered));
  return 0;
}

async function benchNotifier({ o, r, run, write }: Bench): Promise<void> {
  const { coldRuns, warmEvents } = o;
  const part: Part<"notifier"> = (r.notifier = run());
  const archive = await attempt("notifier archive (hub program under mocks)", measureArchive);
  const { code, ...figures } = isFailed(archive) ? { code: undefined, ...archive } : archive;
  part.archive = figures;
  if (code !== undefined) {
    const cold = (stateTable: boolean) => () => measureColdStart(code, coldRuns, { stateTable });
    part.cold = await attempt("notifier cold start", cold(false));
    part.coldWithState = await attempt("notifier cold start with the state table", cold(true));
    part.warm = await attempt("notifier warm", () => measureWarm(code, warmEvents));
    const warmWithState = () => measureWarmWithState(code, warmEvents);
    part.warmWithState = await attempt("notifier warm with the state table", warmWithState);
    part.designs = await attempt("notifier designs", () => compareDesigns(code, { coldRuns, warmEvents }));
  }
  write(part);
}

async function benchStart({ r, run, write }: Bench): Promise<void> {
  const part: Part<"start"> = (r.start = { ...run(), rows: [] });
  for (const target of ["hub", 10, 100] as const) {
    const row = await attempt(`program start, ${target}, both ways`, () => measureStart(target, env));
    part.rows.push({ target: String(target), ...row });
  }
  write(part);
}

async function benchScaling({ o, r, run, write }: Bench): Promise<void> {
  const part: Part<"scaling"> = (r.scaling = { ...run(), repeats: o.repeats, heapMb, rows: [] });
  for (const accounts of o.sizes) {
    const row: Part<"scaling">["rows"][number] = { accounts, program: [], baseline: [] };
    part.rows.push(row);
    const done = await attempt(`spoke program and baseline, ${accounts} accounts`, async () => {
      for (let i = 0; i < (accounts <= 100 ? o.repeats : 1); i++) {
        const p = await runSpoke(accounts, { env });
        row.program.push(p);
        row.baseline.push(await runBaseline(p.resources, env));
        progress(`  ${seconds(p.wallMs)}, baseline ${seconds(row.baseline[i]?.wallMs ?? NaN)}`);
      }
    });
    if (isFailed(done)) row.error = done.error;
    write();
  }
  write(part);
}

async function benchProfile({ o, r, kept, run, write, largest }: Bench): Promise<void> {
  const part = (r.profile = { ...run(), profiles: { ...kept?.profile?.profiles } });
  const accounts = Math.min(100, largest);
  const profile = () => profileSpoke(accounts, part.revision, env);
  part.profiles[o.label] = await attempt(`spoke under --cpu-prof, ${accounts} accounts`, profile);
  write(part);
}

async function benchShards({ r, run, write, largest }: Bench): Promise<void> {
  const part: Part<"shards"> = { ...run(), shardAccounts: largest, shards: SHARDS, heapMb, runs: [] };
  r.shards = part;
  for (let k = 1; k <= SHARDS; k++) {
    const shard = `${k}/${SHARDS}`;
    const spoke = () => runSpoke(largest, { shard, env });
    const s = await attempt(`spoke program, ${largest} accounts, shard ${shard}`, spoke);
    part.runs.push(isFailed(s) ? { shard, error: s.error } : s);
    write();
  }
  write(part);
}

/** One account joins a spoke stack of each --coverage-sizes: the triggered run's time and changes. */
async function benchCoverage({ o, r, run, write }: Bench): Promise<void> {
  const part: Part<"coverage"> = (r.coverage = { ...run(), rows: [] });
  for (const accounts of o.coverageSizes) {
    const measure = () => measureAccountAdded(accounts);
    const row = await attempt(`spoke stack of ${accounts} accounts, one account joins`, measure);
    part.rows.push({ target: String(accounts), ...row });
    write();
  }
  write(part);
}

/** Each part's measure, in PARTS order. */
const MEASURES: Record<(typeof PARTS)[number], (bench: Bench) => Promise<void>> = {
  notifier: benchNotifier,
  start: benchStart,
  scaling: benchScaling,
  profile: benchProfile,
  shards: benchShards,
  coverage: benchCoverage,
};

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const o = options(argv);
  if (o.help || o.render) return helpOrRender(o);

  const kept = extract(o.keepFrom);
  const r: Results = { ...kept, version: 1 };
  for (const p of PARTS) if (o.parts.has(p)) delete r[p];
  progress(`measuring ${[...o.parts].join(", ")}; keeping the other parts' figures from ${o.keepFrom}`);
  const run = () => provenance(`npm run bench${argv.length > 0 ? ` -- ${argv.join(" ")}` : ""}`);
  const write = (finished?: { finished?: string }) => {
    if (finished) finished.finished = new Date().toISOString();
    fs.writeFileSync(o.out, renderReport(r));
  };
  const largest = o.sizes[o.sizes.length - 1] ?? 1000;
  const bench: Bench = { o, r, kept, run, write, largest };
  for (const p of PARTS) if (o.parts.has(p)) await MEASURES[p](bench);
  progress(`wrote ${o.out}`);
  return 0;
}

runMain(() => main().catch((err: unknown) => cannotRun(err, USAGE)));
