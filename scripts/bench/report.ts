// Renders BENCHMARKS.md from the benchmark's results (scripts/bench/results.ts), with PASS/FAIL
// per target. Each part says which run measured it.
import { renderDesigns } from "./designs";
import type { SpokeMeasure } from "./spoke";
import {
  compacted,
  embed,
  hasError,
  PART_TITLES,
  PARTS,
  type Provenance,
  type Results,
  type ScalingRow,
} from "./results";
import { mib, ms, ratio, seconds, summarize, verdict, type Summary } from "./stats";

export const REGIONS = 17;

// ---- Targets (from the issue) ------------------------------------------------------------------
const ARCHIVE_MAX_BYTES = 10_000;
const COLD_START_MAX_MS = 150;
const WARM_MAX_MS = 5;
// Spoke program vs baseline, from 100 accounts on (below, fixed costs dominate): time and memory.
const VS_BASELINE_MAX = 1.2;
const RSS_VS_BASELINE_MAX = 1.0;
const SCALING_RATIO_MAX = 1.1;
// Criteria for the recommended shard size (ours, stated in BENCHMARKS.md).
const SHARD_MAX_RSS_BYTES = 2 * 1024 ** 3;
const SHARD_MAX_MS = 90_000;

interface Verdict {
  figure: string;
  measured: string;
  target: string;
  pass: boolean | undefined;
}

function failed(figure: string, error: string): Verdict {
  return { figure, measured: `error: ${error}`, target: "", pass: false };
}

function fmtInt(n: number): string {
  return n.toLocaleString("en-US");
}

function stat(s: Summary, fmt: (v: number) => string): string {
  return s.n > 1 ? `${fmt(s.median)} (min ${fmt(s.min)}, max ${fmt(s.max)}, n=${s.n})` : fmt(s.median);
}

