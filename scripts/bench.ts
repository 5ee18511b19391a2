// `npm run bench`: measures the notifier (archive size, cold start, warm time per event) and the
// spoke program's scaling under Pulumi mocks against a trivial baseline program, then writes
// BENCHMARKS.md with PASS/FAIL per target. Sizes run one after another (the machine has 2 cores).
//
//   npm run bench                                  # everything (~30 minutes on 2 CPUs)
//   npm run bench -- --sizes 10,100 --skip-shards  # quick
//   npm run bench -- --skip-scaling                # notifier only (plus shards unless --skip-shards)
//
// Flags: --sizes a,b,c  --repeats n (runs per size up to 100 accounts; 1 above)  --skip-scaling
//        --skip-shards  --shard-accounts n  --shards n  --cold-runs n  --warm-events n
//        --heap-mb n (old-space limit for the program and baseline children)  --out file
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runBaseline } from "./bench/baseline";
import { measureArchive, measureColdStart, measureWarm } from "./bench/notifier";
import { runSpoke, type SpokeMeasure } from "./bench/spoke";
import { mib, ms, ratio, seconds, summarize, verdict, type Summary } from "./bench/stats";

const REPO = path.join(__dirname, "..");
const REGIONS = 17;

// ---- Targets (from the issue) ------------------------------------------------------------------
const ARCHIVE_MAX_BYTES = 10_000;
const COLD_START_MAX_MS = 150;
const WARM_MAX_MS = 5;
const VS_BASELINE_MAX = 1.5;
const SCALING_RATIO_MAX = 1.1;
// Criteria for the recommended shard size (ours, stated in BENCHMARKS.md).
const SHARD_MAX_RSS_BYTES = 2 * 1024 ** 3;
const SHARD_MAX_MS = 90_000;

