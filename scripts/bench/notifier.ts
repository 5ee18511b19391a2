// Notifier figures: the archive, cold start and warm time per event against local AWS endpoints (with
// the state table, dynalite), and the previous design measured beside the current one.
import { execFile, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { buildSync } from "esbuild";
import { notifierBuildOptions } from "../../hub/notifierCode";
import { fakeAwsEnv, startFakeAws } from "../../testkit/fakeAws";
import { startFakeDynamo } from "../../testkit/fakeDynamo";
import { createSandbox, sqsBatch } from "../../testkit/lambdaSandbox";
import { REPO, runExampleHub } from "../../testkit/program";
import { zipArchive } from "../../testkit/zip";

/** The bytes each module adds to the minified notifier bundle (esbuild's metafile), largest first. */
export function archiveModules(repo = REPO) {
  const { metafile } = buildSync({ ...notifierBuildOptions(), metafile: true });
  const relative = (file: string) => path.relative(repo, file);
  const inputs = Object.entries(Object.values(metafile.outputs)[0]?.inputs ?? {});
  const modules = inputs.map(([f, i]) => ({ module: relative(f), minifiedBytes: i.bytesInOutput }));
  return modules.sort((a, b) => b.minifiedBytes - a.minifiedBytes);
}

export async function measureArchive() {
  const { code, entries } = await runExampleHub();
  const zippedBytes = zipArchive({ "__index.js": code }).length;
  return { entries, code, codeBytes: Buffer.byteLength(code), zippedBytes, modules: archiveModules() };
}

type Envelope = { id: string; account: string; detail?: Record<string, unknown> & { userIdentity?: object } };

/** One SQS batch per alerting root event, each with its own IDs (and from `firstAccount` on, account). */
function batches(count: number, firstAccount?: number): unknown[] {
  const dir = path.join(REPO, "tests", "fixtures");
  const files = fs.readdirSync(dir).filter((f) => /^root-.*\.json$/.test(f) && !f.includes("invokedby-elb"));
  const read = (f: string) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as Envelope;
  const templates = files.sort().map(read);
  return Array.from({ length: count }, (_, i) => {
    const e = structuredClone(templates[i % templates.length]) as Envelope;
    const n = String(i).padStart(6, "0");
    e.id = `bench-${n}-7e11-5b1b-92d0-4b030c8e2498`;
    if (e.detail) e.detail.eventID = `bench-event-${n}`;
    if (firstAccount !== undefined) {
      e.account = String(firstAccount + i);
      if (e.detail) e.detail.recipientAccountId = e.account;
      if (e.detail?.userIdentity) Object.assign(e.detail.userIdentity, { accountId: e.account });
    }
    return sqsBatch([e]);
  });
}

const exec = promisify(execFile);

// Requires __index.js only after the first timestamp, then invokes the handler once per batch as the
// SQS event source mapping does; times are from the process start (performance.timeOrigin).
const DRIVER = `const fs = require("fs");
const [indexPath, eventsFile, outFile] = process.argv.slice(2);
(async () => {
  const tRequire = performance.now(), mod = require(indexPath), tLoaded = performance.now();
  let per = [], starts = [], failures = 0, firstDone;
  for (const batch of JSON.parse(fs.readFileSync(eventsFile, "utf8"))) {
    const s = performance.now();
    starts.push(performance.timeOrigin + s);
    const res = await mod.handler(batch, { awsRequestId: "bench", functionName: "notifier" });
    per.push(performance.now() - s);
    firstDone ??= performance.now();
    failures += (res && res.batchItemFailures ? res.batchItemFailures.length : 0);
  }
  fs.writeFileSync(outFile, JSON.stringify({ tRequire, tLoaded, firstDone, per, starts, failures }));
})().catch((e) => fs.writeFileSync(outFile, JSON.stringify({ error: String(e && e.stack || e) })));
`;

/** The driver's times; `starts`: each invocation's wall-clock start (ms since the epoch). */
type Driven = Record<"tRequire" | "tLoaded" | "firstDone", number> & Record<"per" | "starts", number[]>;
type Notifier = { run(batches: unknown[]): Promise<Driven>; at(op: string): number[]; dynamoCalls(): number };

/** `fn` with `code` laid out as in Lambda (testkit/lambdaSandbox.ts) and local AWS endpoints: `run` is
 * a fresh process handling `batches` in turn; `at`, when each request of an operation arrived. */
async function withNotifier<T>(code: string, stateTable: boolean, fn: (n: Notifier) => Promise<T>) {
  const sandbox = createSandbox(code);
  const [task, driver] = [path.dirname(sandbox.indexPath), path.join(sandbox.dir, "bench-driver.js")];
  fs.writeFileSync(driver, DRIVER);
  const account = (Id: unknown) => ({ Id, Name: `account-${String(Id).slice(-4)}`, Status: "ACTIVE" });
  const describe = (q: Record<string, unknown>) => ({ Account: account(q.AccountId) });
  const fake = await startFakeAws({ "organizations:DescribeAccount": describe });
  const dynamo = stateTable ? await startFakeDynamo() : undefined;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    NODE_PATH: path.join(sandbox.dir, "var", "runtime", "node_modules"),
    LAMBDA_TASK_ROOT: task,
    ...fakeAwsEnv(fake.url),
    TOPIC_ARN: "arn:aws:sns:us-east-1:222222222222:alerts-abc1234",
  };
  if (dynamo) {
    await dynamo.createTable((env.STATE_TABLE = "root-activity-state-bench"));
    env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.url;
    // The SQS client sends to the queue URL's host, so the URL points at the fake.
    env.EVENT_QUEUE_URL = `${fake.url}/222222222222/events-abc1234`;
  }
  const before = dynamo?.requestCount() ?? 0;
  let runs = 0;
  const run = async (events: unknown[]): Promise<Driven> => {
    const file = path.join(sandbox.dir, `events-${runs++}.json`);
    const out = `${file}.out`;
    fs.writeFileSync(file, JSON.stringify(events));
    const opts = { cwd: task, env, maxBuffer: 256 << 20, timeout: 600_000 };
    const why = await exec(process.execPath, [driver, sandbox.indexPath, file, out], opts).catch(String);
    if (!fs.existsSync(out)) throw new Error(`notifier driver wrote nothing: ${String(why)}`);
    const r = JSON.parse(fs.readFileSync(out, "utf8")) as Driven & { error?: string; failures: number };
    if (r.error || r.failures > 0) throw new Error(`notifier: ${r.error ?? `${r.failures} records failed`}`);
    return r;
  };
  try {
    const at = (op: string) => fake.requests.filter((q) => q.operation === op).map((q) => q.at);
    return await fn({ run, at, dynamoCalls: () => (dynamo?.requestCount() ?? 0) - before });
  } finally {
    await fake.close();
    await dynamo?.close();
    fs.rmSync(sandbox.dir, { recursive: true, force: true });
  }
}

