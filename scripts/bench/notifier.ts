// Notifier figures: the code archive the hub program builds, cold start in fresh processes, and
// warm time per event, all against a local SNS/Organizations endpoint (testkit/fakeAws.ts).
import { execFile, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fakeAwsEnv, startFakeAws, type FakeAws } from "../../testkit/fakeAws";
import { startFakeDynamo } from "../../testkit/fakeDynamo";
import { createSandbox, sqsBatch } from "../../testkit/lambdaSandbox";
import { REPO, runExampleHub } from "../../testkit/program";
import { zipArchive } from "../../testkit/zip";
import { archiveModules, type ModuleShare } from "./archiveModules";

const TOPIC_ARN = "arn:aws:sns:us-east-1:222222222222:alerts-abc1234";
const FIXTURES = path.join(REPO, "tests", "fixtures");

export interface ArchiveMeasure {
  entries: string[];
  codeBytes: number;
  zippedBytes: number;
  code: string;
  /** Absent in reports written before it was measured. */
  modules?: ModuleShare[];
}

export async function measureArchive(): Promise<ArchiveMeasure> {
  const { code, entries } = await runExampleHub();
  return {
    entries,
    code,
    codeBytes: Buffer.byteLength(code, "utf8"),
    zippedBytes: zipArchive({ "__index.js": code }).length,
    modules: archiveModules(REPO),
  };
}

/** Root-activity envelopes that alert (so every one ends in a publish), each with its own IDs. */
export function alertingEnvelopes(count: number): unknown[] {
  const files = fs
    .readdirSync(FIXTURES)
    .filter((f) => f.startsWith("root-") && f.endsWith(".json") && !f.includes("invokedby-elb"))
    .sort();
  const templates = files.map((f) => JSON.parse(fs.readFileSync(path.join(FIXTURES, f), "utf8")) as unknown);
  const out: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const e = structuredClone(templates[i % templates.length]) as Record<string, unknown>;
    const suffix = String(i).padStart(6, "0");
    e.id = `bench-${suffix}-7e11-5b1b-92d0-4b030c8e2498`;
    const detail = e.detail as Record<string, unknown> | undefined;
    if (detail && typeof detail === "object") detail.eventID = `bench-event-${suffix}`;
    out.push(e);
  }
  return out;
}

async function startFake(): Promise<FakeAws> {
  return startFakeAws({
    "organizations:DescribeAccount": (params) => {
      const id = String(params.AccountId);
      return { Account: { Id: id, Name: `account-${id.slice(-4)}`, Status: "ACTIVE" } };
    },
  });
}

// Loads __index.js only after the first timestamp, invokes the handler the way the SQS event source
// mapping does, and reports times relative to the process start (performance.timeOrigin).
const DRIVER = `"use strict";
const t0 = performance.now();
const fs = require("fs");
const [indexPath, eventsFile, outFile] = process.argv.slice(2);
(async () => {
  const tRequire = performance.now();
  const mod = require(indexPath);
  const tLoaded = performance.now();
  const batches = JSON.parse(fs.readFileSync(eventsFile, "utf8"));
  const per = [];
  const starts = [];
  let failures = 0;
  let firstDone;
  for (const batch of batches) {
    const s = performance.now();
    starts.push(performance.timeOrigin + s);
    const res = await mod.handler(batch, { awsRequestId: "bench", functionName: "notifier" });
    per.push(performance.now() - s);
    if (firstDone === undefined) firstDone = performance.now();
    failures += (res && res.batchItemFailures ? res.batchItemFailures.length : 0);
  }
  fs.writeFileSync(outFile, JSON.stringify({ t0, tRequire, tLoaded, firstDone, per, starts, failures }));
})().catch((e) => { fs.writeFileSync(outFile, JSON.stringify({ error: String(e && e.stack || e) })); });
`;

interface DriverResult {
  error?: string;
  t0: number;
  tRequire: number;
  tLoaded: number;
  firstDone: number;
  per: number[];
  /** Wall-clock start of each invocation (ms since the epoch). */
  starts: number[];
  failures: number;
}

interface Harness {
  run(batches: unknown[]): Promise<DriverResult>;
  fake: FakeAws;
  close(): Promise<void>;
}

