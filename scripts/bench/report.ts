// BENCHMARKS.md from the benchmark's figures, with PASS/FAIL per target. The figures travel in a
// comment at its end, so a later run keeps the parts it does not measure and --render redoes the page.
import * as fs from "node:fs";
import { NOTIFIER_ARCHIVE_BUDGET_BYTES as GUARD } from "../../hub/archive";
import { accountAddedTable, NEW_ACCOUNT, type measureAccountAdded } from "./coverageRun";
import type * as notifier from "./notifier";
import type { measureStart, profileSpoke, runBaseline, SpokeMeasure } from "./spoke";
import { int, median, mib, ms, ms2, ratio, seconds, spread, summarize } from "./stats";

export const PARTS = ["notifier", "start", "scaling", "profile", "shards", "coverage"] as const;
export type Failed = { error: string };
type Of<F extends (...args: never[]) => Promise<unknown>> = Awaited<ReturnType<F>> | Failed;
/** Which run measured a part (ISO dates; no `finished` while it runs). */
type Fields = "started" | "command" | "revision" | "machine" | "node";
export type Provenance = Record<Fields, string> & { finished?: string };
type Baseline = Awaited<ReturnType<typeof runBaseline>>;
export type ScalingRow = { accounts: number; program: SpokeMeasure[]; baseline: Baseline[]; error?: string };
export interface Results {
  version: 1;
  notifier?: Provenance & {
    archive?: Omit<Awaited<ReturnType<typeof notifier.measureArchive>>, "code"> | Failed;
    cold?: Of<typeof notifier.measureColdStart>;
    coldWithState?: Of<typeof notifier.measureColdStart>;
    warm?: Of<typeof notifier.measureWarm>;
    warmWithState?: Of<typeof notifier.measureWarmWithState>;
    designs?: Of<typeof notifier.compareDesigns>;
  };
  start?: Provenance & { rows: (Of<typeof measureStart> & { target: string })[] };
  /** `repeats`: runs per size up to 100 accounts (1 above). */
  scaling?: Provenance & { repeats: number; heapMb: number; rows: ScalingRow[] };
  /** By label ("before", "after"): a run replaces its own label's profile and keeps the others. */
  profile?: Provenance & { profiles: Record<string, Of<typeof profileSpoke>> };
  shards?: Provenance & Shards;
  /** One account joins a spoke stack of each size (issue 23 §3); `target` is the size. */
  coverage?: Provenance & { rows: (Of<typeof measureAccountAdded> & { target: string })[] };
}
type Shards = { shardAccounts: number; shards: number; heapMb: number; runs: (SpokeMeasure | Failed)[] };
export type Part<K extends (typeof PARTS)[number]> = NonNullable<Results[K]>;

export const isFailed = (v: unknown): v is Failed => typeof (v as Failed | undefined)?.error === "string";
/** Whether `v` was measured (a failed measure gets a failing summary row of its own). */
const ok = <T>(v: T): v is Exclude<T, Failed | undefined> => v !== undefined && !isFailed(v);
const verdict = (pass?: boolean) => (pass === undefined ? "n/a" : pass ? "PASS" : "**FAIL**");
const table = (head: string, rows: string[]) =>
  [`| ${head} |`, `|${head.replace(/[^|]+/g, "---")}|`, ...rows.map((r) => `| ${r} |`), "", ""].join("\n");
const timed = (v: number[], f: Format, t = summarize(v)) =>
  `${f(t.median)} median (p90 ${f(t.p90)}, min ${f(t.min)}, max ${f(t.max)}, n=${t.n})`;
type Run = { wallMs: number; maxRssBytes: number };
type Format = (v: number) => string;
const values = (runs: Run[], key: keyof Run) => runs.map((x) => x[key]);
const med = (runs: Run[], key: keyof Run) => median(values(runs, key));

/** A failing summary row for every measure that failed, anywhere in the figures. */
function failures(label: string, v: unknown): string[] {
  if (isFailed(v)) return [`${label} | error: ${v.error} | | ${verdict(false)}`];
  if (!v || typeof v !== "object") return [];
  const name = (x: unknown) => (x as Record<string, string>)?.target ?? (x as Record<string, string>)?.shard;
  return Object.entries(v).flatMap(([k, x]) => failures(`${label} ${name(x) ?? k}`, x));
}

