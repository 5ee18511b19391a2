// `npm run bench`: measures the notifier (archive size, cold start, warm time per event), the
// program's start with and without type-checking, the spoke program's scaling under Pulumi mocks
// against a trivial baseline program and its CPU profile, then writes BENCHMARKS.md with PASS/FAIL
// per target. Sizes run one after another (the machine has 2 cores).
//
// The figures come in parts: notifier, start, scaling (spoke program vs baseline), profile and
// shards. A run measures some parts and keeps the others from the report it overwrites
// (BENCHMARKS.md carries its raw figures in a comment at the end), so each part can be refreshed:
//
//   npm run bench                                  # everything (~30 minutes on 2 CPUs)
//   npm run bench -- --skip-scaling                # notifier only; keeps the program figures
//   npm run bench -- --skip-notifier               # spoke scaling and shards; keeps the notifier
//   npm run bench -- --only scaling --sizes 10,100 # quick; keeps the notifier and the shards
//
// Flags: --only notifier,start,scaling,profile,shards  --skip-notifier  --skip-scaling (no program
//        runs at all)  --skip-shards  --profile-label name (default "current"; a run replaces that
//        label's profile and keeps the others)  --profile-accounts n  --sizes a,b,c  --repeats n
//        (runs per size up to 100 accounts; 1 above)  --shard-accounts n  --shards n  --cold-runs n
//        --warm-events n  --heap-mb n (old-space limit for the program and baseline children)  --out file
//        --keep-from file (report whose figures a run keeps; default --out)  --fresh (keep nothing)
//        --note text (remark shown with the parts this run measures)  --results-json file
//        --render file (re-render a report from a results JSON or a report's embedded figures,
//        measuring nothing: `npm run bench -- --render BENCHMARKS.md`)
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runBaseline } from "./bench/baseline";
import {
  compareDesigns,
  measureArchive,
  measureColdStart,
  measureWarm,
  measureWarmWithState,
  PREVIOUS_NOTIFIER_COMMIT,
} from "./bench/notifier";
import { renderReport } from "./bench/report";
import {
  extract,
  hasError,
  PARTS,
  type NotifierPart,
  type PartName,
  type ProfilePart,
  type Provenance,
  type Results,
  type ScalingPart,
  type ScalingRow,
  type ShardsPart,
  type StartPart,
} from "./bench/results";
import { measureStart, profileSpoke } from "./bench/profile";
import { runSpoke } from "./bench/spoke";
import { mib, seconds } from "./bench/stats";

const REPO = path.join(__dirname, "..");

interface Options {
  parts: Set<PartName>;
  sizes: number[];
  repeats: number;
  shardAccounts: number;
  shards: number;
  coldRuns: number;
  warmEvents: number;
  heapMb: number;
  out: string;
  /** Report whose embedded figures are kept for the parts this run does not measure. */
  keepFrom?: string;
  fresh: boolean;
  notes: string[];
  /** Raw results, to re-render the report with --render. */
  resultsJson: string;
  render?: string;
  profileLabel: string;
  profileAccounts: number;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    parts: new Set(PARTS),
    sizes: [10, 100, 1000],
    repeats: 3,
    shardAccounts: 1000,
    shards: 8,
    coldRuns: 15,
    warmEvents: 1000,
    heapMb: 20_480,
    out: path.join(REPO, "BENCHMARKS.md"),
    fresh: false,
    notes: [],
    resultsJson: path.join(os.tmpdir(), "ram-bench-results.json"),
    profileLabel: "current",
    profileAccounts: 100,
  };
  const int = (flag: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`${flag} needs an integer >= ${min}, got ${v}`);
    return n;
  };
  let only: Set<PartName> | undefined;
  const skipped = new Set<PartName>();
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    const next = (): string | undefined => argv[++i];
    switch (flag) {
      case "--only": {
        const names = (next() ?? "").split(",").map((s) => s.trim());
        const bad = names.filter((s) => !(PARTS as readonly string[]).includes(s));
        if (bad.length > 0 || names.length === 0)
          throw new Error(`--only takes a list of ${PARTS.join(", ")}; got ${names.join(",")}`);
        only = new Set(names as PartName[]);
        break;
      }
      case "--skip-notifier":
        skipped.add("notifier");
        break;
      case "--skip-scaling":
        // No program runs at all: the shard figures are read next to the scaling ones.
        for (const p of ["start", "scaling", "profile", "shards"] as const) skipped.add(p);
        break;
      case "--skip-shards":
        skipped.add("shards");
        break;
      case "--sizes":
        o.sizes = (next() ?? "").split(",").map((s) => int("--sizes", s.trim(), 2));
        break;
      case "--repeats":
        o.repeats = int(flag, next(), 1);
        break;
      case "--shard-accounts":
        o.shardAccounts = int(flag, next(), 2);
        break;
      case "--shards":
        o.shards = int(flag, next(), 1);
        break;
      case "--profile-label":
        o.profileLabel = next() ?? "";
        break;
      case "--profile-accounts":
        o.profileAccounts = int(flag, next(), 2);
        break;
      case "--cold-runs":
        o.coldRuns = int(flag, next(), 1);
        break;
      case "--warm-events":
        o.warmEvents = int(flag, next(), 1);
        break;
      case "--heap-mb":
        o.heapMb = int(flag, next(), 256);
        break;
      case "--out":
        o.out = path.resolve(next() ?? "");
        break;
      case "--keep-from":
        o.keepFrom = path.resolve(next() ?? "");
        break;
      case "--fresh":
        o.fresh = true;
        break;
      case "--note":
        o.notes.push(next() ?? "");
        break;
      case "--results-json":
        o.resultsJson = path.resolve(next() ?? "");
        break;
      case "--render":
        o.render = path.resolve(next() ?? "");
        break;
      case "--help":
      case "-h":
        console.log(fs.readFileSync(__filename, "utf8").split("\n").slice(0, 22).join("\n"));
        process.exit(0);
        break;
      default:
        throw new Error(`unknown flag ${flag} (see --help)`);
    }
  }
  o.parts = new Set([...(only ?? PARTS)].filter((p) => !skipped.has(p)));
  if (o.parts.size === 0) throw new Error("nothing to measure: every part is skipped");
  o.sizes = [...new Set(o.sizes)].sort((a, b) => a - b);
  return o;
}