/** `runs` fresh processes, each publishing one alert; with `stateTable`, each the first of its burst. */
export async function measureColdStart(code: string, runs: number, { stateTable = false } = {}) {
  return withNotifier(code, stateTable, async (n) => {
    const times: Driven[] = [];
    for (const batch of batches(runs, 210000000000)) times.push(await n.run([batch]));
    const publishes = n.at("Publish").length;
    if (publishes !== runs) throw new Error(`cold start: ${publishes} publishes for ${runs} runs`);
    return {
      requireToPublishMs: times.map((r) => r.firstDone - r.tRequire),
      requireMs: times.map((r) => r.tLoaded - r.tRequire),
      processToPublishMs: times.map((r) => r.firstDone),
      publishes,
    };
  });
}

/** Warm time per event, one warm-up left out; with the state table, a burst takes the storm path. */
async function burst<T>(code: string, events: number, stateTable: boolean, more: (n: Notifier) => T) {
  return withNotifier(code, stateTable, async (n) => {
    const r = await n.run(batches(events + 1));
    const publishes = n.at("Publish").length;
    if (!stateTable && publishes !== events + 1) throw new Error(`warm: ${publishes} publishes`);
    return { perEventMs: r.per.slice(1), events, publishes, ...more(n) };
  });
}

export const measureWarm = (code: string, events: number) =>
  burst(code, events, false, (n) => ({ describeAccountCalls: n.at("DescribeAccount").length }));

/** `dynamoCalls` includes the warm-up event's. */
export const measureWarmWithState = (code: string, events: number) =>
  burst(code, events, true, (n) => ({
    flushesScheduled: n.at("SendMessage").length,
    dynamoCalls: n.dynamoCalls(),
  }));