const REGIONS = 17;
/** At most 2 spoke resources per account and 2 per account and region. */
const PER = 2 * (1 + REGIONS);
const NO_TARGET = "none (includes the local DynamoDB's own time) | n/a";
/** Issue 21 §5: cold start at most this share of the previous design's median, warm no slower. */
const COLD_START_MAX_SHARE = 0.75;
const WARM_WITH_STATE_MAX_SHARE = 1;

// Each part adds rows (`figure | measured | target | result`) to the summary and returns its section.

function notifierPart(n: Part<"notifier">, summary: string[]): string {
  const { archive: a, cold: c, coldWithState: cs, warm: w, warmWithState: ws, designs: d } = n;
  const noModules = ok(a) && !a.entries.some((e) => e.includes("node_modules"));
  const calls = ok(ws) && `${int(ws.dynamoCalls)} calls, ${int(ws.publishes)} alerts published alone`;
  summary.push(`${ok(a) ? `Notifier archive, zipped | ${int(a.zippedBytes)} bytes (${int(a.codeBytes)} bytes unzipped); entries: \`${a.entries.join("`, `")}\` | <= ${int(GUARD)} bytes (guard), no node_modules | ${verdict(a.zippedBytes <= GUARD && noModules)}` : ""}
${ok(c) ? `Notifier cold start (require \`__index.js\` to first completed publish) | ${timed(c.requireToPublishMs, ms)}; of which require ${ms(median(c.requireMs))}; from process start ${ms(median(c.processToPublishMs))} | median < 150 ms | ${verdict(median(c.requireToPublishMs) < 150)}` : ""}
${ok(cs) ? `Notifier cold start with the state table (require to first completed publish) | ${timed(cs.requireToPublishMs, ms)} | ${NO_TARGET}` : ""}
${ok(w) ? `Notifier warm, per event (${int(w.events)} events, one process) | ${timed(w.perEventMs, ms2)}; ${int(w.publishes)} publishes, ${w.describeAccountCalls} DescribeAccount calls | median < 5 ms | ${verdict(median(w.perEventMs) < 5)}` : ""}
${ok(ws) ? `Notifier warm with the state table, per event (${int(ws.events)}-event burst) | ${timed(ws.perEventMs, ms2)}; ${(ws.dynamoCalls / (ws.events + 1)).toFixed(1)} DynamoDB calls per event (${calls}, ${ws.flushesScheduled} digest flushes) | ${NO_TARGET}` : ""}`);
  const modules = ok(a) ? a.modules.map((m) => `\`${m.module}\` | ${int(m.minifiedBytes)}`) : [];
  return `## Notifier

The archive: the hub program's \`aws.lambda.CallbackFunction\` code under mocks, deflated by \`testkit/zip.ts\`; per module,
the bytes it adds to esbuild's minified bundle (its metafile), before terser's pass over the whole. Cold start: a fresh process per event, laid out as in
Lambda, against local SNS/Organizations endpoints; warm: one process, one SQS record per invocation. With the state
table (dynalite): each cold event is the first of its account's burst; the warm events are one burst (the storm path).

${modules.length > 0 ? table("module | minified bytes", modules) : ""}${ok(d) ? designs(d) : ""}`;
}

function designs(d: Awaited<ReturnType<typeof notifier.compareDesigns>>): string {
  const all = (f: (x: typeof d.current) => string) =>
    [d.previous, d.current, ...(d.bundledSdk ? [d.bundledSdk] : [])].map(f).join(" | ");
  const share = (f: (x: typeof d.current) => number[], x = d.current) => median(f(x)) / median(f(d.previous));
  const cold = (x: typeof d.current) => x.coldWithState.requireToPublishMs;
  const warm = (x: typeof d.current) => x.warmWithState.perEventMs;
  const rows = [
    `DynamoDB calls per event over a burst | ${all((x) => x.dynamoCallsPerEvent.toFixed(2))}`,
    `DynamoDB calls per event, first of a burst | ${all((x) => x.firstPublish.dynamoCallsPerEvent.toFixed(2))}`,
    `time to first publish (warm, first of a burst), median | ${all((x) => ms2(median(x.firstPublish.firstPublishMs)))}`,
    `cold start: require to first completed publish, median | ${all((x) => ms(median(cold(x))))}`,
    `cold start: process start to first completed publish, median | ${all((x) => ms(median(x.coldWithState.processToPublishMs)))}`,
    `warm per event over a burst, median | ${all((x) => ms2(median(warm(x))))}`,
  ];
  const [c, w] = [share(cold), share(warm)];
  const met = (ok: boolean) => (ok ? "met" : "not met");
  const bundled = d.bundledSdk
    ? `With the SDK bundled (${int(d.bundledSdkBytes ?? 0)} bytes of code): cold start ${(share(cold, d.bundledSdk) * 100).toFixed(0)}% of the previous median.`
    : "";
  return `**Previous design beside the current one**, in rounds of the same run: the archive the hub program built at
\`${d.previousCommit.slice(0, 7)}\` (via \`git archive\`), the one above, and the one above with the AWS SDK bundled in
(esbuild over the SDK's ES modules, each client loaded on first use), with the same events and local DynamoDB.

${table(`with the state table | previous | current${d.bundledSdk ? " | current, SDK bundled" : ""}`, rows)}Cold start: ${(c * 100).toFixed(0)}% of the previous median (target at most ${COLD_START_MAX_SHARE * 100}%: ${met(c <= COLD_START_MAX_SHARE)}). Warm per event with the state table: ${(w * 100).toFixed(0)}% of the previous median (target at most ${WARM_WITH_STATE_MAX_SHARE * 100}%: ${met(w <= WARM_WITH_STATE_MAX_SHARE)}). ${bundled}

`;
}