function progress(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

function errorOf(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "error";
}

function gitRevision(): string {
  try {
    const rev = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: REPO }).toString().trim();
    const dirty = execFileSync("git", ["status", "--porcelain"], { cwd: REPO }).toString().trim() !== "";
    return `${rev}${dirty ? " (with uncommitted changes)" : ""}`;
  } catch {
    return "unknown";
  }
}

function machine(): string {
  const cpus = os.cpus();
  return `${cpus.length} CPUs, ${cpus[0]?.model ?? "unknown"}, ${mib(os.totalmem())} RAM, ${os.platform()} ${os.release()}`;
}

// ---- Main --------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const o = parseArgs(args);
  if (o.render) {
    // Re-render a report from the raw results of an earlier run (no measuring).
    // A report (BENCHMARKS.md) carries its results; a --results-json file is them.
    const results = o.render.endsWith(".md")
      ? extract(o.render)
      : (JSON.parse(fs.readFileSync(o.render, "utf8")) as Results);
    if (results?.version !== 1) throw new Error(`${o.render}: no results of this script (version 1) in it`);
    fs.writeFileSync(o.out, renderReport(results));
    progress(`rendered ${o.out} from ${o.render}`);
    return;
  }

  const keepFrom = o.keepFrom ?? o.out;
  const kept: Results = o.fresh ? { version: 1 } : (extract(keepFrom) ?? { version: 1 });
  const keptParts = PARTS.filter((p) => !o.parts.has(p) && kept[p] !== undefined);
  const missing = PARTS.filter((p) => !o.parts.has(p) && kept[p] === undefined);
  progress(
    `measuring ${[...o.parts].join(", ")}` +
      (keptParts.length > 0 ? `; keeping ${keptParts.join(", ")} from ${keepFrom}` : "") +
      (missing.length > 0 ? `; no ${missing.join(", ")} figures to keep` : ""),
  );

  const command = `npm run bench${args.length > 0 ? ` -- ${args.join(" ")}` : ""}`;
  const started = new Date();
  /** Provenance of a part that starts now. */
  const run = (): Provenance => ({
    started: new Date().toISOString(),
    command,
    revision: gitRevision(),
    machine: machine(),
    node: process.version,
    ...(o.notes.length > 0 ? { notes: o.notes } : {}),
  });
  const r: Results = { version: 1 };
  for (const p of keptParts) Object.assign(r, { [p]: kept[p] });
  const write = (): void => {
    fs.writeFileSync(o.out, renderReport(r));
    fs.writeFileSync(o.resultsJson, JSON.stringify(r));
  };
  const finish = (part: Provenance): void => {
    part.finished = new Date().toISOString();
    write();
  };
  const childEnv = { NODE_OPTIONS: `--max-old-space-size=${o.heapMb}` };

  if (o.parts.has("notifier")) {
    const part: NotifierPart = run();
    r.notifier = part;
    progress("notifier archive (hub program under mocks)");
    let code: string | undefined;
    try {
      const { code: c, ...archive } = await measureArchive();
      code = c;
      part.archive = archive;
    } catch (err) {
      part.archive = { error: errorOf(err) };
    }
    if (code) {
      progress(`notifier cold start, ${o.coldRuns} fresh processes`);
      try {
        part.cold = await measureColdStart(code, o.coldRuns);
      } catch (err) {
        part.cold = { error: errorOf(err) };
      }
      progress(`notifier cold start with the state table, ${o.coldRuns} fresh processes`);
      try {
        part.coldWithState = await measureColdStart(code, o.coldRuns, { stateTable: true });
      } catch (err) {
        part.coldWithState = { error: errorOf(err) };
      }
      progress(`notifier warm, ${o.warmEvents} events`);
      try {
        part.warm = await measureWarm(code, o.warmEvents);
      } catch (err) {
        part.warm = { error: errorOf(err) };
      }
      progress(`notifier warm with the state table, ${o.warmEvents} events`);
      try {
        part.warmWithState = await measureWarmWithState(code, o.warmEvents);
      } catch (err) {
        part.warmWithState = { error: errorOf(err) };
      }
      progress(`notifier designs side by side: ${PREVIOUS_NOTIFIER_COMMIT.slice(0, 7)} and this checkout`);
      try {
        part.designs = await compareDesigns(code, { coldRuns: o.coldRuns, warmEvents: o.warmEvents });
      } catch (err) {
        part.designs = { error: errorOf(err) };
      }
    }
    finish(part);
  }

  if (o.parts.has("start")) {
    const part: StartPart = { ...run(), rows: [] };
    r.start = part;
    for (const target of ["hub", 10, 100] as const) {
      progress(
        `program start, ${target === "hub" ? "hub" : `spoke of ${target} accounts`}: type-checked, transpile-only`,
      );
      try {
        part.rows.push(await measureStart(target, childEnv));
      } catch (err) {
        part.rows.push({ target: String(target), error: errorOf(err) });
      }
      write();
    }
    finish(part);
  }

  if (o.parts.has("scaling")) {
    const part: ScalingPart = { ...run(), repeats: o.repeats, heapMb: o.heapMb, rows: [] };
    r.scaling = part;
    for (const n of o.sizes) {
      const row: ScalingRow = { accounts: n, program: [], baseline: [] };
      part.rows.push(row);
      const reps = n <= 100 ? o.repeats : 1;
      try {
        for (let i = 0; i < reps; i++) {
          progress(`spoke program, ${n} accounts (run ${i + 1}/${reps})`);
          const p = await runSpoke(n, { env: childEnv });
          row.program.push(p);
          progress(`  ${p.resources} resources, ${seconds(p.wallMs)}, ${mib(p.maxRssBytes)}`);
          progress(`baseline, ${p.resources} resources (run ${i + 1}/${reps})`);
          const b = await runBaseline(p.resources, childEnv);
          if (b.error || b.wallMs === undefined || b.maxRssBytes === undefined) {
            throw new Error(`baseline failed: ${b.error ?? "no figures"}\n${b.stderr}`);
          }
          row.baseline.push({ resources: b.resources.length, wallMs: b.wallMs, maxRssBytes: b.maxRssBytes });
          progress(`  ${b.resources.length} resources, ${seconds(b.wallMs)}, ${mib(b.maxRssBytes)}`);
        }
      } catch (err) {
        row.error = errorOf(err);
        progress(`  failed: ${row.error}`);
      }
      write();
    }
    finish(part);
  }

  if (o.parts.has("profile")) {
    const part: ProfilePart = { ...run(), profiles: { ...kept.profile?.profiles } };
    r.profile = part;
    progress(`spoke program under --cpu-prof, ${o.profileAccounts} accounts (profile "${o.profileLabel}")`);
    try {
      part.profiles[o.profileLabel] = await profileSpoke(o.profileAccounts, part.revision, childEnv);
    } catch (err) {
      part.profiles[o.profileLabel] = { error: errorOf(err) };
    }
    finish(part);
  }

  if (o.parts.has("shards")) {
    const part: ShardsPart = {
      ...run(),
      shardAccounts: o.shardAccounts,
      shards: o.shards,
      heapMb: o.heapMb,
      runs: [],
    };
    r.shards = part;
    for (let k = 1; k <= o.shards; k++) {
      const shard = `${k}/${o.shards}`;
      progress(`spoke program, ${o.shardAccounts} accounts, shard ${shard}`);
      try {
        const s = await runSpoke(o.shardAccounts, { shard, env: childEnv });
        part.runs.push(s);
        progress(
          `  ${s.covered} accounts, ${s.resources} resources, ${seconds(s.wallMs)}, ${mib(s.maxRssBytes)}`,
        );
      } catch (err) {
        part.runs.push({ shard, error: errorOf(err) });
        progress(`  failed: ${errorOf(err)}`);
      }
      write();
    }
    finish(part);
  }

  const failures = [
    r.notifier?.archive,
    r.notifier?.cold,
    r.notifier?.coldWithState,
    r.notifier?.warm,
    r.notifier?.warmWithState,
  ].filter((x) => hasError(x));
  progress(
    `wrote ${path.relative(process.cwd(), o.out)} in ${((Date.now() - started.getTime()) / 60000).toFixed(1)} min` +
      (failures.length > 0 ? ` (${failures.length} notifier measurement(s) failed)` : ""),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