interface Options {
  sizes: number[];
  repeats: number;
  skipScaling: boolean;
  skipShards: boolean;
  shardAccounts: number;
  shards: number;
  coldRuns: number;
  warmEvents: number;
  heapMb: number;
  out: string;
  /** Raw results, to re-render the report with --render. */
  resultsJson: string;
  render?: string;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    sizes: [10, 100, 1000],
    repeats: 3,
    skipScaling: false,
    skipShards: false,
    shardAccounts: 1000,
    shards: 8,
    coldRuns: 15,
    warmEvents: 1000,
    heapMb: 20_480,
    out: path.join(REPO, "BENCHMARKS.md"),
    resultsJson: path.join(os.tmpdir(), "ram-bench-results.json"),
  };
  const int = (flag: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`${flag} needs an integer >= ${min}, got ${v}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    const next = (): string | undefined => argv[++i];
    switch (flag) {
      case "--sizes":
        o.sizes = (next() ?? "").split(",").map((s) => int("--sizes", s.trim(), 2));
        break;
      case "--repeats":
        o.repeats = int(flag, next(), 1);
        break;
      case "--skip-scaling":
        o.skipScaling = true;
        break;
      case "--skip-shards":
        o.skipShards = true;
        break;
      case "--shard-accounts":
        o.shardAccounts = int(flag, next(), 2);
        break;
      case "--shards":
        o.shards = int(flag, next(), 1);
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
      case "--results-json":
        o.resultsJson = path.resolve(next() ?? "");
        break;
      case "--render":
        o.render = path.resolve(next() ?? "");
        break;
      case "--help":
      case "-h":
        console.log(fs.readFileSync(__filename, "utf8").split("\n").slice(0, 12).join("\n"));
        process.exit(0);
        break;
      default:
        throw new Error(`unknown flag ${flag} (see --help)`);
    }
  }
  o.sizes = [...new Set(o.sizes)].sort((a, b) => a - b);
  return o;
}

function progress(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

function fmtInt(n: number): string {
  return n.toLocaleString("en-US");
}

function stat(s: Summary, fmt: (v: number) => string): string {
  return s.n > 1 ? `${fmt(s.median)} (min ${fmt(s.min)}, max ${fmt(s.max)}, n=${s.n})` : fmt(s.median);
}

// ---- Results -----------------------------------------------------------------------------------

interface ScalingRow {
  accounts: number;
  program: SpokeMeasure[];
  baseline: { resources: number; wallMs: number; maxRssBytes: number }[];
  error?: string;
}

interface Results {
  started: Date;
  finished?: Date;
  archive?: Awaited<ReturnType<typeof measureArchive>> | { error: string };
  cold?: Awaited<ReturnType<typeof measureColdStart>> | { error: string };
  warm?: Awaited<ReturnType<typeof measureWarm>> | { error: string };
  scaling: ScalingRow[];
  shards: (SpokeMeasure | { shard: string; error: string })[];
  /** Remarks printed under the header, e.g. when a report merges runs (set in the results JSON). */
  notes?: string[];
  /** Git revision when the run started. */
  revision?: string;
}

function hasError<T extends object>(v: T | { error: string } | undefined): v is { error: string } {
  return v !== undefined && "error" in v && typeof (v as { error?: unknown }).error === "string";
}

function errorOf(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split("\n")[0] ?? "error";
}

// ---- Report ------------------------------------------------------------------------------------

interface Verdict {
  figure: string;
  measured: string;
  target: string;
  pass: boolean | undefined;
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

/** Least-squares line through (x, y) points. */
function linearFit(points: [number, number][]): { slope: number; intercept: number } {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : my / mx;
  return { slope, intercept: sxx > 0 ? my - slope * mx : 0 };
}

function med(values: number[]): number {
  return summarize(values).median;
}

function report(o: Options, r: Results, command: string): string {
  const cpus = os.cpus();
  const verdicts: Verdict[] = [];
  const lines: string[] = [];
  const elapsed = ((r.finished ?? new Date()).getTime() - r.started.getTime()) / 1000;

  // Notifier archive
  if (r.archive && !hasError(r.archive)) {
    const a = r.archive;
    const nodeModules = a.entries.some((e) => e.includes("node_modules"));
    verdicts.push({
      figure: "Notifier archive, zipped",
      measured: `${fmtInt(a.zippedBytes)} bytes (${fmtInt(a.codeBytes)} bytes unzipped); entries: ${a.entries.map((e) => `\`${e}\``).join(", ")}`,
      target: `< ${fmtInt(ARCHIVE_MAX_BYTES)} bytes, no node_modules`,
      pass: a.zippedBytes < ARCHIVE_MAX_BYTES && !nodeModules,
    });
  } else if (r.archive) {
    verdicts.push({
      figure: "Notifier archive",
      measured: `error: ${r.archive.error}`,
      target: "",
      pass: false,
    });
  }

  // Cold start
  if (r.cold && !hasError(r.cold)) {
    const s = summarize(r.cold.requireToPublishMs);
    verdicts.push({
      figure: "Notifier cold start (require `__index.js` to first completed publish)",
      measured: stat(s, (v) => ms(v)),
      target: `median < ${COLD_START_MAX_MS} ms`,
      pass: s.median < COLD_START_MAX_MS,
    });
  } else if (r.cold) {
    verdicts.push({
      figure: "Notifier cold start",
      measured: `error: ${r.cold.error}`,
      target: "",
      pass: false,
    });
  }

  // Warm
  if (r.warm && !hasError(r.warm)) {
    const s = summarize(r.warm.perEventMs);
    verdicts.push({
      figure: `Notifier warm, per event (${fmtInt(r.warm.events)} events, one process)`,
      measured: `${ms(s.median, 2)} median (p90 ${ms(s.p90, 2)}, min ${ms(s.min, 2)}, max ${ms(s.max, 2)})`,
      target: `median < ${WARM_MAX_MS} ms`,
      pass: s.median < WARM_MAX_MS,
    });
  } else if (r.warm) {
    verdicts.push({ figure: "Notifier warm", measured: `error: ${r.warm.error}`, target: "", pass: false });
  }

  // Scaling
  const done = r.scaling.filter((row) => !row.error && row.program.length > 0 && row.baseline.length > 0);
  for (const row of r.scaling) {
    const n = row.accounts;
    if (row.error) {
      verdicts.push({
        figure: `Spoke program, ${fmtInt(n)} accounts`,
        measured: `error: ${row.error}`,
        target: "",
        pass: false,
      });
      continue;
    }
    const pairs = Math.min(row.program.length, row.baseline.length);
    const timeRatios: number[] = [];
    const rssRatios: number[] = [];
    for (let i = 0; i < pairs; i++) {
      const p = row.program[i] as SpokeMeasure;
      const b = row.baseline[i] as ScalingRow["baseline"][number];
      timeRatios.push(p.wallMs / b.wallMs);
      rssRatios.push(p.maxRssBytes / b.maxRssBytes);
    }
    const t = med(timeRatios);
    const m = med(rssRatios);
    verdicts.push({
      figure: `Spoke program time vs baseline, ${fmtInt(n)} accounts x ${REGIONS} regions`,
      measured: `${ratio(t)} (${seconds(med(row.program.map((p) => p.wallMs)))} vs ${seconds(med(row.baseline.map((b) => b.wallMs)))})`,
      target: `<= ${VS_BASELINE_MAX}x`,
      pass: t <= VS_BASELINE_MAX,
    });
    verdicts.push({
      figure: `Spoke program peak RSS vs baseline, ${fmtInt(n)} accounts`,
      measured: `${ratio(m)} (${mib(med(row.program.map((p) => p.maxRssBytes)))} vs ${mib(med(row.baseline.map((b) => b.maxRssBytes)))})`,
      target: `<= ${VS_BASELINE_MAX}x`,
      pass: m <= VS_BASELINE_MAX,
    });
    const p0 = row.program[0] as SpokeMeasure;
    const limit = 2 * n + 2 * n * REGIONS;
    verdicts.push({
      figure: `Spoke resources, ${fmtInt(n)} accounts`,
      measured: `${fmtInt(p0.resources)} (${(p0.resources / n).toFixed(2)} per account)`,
      target: `<= 2/account + 2/account x region = ${fmtInt(limit)}`,
      pass: p0.resources <= limit,
    });
  }
  if (done.length >= 2) {
    const lo = done[done.length - 2] as ScalingRow;
    const hi = done[done.length - 1] as ScalingRow;
    const pr = med(hi.program.map((p) => p.wallMs)) / med(lo.program.map((p) => p.wallMs));
    const br = med(hi.baseline.map((b) => b.wallMs)) / med(lo.baseline.map((b) => b.wallMs));
    const isTarget = lo.accounts === 100 && hi.accounts === 1000;
    verdicts.push({
      figure: `Spoke time growth ${fmtInt(lo.accounts)} -> ${fmtInt(hi.accounts)} accounts, program / baseline`,
      measured: `${ratio(pr / br)} (program ${ratio(pr)}, baseline ${ratio(br)}; accounts x${hi.accounts / lo.accounts})`,
      target: `<= ${SCALING_RATIO_MAX}x${isTarget ? "" : " (target is defined for 100 -> 1,000)"}`,
      pass: isTarget ? pr / br <= SCALING_RATIO_MAX : undefined,
    });
  }

  // Shards
  const shardOk = r.shards.filter((s): s is SpokeMeasure => !("error" in s));
  let recommendation = "";
  if (r.shards.length > 0) {
    const failed = r.shards.filter((s) => "error" in s);
    const sumCovered = shardOk.reduce((a, s) => a + s.covered, 0);
    const maxRss = Math.max(...shardOk.map((s) => s.maxRssBytes));
    const maxMs = Math.max(...shardOk.map((s) => s.wallMs));
    // Linear fit (cost = fixed + per account x accounts) over the program runs near shard size:
    // up to twice the largest shard (larger runs grow faster than linearly and would skew it).
    const near = 2 * Math.max(...shardOk.map((s) => s.covered));
    const points = [...done.flatMap((row) => row.program), ...shardOk].filter((p) => p.covered <= near);
    const fitMs = linearFit(points.map((p) => [p.covered, p.wallMs]));
    const fitRss = linearFit(points.map((p) => [p.covered, p.maxRssBytes]));
    const byTime = Math.floor((SHARD_MAX_MS - fitMs.intercept) / fitMs.slope);
    const byRss = Math.floor((SHARD_MAX_RSS_BYTES - fitRss.intercept) / fitRss.slope);
    const size = Math.max(25, Math.floor(Math.min(byTime, byRss) / 25) * 25);
    const count = (n: number): string => {
      const k = Math.ceil(n / size);
      return `${k} shard${k === 1 ? "" : "s"}`;
    };
    recommendation =
      `About **${size} accounts per shard** (${fmtInt(size * (2 + 2 * REGIONS))} resources), i.e. ` +
      `${count(o.shardAccounts)} for ${fmtInt(o.shardAccounts)} accounts and ${count(5000)} for 5,000. ` +
      `Criteria (ours): a shard's evaluation under mocks stays under ${seconds(SHARD_MAX_MS)} and ` +
      `${mib(SHARD_MAX_RSS_BYTES)} peak RSS on this machine, leaving room for the engine and provider ` +
      `plugins of a real run. Fitted over the ${points.length} program runs of up to ${near} accounts: ${ms(fitMs.slope, 0)} and ` +
      `${mib(fitRss.slope)} per account, plus ${seconds(fitMs.intercept)} and ${mib(fitRss.intercept)} fixed.`;
    verdicts.push({
      figure: `Sharding: ${fmtInt(o.shardAccounts)} accounts in ${o.shards} shards`,
      measured:
        `${fmtInt(sumCovered)} accounts covered in total, ${failed.length} failed; slowest shard ${seconds(maxMs)}, ` +
        `largest ${mib(maxRss)}`,
      target: "every account in exactly one shard",
      pass: failed.length === 0 && sumCovered === o.shardAccounts,
    });
  }

  // ---- Document ----
  lines.push("# Benchmarks", "");
  lines.push(
    "Generated by `npm run bench` (`scripts/bench.ts`); do not edit by hand. Targets come from the",
    "performance issue; the README's [Sizing](README.md#sizing) section reads these figures.",
    "",
  );
  lines.push("| | |", "|---|---|");
  lines.push(`| Date | ${r.started.toISOString()} |`);
  lines.push(`| Command | \`${command}\` |`);
  lines.push(`| Bench run time | ${(elapsed / 60).toFixed(1)} min |`);
  lines.push(
    `| Machine | ${cpus.length} CPUs, ${cpus[0]?.model ?? "unknown"}, ${mib(os.totalmem())} RAM, ${os.platform()} ${os.release()} |`,
  );
  lines.push(`| Node | ${process.version} |`);
  lines.push(`| Revision | ${r.revision ?? gitRevision()} |`);
  lines.push(
    `| Program/baseline children | \`--max-old-space-size=${o.heapMb}\` (Pulumi's mock runtime needs ~0.2 MB of heap per resource; Node's default ~4 GB limit is too small for 36,000) |`,
  );
  lines.push("");
  for (const note of r.notes ?? []) lines.push(`> ${note}`, "");
  lines.push("The machine is shared and noisy: figures are medians of repeated runs where repeated, and");
  lines.push("program-vs-baseline comparisons are ratios of runs made back to back.");
  lines.push("");
  lines.push("## Summary", "");
  lines.push("| figure | measured | target | result |", "|---|---|---|---|");
  for (const v of verdicts) {
    const res = v.pass === undefined ? "n/a" : verdict(v.pass);
    lines.push(`| ${v.figure} | ${v.measured} | ${v.target} | ${res} |`);
  }
  lines.push("");

  // Notifier details
  lines.push("## Notifier", "");
  if (r.archive && !hasError(r.archive)) {
    lines.push(
      "**Archive.** The hub program (`Pulumi.hub.yaml`, `organizationId: o-exampleorg1`) run under mocks;",
      "the code asset of the `aws.lambda.CallbackFunction`, zipped with deflate (`tests/support/zip.ts`).",
      `Entries: ${r.archive.entries.map((e) => `\`${e}\``).join(", ")}. ${fmtInt(r.archive.codeBytes)} bytes of code, ` +
        `${fmtInt(r.archive.zippedBytes)} bytes zipped.`,
      "",
    );
  }
  if (r.cold && !hasError(r.cold)) {
    const c = r.cold;
    lines.push(
      `**Cold start.** ${c.requireToPublishMs.length} fresh Node processes, each laid out as in Lambda`,
      "(`var/task/__index.js`, only the AWS SDK on `NODE_PATH`), against a local SNS/Organizations",
      'endpoint. Timed from just before `require("__index.js")` to the end of the first invocation',
      "(one SQS record with a root event: Organizations `DescribeAccount`, then SNS `Publish`).",
      "",
      "| | median | min | max |",
      "|---|---|---|---|",
    );
    for (const [label, values] of [
      ["require to first completed publish", c.requireToPublishMs],
      ['of which `require("__index.js")`', c.requireMs],
      ["process start to first completed publish (adds Node's own start-up)", c.processToPublishMs],
    ] as const) {
      const s = summarize(values);
      lines.push(`| ${label} | ${ms(s.median)} | ${ms(s.min)} | ${ms(s.max)} |`);
    }
    lines.push("");
  }
  if (r.warm && !hasError(r.warm)) {
    const w = r.warm;
    const s = summarize(w.perEventMs);
    lines.push(
      `**Warm.** One process, ${fmtInt(w.events)} events after one warm-up event, each its own invocation`,
      "(one SQS record), each with its own event ID, cycling through the alerting `tests/fixtures/root-*.json`",
      `envelopes. ${fmtInt(w.publishes)} publishes; ${w.describeAccountCalls} DescribeAccount calls (names are cached`,
      `per container). Median ${ms(s.median, 2)}, p90 ${ms(s.p90, 2)}, min ${ms(s.min, 2)}, max ${ms(s.max, 2)}.`,
      "",
    );
  }

  // Scaling details
  if (r.scaling.length > 0) {
    lines.push("## Spoke program scaling", "");
    lines.push(
      "The real `index.ts` with `Pulumi.spoke-template.yaml` (`hubEventBusArn` set, `hubStack` unset, the",
      `17 default regions), run under Pulumi mocks in a fresh process as the tests do`,
      "(`tests/support/programChild.ts`, lightweight), against a fake organization of N ACTIVE accounts",
      "(the management account, which is the caller, plus N-1 members). Baseline: `scripts/bench/baselineChild.ts`,",
      "a program that registers the same number of plain `aws.cloudwatch.EventRule` resources under the same",
      "mocks, started the same way. Time: in the child, from `require` of the program to its outputs resolved",
      "and the mock monitor drained. Peak RSS: `process.resourceUsage().maxRSS` of the child.",
      `Runs per size: ${o.repeats} up to 100 accounts, 1 above; program and baseline alternate.`,
      "",
      "| accounts | resources | program time | baseline time | time ratio | program peak RSS | baseline peak RSS | RSS ratio | program process |",
      "|---|---|---|---|---|---|---|---|---|",
    );
    for (const row of r.scaling) {
      if (row.error) {
        lines.push(`| ${fmtInt(row.accounts)} | error: ${row.error} | | | | | | | |`);
        continue;
      }
      const p = row.program;
      const b = row.baseline;
      const pairs = Math.min(p.length, b.length);
      const tr = med(
        Array.from({ length: pairs }, (_, i) => (p[i] as SpokeMeasure).wallMs / (b[i]?.wallMs ?? NaN)),
      );
      const mr = med(
        Array.from(
          { length: pairs },
          (_, i) => (p[i] as SpokeMeasure).maxRssBytes / (b[i]?.maxRssBytes ?? NaN),
        ),
      );
      lines.push(
        `| ${fmtInt(row.accounts)} | ${fmtInt(p[0]?.resources ?? 0)} | ${stat(summarize(p.map((x) => x.wallMs)), seconds)} | ` +
          `${stat(summarize(b.map((x) => x.wallMs)), seconds)} | ${ratio(tr)} | ${stat(summarize(p.map((x) => x.maxRssBytes)), mib)} | ` +
          `${stat(summarize(b.map((x) => x.maxRssBytes)), mib)} | ${ratio(mr)} | ${seconds(med(p.map((x) => x.processMs)))} |`,
      );
    }
    lines.push("");
    const first = done[0]?.program[0];
    if (first) {
      lines.push(
        `Resources by type at ${fmtInt(first.accounts)} accounts: ` +
          Object.entries(first.byType)
            .sort()
            .map(([t, c]) => `\`${t}\` ${fmtInt(c)}`)
            .join(", ") +
          ".",
        "",
      );
    }
    if (done.length > 0) {
      lines.push("Per-resource cost (median time / resources, and peak RSS / resources):", "");
      lines.push(
        "| accounts | program ms/resource | baseline ms/resource | program KB/resource | baseline KB/resource |",
      );
      lines.push("|---|---|---|---|---|");
      for (const row of done) {
        const n = row.program[0]?.resources ?? NaN;
        lines.push(
          `| ${fmtInt(row.accounts)} | ${(med(row.program.map((x) => x.wallMs)) / n).toFixed(2)} | ` +
            `${(med(row.baseline.map((x) => x.wallMs)) / n).toFixed(2)} | ` +
            `${(med(row.program.map((x) => x.maxRssBytes)) / n / 1024).toFixed(0)} | ` +
            `${(med(row.baseline.map((x) => x.maxRssBytes)) / n / 1024).toFixed(0)} |`,
        );
      }
      lines.push("");
    }
  }

  // Shards
  if (r.shards.length > 0) {
    lines.push("## Sharding", "");
    lines.push(
      `The same organization of ${fmtInt(o.shardAccounts)} accounts, one spoke run per shard (\`shard: "k/${o.shards}"\`),`,
      "one after another, measured as above.",
      "",
      "| shard | accounts | resources | time | peak RSS |",
      "|---|---|---|---|---|",
    );
    for (const s of r.shards) {
      if ("error" in s) lines.push(`| ${s.shard} | error: ${s.error} | | | |`);
      else
        lines.push(
          `| ${s.shard} | ${fmtInt(s.covered)} | ${fmtInt(s.resources)} | ${seconds(s.wallMs)} | ${mib(s.maxRssBytes)} |`,
        );
    }
    if (shardOk.length > 0) {
      const t = summarize(shardOk.map((s) => s.wallMs));
      const m = summarize(shardOk.map((s) => s.maxRssBytes));
      lines.push(
        `| **median** (min-max) | ${med(shardOk.map((s) => s.covered))} | ${fmtInt(med(shardOk.map((s) => s.resources)))} | ` +
          `${seconds(t.median)} (${seconds(t.min)}-${seconds(t.max)}) | ${mib(m.median)} (${mib(m.min)}-${mib(m.max)}) |`,
      );
      const whole = r.scaling.find((row) => row.accounts === o.shardAccounts && !row.error)?.program;
      lines.push("");
      if (whole && whole.length > 0) {
        const wholeMs = med(whole.map((p) => p.wallMs));
        const wholeRss = med(whole.map((p) => p.maxRssBytes));
        const sum = shardOk.reduce((a, s) => a + s.wallMs, 0);
        lines.push(
          `One stack for all ${fmtInt(o.shardAccounts)} accounts: ${seconds(wholeMs)}, ${mib(wholeRss)}. ` +
            `The ${o.shards} shards: ${seconds(sum)} one after another, ${seconds(t.max)} when run in parallel ` +
            `(slowest shard), and at most ${mib(m.max)} each.`,
          "",
        );
      }
      lines.push(`**Recommended shard size.** ${recommendation}`, "");
    }
  }

  lines.push("## Method notes", "");
  lines.push(
    "- Pulumi mocks replace the engine and the providers, so these figures are the program's own cost",
    "  (TypeScript, the Pulumi SDK's resource registration, the program's logic); a real `pulumi preview`",
    "  adds the engine, provider plugins and, for `up`, the AWS API calls, per resource.",
    "- The local AWS endpoint runs in the bench process; the notifier runs in a child process.",
    "- Archive size is measured with our zip writer (deflate), close to Pulumi's archive; the figure is",
    "  the uploaded size to within a few dozen bytes of headers.",
  );
  lines.push("");
  return lines.join("\n");
}