function scalingPart(sc: Part<"scaling">, summary: string[]): string {
  const done = sc.rows.filter((row) => !row.error && row.program.length > 0 && row.baseline.length > 0);
  const rows = done.map(({ accounts: n, program: p, baseline: b }) => {
    // Ratios of the runs made back to back.
    const vs = (key: keyof Run) => median(b.slice(0, p.length).map((x, i) => (p[i]?.[key] ?? NaN) / x[key]));
    const [t, m, count, limit] = [vs("wallMs"), vs("maxRssBytes"), p[0]?.resources ?? NaN, n * PER];
    const to = (target: string, pass: boolean) =>
      n < 100 ? "none below 100 accounts | n/a" : `${target} | ${verdict(pass)}`;
    const both = (key: keyof Run, f: Format) => `${f(med(p, key))} vs ${f(med(b, key))}`;
    const each = (key: keyof Run, f: Format) => [p, b].map((x) => spread(values(x, key), f)).join(" | ");
    const per = (key: keyof Run, f: Format) => `${f(med(p, key) / count)} / ${f(med(b, key) / count)}`;
    const process = seconds(median(p.map((x) => x.processMs)));
    summary.push(`Spoke program time vs baseline, ${int(n)} accounts x ${REGIONS} regions | ${ratio(t)} (${both("wallMs", seconds)}) | ${to("<= 1.2x", t <= 1.2)}
Spoke program peak RSS vs baseline, ${int(n)} accounts | ${ratio(m)} (${both("maxRssBytes", mib)}) | ${to("<= 1x", m <= 1)}
Spoke resources, ${int(n)} accounts | ${int(count)} (${(count / n).toFixed(2)} per account) | <= 2/account + 2/account x region = ${int(limit)} | ${verdict(count <= limit)}`);
    return `${int(n)} | ${int(count)} | ${each("wallMs", seconds)} | ${ratio(t)} | ${each("maxRssBytes", mib)} | ${ratio(m)} | ${process} | ${per("wallMs", (v) => v.toFixed(2))} | ${per("maxRssBytes", (v) => (v / 1024).toFixed(0))}`;
  });
  const [lo, hi] = done.slice(-2);
  if (lo && hi) {
    const growth = (key: "program" | "baseline") => med(hi[key], "wallMs") / med(lo[key], "wallMs");
    const [pr, br] = [growth("program"), growth("baseline")];
    const pass = lo.accounts === 100 && hi.accounts === 1000 ? pr / br <= 1.1 : undefined;
    const figure = `Spoke time growth ${int(lo.accounts)} -> ${int(hi.accounts)} accounts, program / baseline`;
    const row = `${figure} | ${ratio(pr / br)} (program ${ratio(pr)}, baseline ${ratio(br)}; accounts x${hi.accounts / lo.accounts}) | <= 1.1x${pass === undefined ? " (target is defined for 100 -> 1,000)" : ""} | ${verdict(pass)}`;
    summary.push(row);
  }
  const types = Object.entries(done[0]?.program[0]?.byType ?? {}).sort();
  return `## Spoke program scaling

\`Pulumi.spoke-template.yaml\` (17 regions) under mocks in a fresh process (\`testkit/programChild.ts\`, lightweight) against
N fake accounts; the baseline (\`scripts/bench/baselineChild.ts\`) registers as many plain \`EventRule\`s in its place. Time:
\`require\` to outputs resolved; peak RSS: the child's \`maxRSS\` (\`--max-old-space-size=${sc.heapMb}\`). ${sc.repeats} runs per size
up to 100 accounts (1 above), program and baseline alternating. Resources at ${int(done[0]?.accounts ?? 0)} accounts: ${types.map(([type, c]) => `\`${type}\` ${int(c)}`).join(", ")}.