/** Time to a burst's first publish, with the state table: warm, each event the first of its account. */
async function measureFirstPublish(code: string, events: number) {
  return withNotifier(code, true, async (n) => {
    const r = await n.run(batches(events + 1, 310000000000));
    const at = n.at("Publish");
    if (at.length !== events + 1) throw new Error(`first publish: ${at.length} publishes`);
    const firstPublishMs = at.slice(1).map((t, i) => t - (r.starts[i + 1] ?? t));
    return { firstPublishMs, dynamoCallsPerEvent: n.dynamoCalls() / (events + 1) };
  });
}

/** The notifier before issue 21 (conditional writes without a delivery token): the last commit before it. */
export const PREVIOUS_NOTIFIER_COMMIT = "c4383cf";

/**
 * The notifier with the AWS SDK bundled in (issue 21 §5): esbuild over the SDK's ES modules, minified,
 * each client still loaded on its first use, as `__index.js` itself. The product keeps the SDK
 * external (the Lambda runtime's): this variant is measured beside it to show what bundling buys.
 */
export function bundledSdkCode(): string {
  const options = {
    ...notifierBuildOptions(),
    format: "cjs" as const,
    external: [],
    mainFields: ["module", "main"],
  };
  const file = buildSync(options).outputFiles[0];
  if (!file) throw new Error("esbuild produced no bundle with the SDK");
  return file.text;
}

/** The `__index.js` the hub program built at `rev`: its tree from `git archive` runs its own program. */
export async function previousArchiveCode(rev: string = PREVIOUS_NOTIFIER_COMMIT): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ram-previous-"));
  try {
    const tar = execFileSync("git", ["-C", REPO, "archive", "--format=tar", rev], { maxBuffer: 1 << 30 });
    execFileSync("tar", ["-x", "-C", dir], { input: tar });
    fs.symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"), "dir");
    // The test kit's home moved (tests/support, then testkit): take the one that revision has.
    const homes = [path.join(dir, "testkit", "program.ts"), path.join(dir, "tests", "support", "program.ts")];
    const program = homes.find((p) => fs.existsSync(p)) ?? (homes[0] as string);
    return (await (require(program) as { runExampleHub: typeof runExampleHub }).runExampleHub()).code;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Pools rounds of one measure: arrays are concatenated, numbers added, objects pooled by key. */
function pooled<T>(rounds: T[]): T {
  const first: unknown = rounds[0];
  if (Array.isArray(first)) return (rounds as unknown[][]).flat() as T;
  if (typeof first === "number") return (rounds as number[]).reduce((a, b) => a + b) as T;
  if (typeof first !== "object" || first === null) return first as T;
  const at = (k: string) => rounds.map((r) => (r as Record<string, unknown>)[k]);
  return Object.fromEntries(Object.keys(first).map((k) => [k, pooled(at(k))])) as T;
}

/** The previous design, the current one and the current one with the SDK bundled, interleaved in
 * rounds so that noise lands on all three. */
export async function compareDesigns(
  currentCode: string,
  opts: { coldRuns: number; warmEvents: number; previousCommit?: string; rounds?: number },
) {
  const { coldRuns, warmEvents, previousCommit = PREVIOUS_NOTIFIER_COMMIT, rounds = 4 } = opts;
  const codes = [await previousArchiveCode(previousCommit), currentCode, bundledSdkCode()];
  const per = (n: number) => Math.max(1, Math.round(n / rounds));
  const measure = async (code: string) => ({
    coldWithState: await measureColdStart(code, per(coldRuns), { stateTable: true }),
    warmWithState: await measureWarmWithState(code, per(warmEvents)),
    firstPublish: await measureFirstPublish(code, per(Math.min(200, warmEvents))),
  });
  const runs = codes.map(() => [] as Awaited<ReturnType<typeof measure>>[]);
  for (let i = 0; i < rounds; i++)
    for (const [k, code] of codes.entries()) runs[k]?.push(await measure(code));
  const [previous, current, bundledSdk] = runs.map((design) => {
    const { coldWithState, warmWithState, firstPublish } = pooled(design);
    firstPublish.dynamoCallsPerEvent /= rounds;
    // Each round has one warm-up event besides its `events`.
    const dynamoCallsPerEvent = warmWithState.dynamoCalls / (warmWithState.events + rounds);
    return { dynamoCallsPerEvent, firstPublish, coldWithState, warmWithState };
  });
  if (!previous || !current || !bundledSdk) throw new Error("no designs measured");
  return {
    previousCommit,
    previous,
    current,
    bundledSdk,
    bundledSdkBytes: Buffer.byteLength(codes[2] ?? ""),
  };
}