async function harness(code: string, extraEnv: EnvFor = () => ({})): Promise<Harness> {
  // createSandbox builds the Lambda-like layout: var/task/__index.js, and only the AWS SDK under
  // var/runtime/node_modules. We run our own driver in it to time from before the require.
  const sandbox = createSandbox(code);
  const runtimeModules = path.join(sandbox.dir, "var", "runtime", "node_modules");
  const task = path.dirname(sandbox.indexPath);
  const driver = path.join(sandbox.dir, "bench-driver.js");
  fs.writeFileSync(driver, DRIVER);
  const fake = await startFake();
  let n = 0;
  return {
    fake,
    close: async () => {
      await fake.close();
      fs.rmSync(sandbox.dir, { recursive: true, force: true });
    },
    run(batches) {
      const eventsFile = path.join(sandbox.dir, `events-${n++}.json`);
      const outFile = `${eventsFile}.out`;
      fs.writeFileSync(eventsFile, JSON.stringify(batches));
      return new Promise((resolve, reject) => {
        execFile(
          process.execPath,
          [driver, sandbox.indexPath, eventsFile, outFile],
          {
            cwd: task,
            env: {
              PATH: process.env.PATH ?? "",
              NODE_PATH: runtimeModules,
              LAMBDA_TASK_ROOT: task,
              ...fakeAwsEnv(fake.url),
              TOPIC_ARN,
              ...extraEnv(fake.url),
            },
            maxBuffer: 256 * 1024 * 1024,
            timeout: 600_000,
          },
          (err, stdout, stderr) => {
            if (!fs.existsSync(outFile)) {
              reject(new Error(`notifier driver wrote nothing: ${String(err)}\n${stderr}`));
              return;
            }
            const result = JSON.parse(fs.readFileSync(outFile, "utf8")) as DriverResult;
            if (result.error) reject(new Error(`notifier driver failed: ${result.error}`));
            else resolve(result);
          },
        );
      });
    },
  };
}

export interface ColdStartMeasure {
  /** Before require(__index.js) to the first handler invocation completed (publish acknowledged). */
  requireToPublishMs: number[];
  /** Of which: require(__index.js) alone. */
  requireMs: number[];
  /** Process start (performance.timeOrigin) to the first completed publish: adds Node's own start-up. */
  processToPublishMs: number[];
  publishes: number;
}

/** The envelope moved into another account, so each cold start in one state table is a first event. */
function inAccount(envelope: unknown, accountId: string): unknown {
  const e = structuredClone(envelope) as Record<string, unknown>;
  e.account = accountId;
  const detail = e.detail as Record<string, unknown> | undefined;
  if (detail && typeof detail === "object") {
    detail.recipientAccountId = accountId;
    const identity = detail.userIdentity as Record<string, unknown> | undefined;
    if (identity && typeof identity === "object") identity.accountId = accountId;
  }
  return e;
}

/**
 * `runs` fresh processes, each publishing one alert. With `stateTable`, as deployed: each event is
 * from its own account, so it is the first of its burst and goes out alone after its claim and
 * storm-bucket calls.
 */
export async function measureColdStart(
  code: string,
  runs: number,
  { stateTable = false }: { stateTable?: boolean } = {},
): Promise<ColdStartMeasure> {
  const out: ColdStartMeasure = {
    requireToPublishMs: [],
    requireMs: [],
    processToPublishMs: [],
    publishes: 0,
  };
  await withOptionalStateTable(stateTable, async (env) => {
    const h = await harness(code, env);
    try {
      const events = alertingEnvelopes(runs).map((e, i) => inAccount(e, String(210000000000 + i)));
      for (const event of events) {
        const r = await h.run([sqsBatch([event])]);
        if (r.failures > 0) throw new Error("cold start: the publish failed");
        out.requireToPublishMs.push(r.firstDone - r.tRequire);
        out.requireMs.push(r.tLoaded - r.tRequire);
        out.processToPublishMs.push(r.firstDone);
      }
      out.publishes = h.fake.requests.filter((q) => q.operation === "Publish").length;
      if (out.publishes !== runs) throw new Error(`cold start: ${out.publishes} publishes for ${runs} runs`);
    } finally {
      await h.close();
    }
  });
  return out;
}

type EnvFor = (fakeUrl: string) => Record<string, string>;