${table("accounts | resources | program time | baseline time | time ratio | program peak RSS | baseline peak RSS | RSS ratio | program process | ms/resource (program / baseline) | KB/resource (program / baseline)", rows)}`;
}

function startPart(st: Part<"start">, summary: string[]): string {
  for (const { target, transpileOnly: t, checked: c } of st.rows.filter(ok)) {
    const row = `Program start to registered resources, ${target} | ${seconds(t.sinceStartMs)}, ${mib(t.maxRssBytes)} transpile-only (as shipped); ${seconds(c.sinceStartMs)}, ${mib(c.maxRssBytes)} type-checked | none | n/a`;
    summary.push(row);
  }
  return `## Program start

In the summary: a fresh process compiled as Pulumi's language host does (\`testkit/pulumiHost.js\`, empty ts-node cache), from
start to resources registered under mocks; transpile-only is \`tsconfig.json\` as shipped (\`noCheck\`), type-checked without it.

`;
}

function profilePart(pr: Part<"profile">): string {
  const pct = (v?: { pct: number }) => (v ? `${v.pct.toFixed(1)}%` : "");
  const profiles = Object.entries(pr.profiles).map(([label, p]) => {
    if (!ok(p)) return "";
    const rows = p.self.map(
      (b, i) => `${p.parts[i]?.name ?? ""} | ${pct(p.parts[i])} | \`${b.name}\` | ${pct(b)}`,
    );
    return `**${label}** (${p.revision}, ${int(p.accounts)} accounts x ${REGIONS} regions, ${seconds(p.wallMs)} under the profiler).

${table("part (inclusive) | share | function (self) | share", rows)}`;
  });
  return `## Spoke profile

The spoke program under \`node --cpu-prof\` (\`scripts/bench/spoke.ts\`), per label.

${profiles.join("")}`;
}

function shardsPart(sh: Part<"shards">, whole: SpokeMeasure[], summary: string[]): string {
  const done = sh.runs.filter((x): x is SpokeMeasure => !isFailed(x));
  const covered = done.reduce((a, x) => a + x.covered, 0);
  const [t, m] = [summarize(values(done, "wallMs")), summarize(values(done, "maxRssBytes"))];
  const failed = sh.runs.length - done.length;
  const oneStack = whole.length > 0 && `${seconds(med(whole, "wallMs"))}, ${mib(med(whole, "maxRssBytes"))}`;
  const row = (x: SpokeMeasure) =>
    `${x.shard} | ${int(x.covered)} | ${int(x.resources)} | ${seconds(x.wallMs)} | ${mib(x.maxRssBytes)}`;
  const typical = `${median(done.map((x) => x.covered))} accounts, ${int(median(done.map((x) => x.resources)))} resources`;
  const figure = `Sharding: ${int(sh.shardAccounts)} accounts in ${sh.shards} shards | ${int(covered)} accounts covered in total, ${failed} failed; slowest shard ${seconds(t.max)}, largest ${mib(m.max)} | every account in exactly one shard | ${verdict(failed === 0 && covered === sh.shardAccounts)}`;
  summary.push(figure);
  return `## Sharding

The organization of ${int(sh.shardAccounts)} accounts, one spoke run per shard (\`shard: "k/${sh.shards}"\`), measured as above.

${table("shard | accounts | resources | time | peak RSS", done.map(row))}Median shard: ${typical}, ${seconds(t.median)} (${seconds(t.min)}-${seconds(t.max)}), ${mib(m.median)} (${mib(m.min)}-${mib(m.max)}).
${oneStack ? `One stack for all: ${oneStack}. ` : ""}The ${sh.shards} shards: ${seconds(done.reduce((a, x) => a + x.wallMs, 0))} one after another, ${seconds(t.max)} in parallel.

`;
}