// ---- Main --------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const o = parseArgs(args);
  if (o.render) {
    // Re-render a report from the raw results of an earlier run (no measuring).
    const saved = JSON.parse(fs.readFileSync(o.render, "utf8")) as {
      options: Options;
      command: string;
      results: Results;
    };
    const results = saved.results;
    results.started = new Date(results.started);
    if (results.finished) results.finished = new Date(results.finished);
    fs.writeFileSync(o.out, report({ ...saved.options, out: o.out }, results, saved.command));
    progress(`rendered ${o.out} from ${o.render}`);
    return;
  }
  const command = `npm run bench${args.length > 0 ? ` -- ${args.join(" ")}` : ""}`;
  const r: Results = { started: new Date(), scaling: [], shards: [], revision: gitRevision() };
  const childEnv = { NODE_OPTIONS: `--max-old-space-size=${o.heapMb}` };
  const write = (): void => {
    fs.writeFileSync(o.out, report(o, r, command));
    const { code: _code, ...archive } = (r.archive ?? {}) as Record<string, unknown>;
    fs.writeFileSync(o.resultsJson, JSON.stringify({ options: o, command, results: { ...r, archive } }));
  };

  progress("notifier archive (hub program under mocks)");
  try {
    r.archive = await measureArchive();
  } catch (err) {
    r.archive = { error: errorOf(err) };
  }
  const code = hasError(r.archive) ? undefined : r.archive?.code;
  if (code) {
    progress(`notifier cold start, ${o.coldRuns} fresh processes`);
    try {
      r.cold = await measureColdStart(code, o.coldRuns);
    } catch (err) {
      r.cold = { error: errorOf(err) };
    }
    progress(`notifier warm, ${o.warmEvents} events`);
    try {
      r.warm = await measureWarm(code, o.warmEvents);
    } catch (err) {
      r.warm = { error: errorOf(err) };
    }
  }
  write();

  if (!o.skipScaling) {
    for (const n of o.sizes) {
      const row: ScalingRow = { accounts: n, program: [], baseline: [] };
      r.scaling.push(row);
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
  }

  if (!o.skipShards) {
    for (let k = 1; k <= o.shards; k++) {
      const shard = `${k}/${o.shards}`;
      progress(`spoke program, ${o.shardAccounts} accounts, shard ${shard}`);
      try {
        const s = await runSpoke(o.shardAccounts, { shard, env: childEnv });
        r.shards.push(s);
        progress(
          `  ${s.covered} accounts, ${s.resources} resources, ${seconds(s.wallMs)}, ${mib(s.maxRssBytes)}`,
        );
      } catch (err) {
        r.shards.push({ shard, error: errorOf(err) });
        progress(`  failed: ${errorOf(err)}`);
      }
      write();
    }
  }

  r.finished = new Date();
  write();
  progress(
    `wrote ${path.relative(process.cwd(), o.out)} in ${((r.finished.getTime() - r.started.getTime()) / 60000).toFixed(1)} min`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