function med(values: number[]): number {
  return summarize(values).median;
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

function provenance(p: Provenance, shared: { machine?: string; node?: string }): string {
  const started = p.started.replace(/\.\d+Z$/, "Z");
  const took = p.finished
    ? `, ${((Date.parse(p.finished) - Date.parse(p.started)) / 60_000).toFixed(1)} min`
    : ", run not finished";
  const where = [
    p.machine !== shared.machine ? `machine: ${p.machine}` : "",
    p.node !== shared.node ? `Node ${p.node}` : "",
  ].filter(Boolean);
  return `${started} on ${p.revision}${took}: \`${p.command}\`${where.length > 0 ? ` (${where.join(", ")})` : ""}`;
}

/** The whole report, with the results embedded at the end. */
export function renderReport(measured: Results): string {
  const r = compacted(measured);
  const verdicts: Verdict[] = [];
  const lines: string[] = [];
  const n = r.notifier;
  const archive = n?.archive;
  const cold = n?.cold;
  const warm = n?.warm;
  const warmState = n?.warmWithState;
  const coldState = n?.coldWithState;
  const scaling = r.scaling?.rows ?? [];
  const shardRuns = r.shards?.runs ?? [];

  // Notifier archive
  if (archive && !hasError(archive)) {
    const nodeModules = archive.entries.some((e) => e.includes("node_modules"));
    verdicts.push({
      figure: "Notifier archive, zipped",
      measured: `${fmtInt(archive.zippedBytes)} bytes (${fmtInt(archive.codeBytes)} bytes unzipped); entries: ${archive.entries.map((e) => `\`${e}\``).join(", ")}`,
      target: `< ${fmtInt(ARCHIVE_MAX_BYTES)} bytes, no node_modules`,
      pass: archive.zippedBytes < ARCHIVE_MAX_BYTES && !nodeModules,
    });
  } else if (archive) {
    verdicts.push(failed("Notifier archive", archive.error));
  }

  // Cold start
  if (cold && !hasError(cold)) {
    const s = summarize(cold.requireToPublishMs);
    verdicts.push({
      figure: "Notifier cold start (require `__index.js` to first completed publish)",
      measured: stat(s, (v) => ms(v)),
      target: `median < ${COLD_START_MAX_MS} ms`,
      pass: s.median < COLD_START_MAX_MS,
    });
  } else if (cold) {
    verdicts.push(failed("Notifier cold start", cold.error));
  }

  if (coldState && !hasError(coldState)) {
    verdicts.push({
      figure: "Notifier cold start with the state table (require to first completed publish)",
      measured: stat(summarize(coldState.requireToPublishMs), (v) => ms(v)),
      target: "none (includes the local DynamoDB's own time)",
      pass: undefined,
    });
  } else if (coldState) {
    verdicts.push(failed("Notifier cold start with the state table", coldState.error));
  }

  // Warm
  if (warm && !hasError(warm)) {
    const s = summarize(warm.perEventMs);
    verdicts.push({
      figure: `Notifier warm, per event (${fmtInt(warm.events)} events, one process)`,
      measured: `${ms(s.median, 2)} median (p90 ${ms(s.p90, 2)}, min ${ms(s.min, 2)}, max ${ms(s.max, 2)})`,
      target: `median < ${WARM_MAX_MS} ms`,
      pass: s.median < WARM_MAX_MS,
    });
  } else if (warm) {
    verdicts.push({ figure: "Notifier warm", measured: `error: ${warm.error}`, target: "", pass: false });
  }
  if (warmState && !hasError(warmState)) {
    const s = summarize(warmState.perEventMs);
    verdicts.push({
      figure: `Notifier warm with the state table, per event (${fmtInt(warmState.events)}-event burst)`,
      measured: `${ms(s.median, 2)} median (p90 ${ms(s.p90, 2)}); ${(warmState.dynamoCalls / (warmState.events + 1)).toFixed(1)} DynamoDB calls per event`,
      target: "none (includes the local DynamoDB's own time)",
      pass: undefined,
    });
  } else if (warmState) {
    verdicts.push(failed("Notifier warm with the state table", warmState.error));
  }

  // Scaling
  const done = scaling.filter((row) => !row.error && row.program.length > 0 && row.baseline.length > 0);
  const pairedRatios = (row: ScalingRow, pick: (m: { wallMs: number; maxRssBytes: number }) => number) =>
    med(
      Array.from(
        { length: Math.min(row.program.length, row.baseline.length) },
        (_, i) =>
          pick(row.program[i] as SpokeMeasure) /
          pick(row.baseline[i] as { wallMs: number; maxRssBytes: number }),
      ),
    );
  for (const row of scaling) {
    const accounts = row.accounts;
    if (row.error) {
      verdicts.push(failed(`Spoke program, ${fmtInt(accounts)} accounts`, row.error));
      continue;
    }
    if (row.program.length === 0 || row.baseline.length === 0) continue;
    const t = pairedRatios(row, (m) => m.wallMs);
    const m = pairedRatios(row, (x) => x.maxRssBytes);
    const targeted = accounts >= 100;
    verdicts.push({
      figure: `Spoke program time vs baseline, ${fmtInt(accounts)} accounts x ${REGIONS} regions`,
      measured: `${ratio(t)} (${seconds(med(row.program.map((p) => p.wallMs)))} vs ${seconds(med(row.baseline.map((b) => b.wallMs)))})`,
      target: targeted ? `<= ${VS_BASELINE_MAX}x` : "none below 100 accounts",
      pass: targeted ? t <= VS_BASELINE_MAX : undefined,
    });
    verdicts.push({
      figure: `Spoke program peak RSS vs baseline, ${fmtInt(accounts)} accounts`,
      measured: `${ratio(m)} (${mib(med(row.program.map((p) => p.maxRssBytes)))} vs ${mib(med(row.baseline.map((b) => b.maxRssBytes)))})`,
      target: targeted ? `<= ${RSS_VS_BASELINE_MAX}x` : "none below 100 accounts",
      pass: targeted ? m <= RSS_VS_BASELINE_MAX : undefined,
    });
    const p0 = row.program[0] as SpokeMeasure;
    const limit = 2 * accounts + 2 * accounts * REGIONS;
    verdicts.push({
      figure: `Spoke resources, ${fmtInt(accounts)} accounts`,
      measured: `${fmtInt(p0.resources)} (${(p0.resources / accounts).toFixed(2)} per account)`,
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

  // Program start
  for (const row of r.start?.rows ?? []) {
    const measured =
      "error" in row
        ? `error: ${row.error}`
        : `${seconds(row.transpileOnly.sinceStartMs)}, ${mib(row.transpileOnly.maxRssBytes)} transpile-only (as shipped); ` +
          `${seconds(row.checked.sinceStartMs)}, ${mib(row.checked.maxRssBytes)} type-checked`;
    verdicts.push({
      figure: `Program start to registered resources, ${row.target}`,
      measured,
      target: "none",
      pass: "error" in row ? false : undefined,
    });
  }

  // Shards
  const shardOk = shardRuns.filter((s): s is SpokeMeasure => !("error" in s));
  let recommendation = "";
  if (r.shards && shardRuns.length > 0) {
    const { shardAccounts, shards } = r.shards;
    const failed = shardRuns.filter((s) => "error" in s);
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
    const count = (accounts: number): string => {
      const k = Math.ceil(accounts / size);
      return `${k} shard${k === 1 ? "" : "s"}`;
    };
    recommendation =
      `About **${size} accounts per shard** (${fmtInt(size * (2 + 2 * REGIONS))} resources), i.e. ` +
      `${count(shardAccounts)} for ${fmtInt(shardAccounts)} accounts and ${count(5000)} for 5,000. ` +
      `Criteria (ours): a shard's evaluation under mocks stays under ${seconds(SHARD_MAX_MS)} and ` +
      `${mib(SHARD_MAX_RSS_BYTES)} peak RSS on this machine, leaving room for the engine and provider ` +
      `plugins of a real run. Fitted over the ${points.length} program runs of up to ${near} accounts: ${ms(fitMs.slope, 0)} and ` +
      `${mib(fitRss.slope)} per account, plus ${seconds(fitMs.intercept)} and ${mib(fitRss.intercept)} fixed.`;
    verdicts.push({
      figure: `Sharding: ${fmtInt(shardAccounts)} accounts in ${shards} shards`,
      measured:
        `${fmtInt(sumCovered)} accounts covered in total, ${failed.length} failed; slowest shard ${seconds(maxMs)}, ` +
        `largest ${mib(maxRss)}`,
      target: "every account in exactly one shard",
      pass: failed.length === 0 && sumCovered === shardAccounts,
    });
  }

  // ---- Document ----
  const parts = PARTS.filter((p) => r[p] !== undefined);
  const latest = parts
    .map((p) => r[p] as Provenance)
    .sort((a, b) => Date.parse(b.started) - Date.parse(a.started))[0];
  const shared = { machine: latest?.machine, node: latest?.node };
  lines.push("# Benchmarks", "");
  lines.push(
    "Generated by `npm run bench` (`scripts/bench.ts`); do not edit by hand. Targets come from the",
    "performance issue; the README's [Sizing](README.md#sizing) section reads these figures.",
    "The figures come in parts (notifier, program start, spoke scaling, spoke profile, shards); a run",
    "can refresh some and keep the others (`--skip-scaling`, `--skip-notifier`, `--only`), so each",
    "part names its run.",
    "",
  );
  lines.push("| | |", "|---|---|");
  if (shared.machine) lines.push(`| Machine | ${shared.machine} |`);
  if (shared.node) lines.push(`| Node | ${shared.node} |`);
  for (const p of parts) lines.push(`| ${PART_TITLES[p]} | ${provenance(r[p] as Provenance, shared)} |`);
  const heapMb = r.scaling?.heapMb ?? r.shards?.heapMb;
  if (heapMb !== undefined) {
    lines.push(
      `| Program/baseline children | \`--max-old-space-size=${heapMb}\` (Pulumi's mock runtime needs ~0.2 MB of heap per resource; Node's default ~4 GB limit is too small for 36,000) |`,
    );
  }
  lines.push("");
  const notes = [...new Set(parts.flatMap((p) => (r[p] as Provenance).notes ?? []))];
  for (const note of notes) lines.push(`> ${note}`, "");
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
  if (n) {
    lines.push("## Notifier", "");
    if (archive && !hasError(archive)) {
      lines.push(
        "**Archive.** The hub program (`Pulumi.hub.yaml`, `organizationId: o-exampleorg1`) run under mocks;",
        "the code asset of the `aws.lambda.CallbackFunction`, zipped with deflate (`testkit/zip.ts`).",
        `Entries: ${archive.entries.map((e) => `\`${e}\``).join(", ")}. ${fmtInt(archive.codeBytes)} bytes of code, ` +
          `${fmtInt(archive.zippedBytes)} bytes zipped.`,
        "",
      );
      if (archive.modules && archive.modules.length > 0) {
        lines.push(
          "Where the bytes come from (`scripts/bench/archiveModules.ts`, from the esbuild source map): the",
          "minified bytes of each module, and how much smaller the deflated bundle gets without them.",
          "Modules share strings and names, which compress together, so the column does not add up to",
          "the total.",
          "",
          "| module | minified bytes | deflated bytes |",
          "|---|---|---|",
          ...archive.modules.map(
            (m) => `| \`${m.module}\` | ${fmtInt(m.minifiedBytes)} | ${fmtInt(m.deflatedBytes)} |`,
          ),
          "",
        );
      }
    }
    if (cold && !hasError(cold)) {
      lines.push(
        `**Cold start.** ${cold.requireToPublishMs.length} fresh Node processes, each laid out as in Lambda`,
        "(`var/task/__index.js`, only the AWS SDK on `NODE_PATH`), against a local SNS/Organizations",
        'endpoint. Timed from just before `require("__index.js")` to the end of the first invocation',
        "(one SQS record with a root event: Organizations `DescribeAccount`, then SNS `Publish`).",
        "",
        "| | median | min | max |",
        "|---|---|---|---|",
      );
      for (const [label, values] of [
        ["require to first completed publish", cold.requireToPublishMs],
        ['of which `require("__index.js")`', cold.requireMs],
        ["process start to first completed publish (adds Node's own start-up)", cold.processToPublishMs],
      ] as const) {
        const s = summarize(values);
        lines.push(`| ${label} | ${ms(s.median)} | ${ms(s.min)} | ${ms(s.max)} |`);
      }
      if (coldState && !hasError(coldState)) {
        const s = summarize(coldState.requireToPublishMs);
        lines.push(
          `| with the state table, as deployed: require to first completed publish | ${ms(s.median)} | ${ms(s.min)} | ${ms(s.max)} |`,
        );
      }
      lines.push("");
      if (coldState && !hasError(coldState)) {
        lines.push(
          "With the state table (last row), `STATE_TABLE` is on a local DynamoDB (dynalite) and each event",
          "comes from its own account, so it is the first of its burst: it also loads the DynamoDB client,",
          "claims its event ID and counts its storm bucket before the publish, and records it as done after.",
          "",
        );
      }
    }
    if (warm && !hasError(warm)) {
      const s = summarize(warm.perEventMs);
      lines.push(
        `**Warm.** One process, ${fmtInt(warm.events)} events after one warm-up event, each its own invocation`,
        "(one SQS record), each with its own event ID, cycling through the alerting `tests/fixtures/root-*.json`",
        `envelopes. ${fmtInt(warm.publishes)} publishes; ${warm.describeAccountCalls} DescribeAccount calls (names are cached`,
        `per container). Median ${ms(s.median, 2)}, p90 ${ms(s.p90, 2)}, min ${ms(s.min, 2)}, max ${ms(s.max, 2)}.`,
        "No state table is configured for this figure: it times classification, formatting, the name cache",
        "and the publish.",
        "",
      );
    }
    if (warmState && !hasError(warmState)) {
      const s = summarize(warmState.perEventMs);
      const perEvent = (warmState.dynamoCalls / (warmState.events + 1)).toFixed(1);
      lines.push(
        "**Warm with the state table (as deployed).** The same events, one process, but with `STATE_TABLE`",
        "on a local DynamoDB (dynalite, in the bench's own process) and `EVENT_QUEUE_URL` on the local",
        "endpoint. The events arrive as one burst, so after each account's first alert the rest take the",
        "storm path (the claim and the account's activity note side by side, then the event's entry in its",
        "bucket, which is also its done mark). Digest flushes are scheduled but not",
        `delivered. ${fmtInt(warmState.publishes)} alerts published on their own (each account's first event and every`,
        `critical one), ${fmtInt(warmState.flushesScheduled)} digest flushes scheduled, ${fmtInt(warmState.dynamoCalls)} DynamoDB calls (${perEvent} per event). Median ${ms(s.median, 2)}, p90 ${ms(s.p90, 2)},`,
        `min ${ms(s.min, 2)}, max ${ms(s.max, 2)}. dynalite's own time is inside these figures; in AWS each`,
        "DynamoDB call is a network round trip of a few milliseconds within the region.",
        "",
      );
    }
    lines.push(...renderDesigns(n?.designs));
  }

  // Scaling details
  if (r.scaling && scaling.length > 0) {
    lines.push("## Spoke program scaling", "");
    lines.push(
      "The real `index.ts` with `Pulumi.spoke-template.yaml` (`hubEventBusArn` set, `hubStack` unset, the",
      `17 default regions), run under Pulumi mocks in a fresh process as the tests do`,
      "(`testkit/programChild.ts`, lightweight), against a fake organization of N ACTIVE accounts",
      "(the management account, which is the caller, plus N-1 members). Baseline: `scripts/bench/baselineChild.ts`,",
      "a program that registers the same number of plain `aws.cloudwatch.EventRule` resources under the same",
      "mocks, started the same way. Time: in the child, from `require` of the program to its outputs resolved",
      "and the mock monitor drained. Peak RSS: `process.resourceUsage().maxRSS` of the child.",
      `Runs per size: ${r.scaling.repeats} up to 100 accounts, 1 above; program and baseline alternate.`,
      "",
      "| accounts | resources | program time | baseline time | time ratio | program peak RSS | baseline peak RSS | RSS ratio | program process |",
      "|---|---|---|---|---|---|---|---|---|",
    );
    for (const row of scaling) {
      if (row.error) {
        lines.push(`| ${fmtInt(row.accounts)} | error: ${row.error} | | | | | | | |`);
        continue;
      }
      const p = row.program;
      const b = row.baseline;
      if (p.length === 0 || b.length === 0) continue;
      lines.push(
        `| ${fmtInt(row.accounts)} | ${fmtInt(p[0]?.resources ?? 0)} | ${stat(summarize(p.map((x) => x.wallMs)), seconds)} | ` +
          `${stat(summarize(b.map((x) => x.wallMs)), seconds)} | ${ratio(pairedRatios(row, (x) => x.wallMs))} | ${stat(summarize(p.map((x) => x.maxRssBytes)), mib)} | ` +
          `${stat(summarize(b.map((x) => x.maxRssBytes)), mib)} | ${ratio(pairedRatios(row, (x) => x.maxRssBytes))} | ${seconds(med(p.map((x) => x.processMs)))} |`,
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
        const count = row.program[0]?.resources ?? NaN;
        lines.push(
          `| ${fmtInt(row.accounts)} | ${(med(row.program.map((x) => x.wallMs)) / count).toFixed(2)} | ` +
            `${(med(row.baseline.map((x) => x.wallMs)) / count).toFixed(2)} | ` +
            `${(med(row.program.map((x) => x.maxRssBytes)) / count / 1024).toFixed(0)} | ` +
            `${(med(row.baseline.map((x) => x.maxRssBytes)) / count / 1024).toFixed(0)} |`,
        );
      }
      lines.push("");
    }
  }

  // Program start
  if (r.start) {
    lines.push("## Program start", "");
    lines.push(
      "What `pulumi preview` pays before the engine sees a resource: a fresh Node process compiled as",
      "Pulumi's language host compiles the program (`testkit/pulumiHost.js`), with an empty ts-node",
      "cache as on a fresh runner, from process start to resources registered and outputs resolved",
      "under mocks. Transpile-only is the project's settings as shipped (`noCheck` in `tsconfig.json`);",
      "type-checked is the same `tsconfig.json` without `noCheck`. Peak RSS of the child.",
      "",
      "| program | transpile-only (as shipped) | peak RSS | type-checked | peak RSS |",
      "|---|---|---|---|---|",
      ...(r.start.rows ?? []).map((row) =>
        "error" in row
          ? `| ${row.target} | error: ${row.error} | | | |`
          : `| ${row.target} | ${seconds(row.transpileOnly.sinceStartMs)} | ${mib(row.transpileOnly.maxRssBytes)} | ` +
            `${seconds(row.checked.sinceStartMs)} | ${mib(row.checked.maxRssBytes)} |`,
      ),
      "",
    );
  }

  // Profile
  const profiles = Object.entries(r.profile?.profiles ?? {});
  if (profiles.length > 0) {
    lines.push("## Spoke profile", "");
    lines.push(
      "The spoke program under `node --cpu-prof` (`scripts/bench/profile.ts`), the whole child process,",
      "as share of the profiled time. Per label, the run that profiled it.",
      "",
    );
    for (const [name, p] of profiles) {
      if (hasError(p)) {
        lines.push(`**${name}**: error: ${p.error}`, "");
        continue;
      }
      lines.push(
        `**${name}** (${p.revision}, ${fmtInt(p.accounts)} accounts x ${REGIONS} regions, ${seconds(p.wallMs)} under the profiler).`,
        "",
        "| part (inclusive) | share | | function (self) | share |",
        "|---|---|---|---|---|",
      );
      for (let i = 0; i < Math.max(p.parts.length, p.self.length); i++) {
        const a = p.parts[i];
        const b = p.self[i];
        lines.push(
          `| ${a ? `${a.name} | ${a.pct.toFixed(1)}%` : " | "} | | ${b ? `\`${b.name}\` | ${b.pct.toFixed(1)}%` : " | "} |`,
        );
      }
      lines.push("");
    }
  }

  // Shards
  if (r.shards && shardRuns.length > 0) {
    const { shardAccounts, shards } = r.shards;
    lines.push("## Sharding", "");
    lines.push(
      `The same organization of ${fmtInt(shardAccounts)} accounts, one spoke run per shard (\`shard: "k/${shards}"\`),`,
      "one after another, measured as above.",
      "",
      "| shard | accounts | resources | time | peak RSS |",
      "|---|---|---|---|---|",
    );
    for (const s of shardRuns) {
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
      const whole = scaling.find((row) => row.accounts === shardAccounts && !row.error)?.program;
      lines.push("");
      if (whole && whole.length > 0) {
        const wholeMs = med(whole.map((p) => p.wallMs));
        const wholeRss = med(whole.map((p) => p.maxRssBytes));
        const sum = shardOk.reduce((a, s) => a + s.wallMs, 0);
        lines.push(
          `One stack for all ${fmtInt(shardAccounts)} accounts: ${seconds(wholeMs)}, ${mib(wholeRss)}. ` +
            `The ${shards} shards: ${seconds(sum)} one after another, ${seconds(t.max)} when run in parallel ` +
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
  lines.push(embed(r), "");
  return lines.join("\n");
}