function coveragePart(cv: Part<"coverage">, summary: string[]): string {
  const done = cv.rows.filter(ok);
  for (const x of done) {
    const changed = [...x.created, ...x.updated, ...x.deleted];
    const onlyNew = x.created.length > 0 && changed.every((k) => k.includes(NEW_ACCOUNT));
    const changes = `${x.created.length} created, ${x.updated.length} updated, ${x.deleted.length} deleted`;
    summary.push(
      `Spoke run when one account joins a stack of ${int(x.accounts)} | ${seconds(x.wallMs)}, ${mib(x.maxRssBytes)}; ${changes} | only the new account's resources change | ${verdict(onlyNew)}`,
    );
  }
  const byType: Record<string, number> = {};
  for (const k of done[0]?.created ?? []) {
    const type = k.split("::")[0] ?? k;
    byType[type] = (byType[type] ?? 0) + 1;
  }
  const types = Object.entries(byType).sort();
  return `## One account joins

What a triggered spoke run costs (issue 23 §3; \`scripts/bench/coverageRun.ts\`): \`Pulumi.spoke-template.yaml\` (17 regions)
under mocks over N fake accounts, then over the same N and one new account (${NEW_ACCOUNT}); the two runs' resources
are compared by type, name and inputs, as the engine would, for what \`pulumi up\` would create, update and delete. Only
the new account's resources may change (anything else fails the measure). Time and peak RSS: a third run over N + 1,
lightweight, from the program's start to its resources registered. Created for the new account: ${types.map(([type, c]) => `\`${type}\` ${int(c)}`).join(", ")}.

${done.length > 0 ? `${accountAddedTable(done)}\n\n` : ""}`;
}

/** Rounds fractions to 3 decimals (1 µs for milliseconds): exact enough, and short. */
const compact = (_: string, v: unknown) => (typeof v === "number" ? Math.round(v * 1e3) / 1e3 : v);
const BEGIN = "<!-- bench-data:";

/** The whole report, with the figures embedded at the end; it renders from those, so --render is exact. */
export function renderReport(measured: Results): string {
  const json = JSON.stringify(measured, compact);
  const r = JSON.parse(json) as Results;
  const whole = r.scaling?.rows.find((x) => x.accounts === r.shards?.shardAccounts)?.program ?? [];
  const summary: string[] = [];
  const sections = [
    r.notifier && notifierPart(r.notifier, summary),
    r.scaling && scalingPart(r.scaling, summary),
    r.start && startPart(r.start, summary),
    r.profile && profilePart(r.profile),
    r.shards && shardsPart(r.shards, whole, summary),
    r.coverage && coveragePart(r.coverage, summary),
  ];
  const rows = [...summary.flatMap((row) => row.split("\n")), ...PARTS.flatMap((p) => failures(p, r[p]))];
  const minutes = (v: Provenance) => (Date.parse(v.finished ?? "") - Date.parse(v.started)) / 60_000;
  const run = (p: (typeof PARTS)[number], v: Provenance) =>
    `${p} | ${v.started.replace(/\.\d+Z$/, "Z")} on ${v.revision}, ${v.finished ? `${minutes(v).toFixed(1)} min` : "unfinished"} | \`${v.command}\` | ${v.machine}; Node ${v.node}`;
  const runs = PARTS.flatMap((p) => (r[p] ? [run(p, r[p])] : []));
  return `# Benchmarks

Generated by \`npm run bench\` from the figures embedded at the end (\`npm run bench -- --render BENCHMARKS.md\` redoes it);
do not edit. A run of some parts (\`--only\`) keeps the others' figures. Medians where runs repeat (the machine is noisy).

${table("part | measured | command | machine", runs)}## Summary

${table("figure | measured | target | result", rows.filter(Boolean))}${sections.join("")}Under Pulumi mocks the program figures are its own cost; a real \`pulumi preview\` adds the engine and providers.

${BEGIN} the raw figures of this page, which \`npm run bench\` keeps for the parts a run does not measure.
${json.replace(/>/g, "\\u003e") /* so that no "-->" inside a string ends the comment */}
-->
`;
}

/** The figures embedded in a report, or undefined if the file has none (or is absent). */
export function extract(file: string): Results | undefined {
  const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
  const lines = text.includes(BEGIN) ? text.slice(text.lastIndexOf(BEGIN)).split("\n") : [];
  const json = lines.find((line) => line.startsWith("{"));
  const r = json ? (JSON.parse(json) as Results) : undefined;
  if (r && r.version !== 1) throw new Error(`${file}: unknown bench-data version ${String(r.version)}`);
  return r;
}
