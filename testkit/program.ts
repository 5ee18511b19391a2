// Test-side API: run the real program under mocks in a fresh process and get back what it made.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { writeStackFile } from "./stackFile";

export const REPO = path.join(__dirname, "..");
export const HUB_ACCOUNT = "222222222222";

export interface RecordedResource {
  type: string;
  name: string;
  inputs: Record<string, any>;
  provider?: string;
}

export interface ProgramRun {
  error?: string;
  outputs?: Record<string, any>;
  resources: RecordedResource[];
  urns: string[];
  invokes: { token: string; inputs: unknown }[];
  notifier?: { code: string; entries: string[] };
  /** Every function's archive, by resource name (the notifier's and the coverage function's). */
  functions?: Record<string, { code: string; entries: string[] }>;
  /** With `engineUrns`: every resource's URN and aliases as the engine computes them. */
  engineUrns?: EngineUrn[];
  stderr: string;
  /** Wall time of the program run in the child (require of index.ts to resolved outputs), ms. */
  wallMs?: number;
  /** Peak resident set size of the child process when the run ended, bytes. */
  maxRssBytes?: number;
}

export interface EngineUrn {
  urn: string;
  aliases: string[];
}

export interface RunOptions {
  /** Stack file name in the repo, e.g. "Pulumi.hub.yaml", or an absolute path. */
  stackFile?: string;
  /**
   * Changes to that file: the run reads a new stack file with them written in (keys without a
   * namespace are root-activity-monitor keys; null removes a key), through the CLI's rules.
   */
  overrides?: Record<string, unknown>;
  stack?: string;
  callerAccountId?: string;
  stackOutputs?: Record<string, Record<string, unknown>>;
  env?: Record<string, string>;
  lightweight?: boolean;
  /** Config keys (as in overrides) stored encrypted, as `pulumi config set --secret` does. */
  secretKeys?: string[];
  /** Kill the child after this long (default 10 minutes; benchmarks of big organizations take longer). */
  timeoutMs?: number;
  /** A program to run instead of index.ts (absolute path), under the same config and mocks. */
  program?: string;
  /** Record URNs and aliases as the engine computes them (run.engineUrns). */
  engineUrns?: boolean;
  /**
   * Run as `pulumi preview` does (pulumi.runtime.isDryRun() true), the default; false: as `pulumi up`,
   * which refuses what preview only warns about (placeholders). Both register the same resources.
   */
  preview?: boolean;
  /** Stands for every secret of a real stack file, which the harness cannot decrypt. */
  secretStandIn?: string;
}

/**
 * Runs `script` in a fresh Node process compiled as `pulumi up` compiles (pulumiTsNode.js), hands it
 * `input` (plus the path of its result file) in the env var `inputVar`, and returns the JSON it wrote.
 */
export function runMockedChild<T extends { stderr: string }>(
  script: string,
  inputVar: string,
  input: Record<string, unknown>,
  opts: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<T> {
  const outFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ram-child-")), "run.json");
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--require", path.join(__dirname, "pulumiTsNode.js"), script],
      {
        cwd: REPO,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? os.tmpdir(),
          AWS_EC2_METADATA_DISABLED: "true",
          ...opts.env,
          [inputVar]: JSON.stringify({ ...input, outFile }),
        },
        maxBuffer: 64 * 1024 * 1024,
        timeout: opts.timeoutMs ?? 600_000,
      },
      (err, _stdout, stderr) => {
        if (!fs.existsSync(outFile)) {
          reject(new Error(`${path.basename(script)} wrote nothing (${String(err)}):\n${stderr}`));
          return;
        }
        const run = JSON.parse(fs.readFileSync(outFile, "utf8")) as T;
        fs.rmSync(path.dirname(outFile), { recursive: true, force: true });
        run.stderr = stderr;
        resolve(run);
      },
    );
  });
}

export async function runProgram(opts: RunOptions): Promise<ProgramRun> {
  const stack = opts.stack ?? "test";
  const base = opts.stackFile ? path.resolve(REPO, opts.stackFile) : undefined;
  const changed = Object.keys(opts.overrides ?? {}).length > 0 || (opts.secretKeys ?? []).length > 0 || !base;
  // A shipped file is read as shipped; a changed config is a stack file of its own.
  const stackFile = changed
    ? writeStackFile(stack, { base, set: opts.overrides, secretKeys: opts.secretKeys })
    : (base as string);
  const run = await runMockedChild<ProgramRun>(
    path.join(__dirname, "programChild.ts"),
    "PROGRAM_CHILD_INPUT",
    {
      stackFile,
      stack,
      callerAccountId: opts.callerAccountId ?? HUB_ACCOUNT,
      stackOutputs: opts.stackOutputs ?? {},
      lightweight: opts.lightweight,
      program: opts.program,
      engineUrns: opts.engineUrns,
      preview: opts.preview,
      secretStandIn: opts.secretStandIn,
    },
    { env: opts.env, timeoutMs: opts.timeoutMs },
  );
  if (changed) fs.rmSync(path.dirname(stackFile), { recursive: true, force: true });
  run.resources ??= [];
  run.urns ??= [];
  run.invokes ??= [];
  return run;
}

/** The example hub stack under mocks, with the notifier code it serializes: what users deploy. */
export async function runExampleHub(): Promise<{ run: ProgramRun; code: string; entries: string[] }> {
  const run = await runProgram({
    stackFile: "Pulumi.hub.yaml",
    stack: "hub",
    overrides: { organizationId: "o-exampleorg1" },
  });
  if (run.error || !run.notifier) throw new Error(`hub program failed: ${run.error}\n${run.stderr}`);
  return { run, ...run.notifier };
}

export function ofType(run: ProgramRun, type: string): RecordedResource[] {
  return run.resources.filter((r) => r.type === type);
}

export function one(run: ProgramRun, type: string, name?: string): RecordedResource {
  const found = ofType(run, type).filter((r) => name === undefined || r.name === name);
  if (found.length !== 1) {
    throw new Error(`expected one ${type}${name ? ` named ${name}` : ""}, found ${found.length}`);
  }
  return found[0] as RecordedResource;
}

export function parseJson<T = any>(s: unknown): T {
  if (typeof s !== "string") throw new Error(`expected a JSON string, got ${typeof s}`);
  return JSON.parse(s) as T;
}
