// Runs the real spoke program under Pulumi mocks against a fake organization of N accounts.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { FakeOrganization, startFakeOrganization } from "../../tests/support/fakeOrganization";
import { REPO, type ProgramRun, type RunOptions } from "../../tests/support/program";

export const MANAGEMENT_ACCOUNT = "111111111111";
export const HUB_BUS_ARN = "arn:aws:events:us-east-1:222222222222:event-bus/root-activity";

export interface SpokeMeasure {
  accounts: number;
  shard?: string;
  /** Accounts this run covered (its share when sharded). */
  covered: number;
  regions: number;
  resources: number;
  byType: Record<string, number>;
  wallMs: number;
  maxRssBytes: number;
  /** Wall time of the whole child process as seen from here (Node and TypeScript start-up included). */
  processMs: number;
}

/**
 * tests/support/program.ts runProgram, with a longer time limit (its 10 minutes is tight for the
 * largest sizes on a busy machine) and without keeping the run file. Same child, same environment.
 */
export function runProgramChild(opts: RunOptions, timeoutMs = 1_800_000): Promise<ProgramRun> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ram-bench-program-"));
  const outFile = path.join(dir, "run.json");
  const input = {
    stackFile: opts.stackFile ? path.resolve(REPO, opts.stackFile) : undefined,
    overrides: opts.overrides ?? {},
    stack: opts.stack ?? "test",
    callerAccountId: opts.callerAccountId ?? MANAGEMENT_ACCOUNT,
    stackOutputs: opts.stackOutputs ?? {},
    outFile,
    lightweight: opts.lightweight,
  };
  const support = path.join(REPO, "tests", "support");
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--require", path.join(support, "pulumiTsNode.js"), path.join(support, "programChild.ts")],
      {
        cwd: REPO,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? os.tmpdir(),
          AWS_EC2_METADATA_DISABLED: "true",
          ...opts.env,
          PROGRAM_CHILD_INPUT: JSON.stringify(input),
        },
        maxBuffer: 64 * 1024 * 1024,
        timeout: timeoutMs,
      },
      (err, _stdout, stderr) => {
        if (!fs.existsSync(outFile)) {
          reject(new Error(`program run wrote nothing (${String(err)}):\n${stderr}`));
          return;
        }
        const run = JSON.parse(fs.readFileSync(outFile, "utf8")) as ProgramRun;
        fs.rmSync(dir, { recursive: true, force: true });
        run.resources ??= [];
        run.stderr = stderr;
        resolve(run);
      },
    );
  });
}

/** An organization of `count` ACTIVE accounts: the management account (the caller) and count-1 members. */
export function benchOrganization(count: number): FakeOrganization {
  const org = new FakeOrganization({ managementAccountId: MANAGEMENT_ACCOUNT, pageSize: 20 });
  org.addAccount({ id: MANAGEMENT_ACCOUNT, name: "management" });
  org.addManyAccounts(count - 1);
  return org;
}

export async function runSpoke(
  accounts: number,
  opts: { shard?: string; env?: Record<string, string> } = {},
): Promise<SpokeMeasure> {
  const fake = await startFakeOrganization(benchOrganization(accounts));
  let run: ProgramRun;
  const t0 = performance.now();
  try {
    run = await runProgramChild({
      stackFile: "Pulumi.spoke-template.yaml",
      stack: opts.shard ? `spoke-bench-${opts.shard.replace("/", "of")}` : "spoke-bench",
      callerAccountId: MANAGEMENT_ACCOUNT,
      overrides: {
        hubEventBusArn: HUB_BUS_ARN,
        hubStack: null,
        regions: null, // the 17 default regions
        ...(opts.shard ? { shard: opts.shard } : {}),
      },
      env: { ...fake.env, ...opts.env },
      lightweight: true,
    });
  } finally {
    await fake.aws.close();
  }
  const processMs = performance.now() - t0;
  if (run.error) throw new Error(`spoke program (${accounts} accounts) failed: ${run.error}\n${run.stderr}`);
  const counts = run.outputs?.counts as { accounts: number; regions: number } | undefined;
  const byType: Record<string, number> = {};
  for (const r of run.resources) byType[r.type] = (byType[r.type] ?? 0) + 1;
  return {
    accounts,
    shard: opts.shard,
    covered: counts?.accounts ?? NaN,
    regions: counts?.regions ?? NaN,
    resources: run.resources.length,
    byType,
    wallMs: run.wallMs ?? NaN,
    maxRssBytes: run.maxRssBytes ?? NaN,
    processMs,
  };
}