/** Runs `fn` with the notifier's state-table environment on a fresh local DynamoDB, or without. */
async function withOptionalStateTable<T>(
  enabled: boolean,
  fn: (env: EnvFor, dynamoCalls: () => number) => Promise<T>,
): Promise<T> {
  if (!enabled)
    return fn(
      () => ({}),
      () => 0,
    );
  const dynamo = await startFakeDynamo();
  const table = "root-activity-state-bench";
  try {
    await dynamo.createTable(table);
    const before = dynamo.requestCount();
    return await fn(
      (fakeUrl) => ({
        AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
        STATE_TABLE: table,
        // The SQS client sends to the queue URL's host, so the URL points at the fake.
        EVENT_QUEUE_URL: `${fakeUrl}/222222222222/events-abc1234`,
      }),
      () => dynamo.requestCount() - before,
    );
  } finally {
    await dynamo.close();
  }
}

export interface WarmMeasure {
  /** Per-event handler time, the first (cold) invocation left out. */
  perEventMs: number[];
  events: number;
  publishes: number;
  describeAccountCalls: number;
}

export async function measureWarm(code: string, events: number): Promise<WarmMeasure> {
  const h = await harness(code);
  try {
    // One extra event first: it pays the cold start and is left out of the figures.
    const batches = alertingEnvelopes(events + 1).map((e) => sqsBatch([e]));
    const r = await h.run(batches);
    if (r.failures > 0) throw new Error(`warm: ${r.failures} failed publishes`);
    const publishes = h.fake.requests.filter((q) => q.operation === "Publish").length;
    if (publishes !== events + 1) throw new Error(`warm: ${publishes} publishes for ${events + 1} events`);
    return {
      perEventMs: r.per.slice(1),
      events,
      publishes,
      describeAccountCalls: h.fake.requests.filter((q) => q.operation === "DescribeAccount").length,
    };
  } finally {
    await h.close();
  }
}

export interface WarmWithStateMeasure {
  /** Per-event handler time, the first (cold) invocation left out. */
  perEventMs: number[];
  events: number;
  /** Alerts sent on their own (the first of each account's burst, and criticals). */
  publishes: number;
  /** Digest flushes scheduled on the event queue (one per account-minute). */
  flushesScheduled: number;
  /** DynamoDB calls over the whole run, warm-up included. */
  dynamoCalls: number;
}

/**
 * Warm time per event as deployed: with the state table (duplicate claims, storm buckets, digest
 * entries) on a local DynamoDB (dynalite) and the event queue for digest flushes. The events arrive
 * as one burst, so after each account's first alert the rest go to digests: the storm path.
 * dynalite's own time is inside the figure; it is not the target, which is measured without
 * the state table.
 */
export async function measureWarmWithState(code: string, events: number): Promise<WarmWithStateMeasure> {
  return withOptionalStateTable(true, async (env, dynamoCalls) => {
    const h = await harness(code, env);
    try {
      const batches = alertingEnvelopes(events + 1).map((e) => sqsBatch([e]));
      const r = await h.run(batches);
      if (r.failures > 0) throw new Error(`warm with state: ${r.failures} failed records`);
      const count = (op: string) => h.fake.requests.filter((q) => q.operation === op).length;
      return {
        perEventMs: r.per.slice(1),
        events,
        publishes: count("Publish"),
        flushesScheduled: count("SendMessage"),
        dynamoCalls: dynamoCalls(),
      };
    } finally {
      await h.close();
    }
  });
}

/**
 * The notifier as it was before issue 15 §1 (claim, count and digest calls in sequence; deadlines
 * that did not cancel): the parent of the commit that redesigned it. The bench measures it beside
 * the current one in the same run.
 */
export const PREVIOUS_NOTIFIER_COMMIT = "99804dba332b279bab470976481752c7e6ca5eb2";

/**
 * The `__index.js` the hub program built at `rev`: that commit's tree is extracted with
 * `git archive` (no worktree, nothing in .git changes) beside this checkout's node_modules, and its
 * own program is run under mocks, so the archive is exactly what that commit deployed.
 */
export async function previousArchiveCode(rev: string = PREVIOUS_NOTIFIER_COMMIT): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ram-previous-"));
  try {
    const tar = execFileSync("git", ["-C", REPO, "archive", "--format=tar", rev], { maxBuffer: 1 << 30 });
    execFileSync("tar", ["-x", "-C", dir], { input: tar });
    fs.symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"), "dir");
    const program = require(
      path.join(dir, "tests", "support", "program.ts"),
    ) as typeof import("../../testkit/program");
    return (await program.runExampleHub()).code;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface FirstPublishMeasure {
  /** Invocation start to the Publish request reaching SNS, per event (warm, with the state table). */
  firstPublishMs: number[];
  /** DynamoDB calls before and after the publish, per event. */
  dynamoCallsPerEvent: number;
}

/**
 * Time to the first publish of a burst, as deployed (state table on): a warm container gets, one by
 * one, events that are each the first of their account's burst. The first invocation (cold) is left
 * out.
 */
export async function measureFirstPublish(code: string, events: number): Promise<FirstPublishMeasure> {
  return withOptionalStateTable(true, async (env, dynamoCalls) => {
    const h = await harness(code, env);
    try {
      const batches = alertingEnvelopes(events + 1).map((e, i) =>
        sqsBatch([inAccount(e, String(310000000000 + i))]),
      );
      const r = await h.run(batches);
      if (r.failures > 0) throw new Error(`first publish: ${r.failures} failed records`);
      const publishes = h.fake.requests.filter((q) => q.operation === "Publish").map((q) => q.at);
      if (publishes.length !== events + 1) throw new Error(`first publish: ${publishes.length} publishes`);
      return {
        firstPublishMs: publishes.slice(1).map((at, i) => at - (r.starts[i + 1] ?? at)),
        dynamoCallsPerEvent: dynamoCalls() / (events + 1),
      };
    } finally {
      await h.close();
    }
  });
}

/** One design's figures: DynamoDB calls per event, time to first publish, cold start and warm, with state. */
export interface DesignFigures {
  /** Over a burst (the warm-with-state run): every call, warm-up included, per event. */
  dynamoCallsPerEvent: number;
  firstPublish: FirstPublishMeasure;
  coldWithState: ColdStartMeasure;
  warmWithState: WarmWithStateMeasure;
}

export interface DesignComparison {
  previousCommit: string;
  previous: DesignFigures;
  current: DesignFigures;
}

/** Pools rounds of one measure: per-event figures are concatenated, counts added. */
function pooled<T extends object>(rounds: T[]): T {
  const out = { ...rounds[0] } as Record<string, unknown>;
  for (const r of rounds.slice(1)) {
    for (const [k, v] of Object.entries(r)) {
      const have = out[k];
      if (Array.isArray(v) && Array.isArray(have)) out[k] = [...have, ...v];
      else if (typeof v === "number" && typeof have === "number") out[k] = have + v;
    }
  }
  return out as T;
}

/**
 * The previous design and the current one, in the same run, interleaved (previous, current, in
 * rounds) so that a busy moment on the shared machine does not land on one design only.
 */
export async function compareDesigns(
  currentCode: string,
  {
    coldRuns,
    warmEvents,
    previousCommit = PREVIOUS_NOTIFIER_COMMIT,
    rounds = 4,
  }: { coldRuns: number; warmEvents: number; previousCommit?: string; rounds?: number },
): Promise<DesignComparison> {
  const codes = { previous: await previousArchiveCode(previousCommit), current: currentCode };
  const designs = ["previous", "current"] as const;
  const runs = {
    previous: [] as Omit<DesignFigures, "dynamoCallsPerEvent">[],
    current: [] as Omit<DesignFigures, "dynamoCallsPerEvent">[],
  };
  const per = (n: number) => Math.max(1, Math.round(n / rounds));
  for (let i = 0; i < rounds; i++) {
    for (const d of designs) {
      runs[d].push({
        coldWithState: await measureColdStart(codes[d], per(coldRuns), { stateTable: true }),
        warmWithState: await measureWarmWithState(codes[d], per(warmEvents)),
        firstPublish: await measureFirstPublish(codes[d], per(Math.min(200, warmEvents))),
      });
    }
  }
  const figures = (d: (typeof designs)[number]): DesignFigures => {
    const coldWithState = pooled(runs[d].map((r) => r.coldWithState));
    const warmWithState = pooled(runs[d].map((r) => r.warmWithState));
    const firstPublish = pooled(runs[d].map((r) => r.firstPublish));
    firstPublish.dynamoCallsPerEvent /= rounds;
    return {
      // Each round has one warm-up event besides its `events`.
      dynamoCallsPerEvent: warmWithState.dynamoCalls / (warmWithState.events + rounds),
      firstPublish,
      coldWithState,
      warmWithState,
    };
  };
  return { previousCommit, previous: figures("previous"), current: figures("current") };
}
