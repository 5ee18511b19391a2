// Runs scripts/bench/baselineChild.ts in a fresh process through the same launcher as the real
// program (testkit/program.ts): same Node, same TypeScript preload, same environment.
import * as path from "node:path";
import { runMockedChild } from "../../testkit/program";

export interface BaselineRun {
  error?: string;
  resources: { type: string }[];
  wallMs?: number;
  maxRssBytes?: number;
  stderr: string;
}

export async function runBaseline(count: number, env: Record<string, string> = {}): Promise<BaselineRun> {
  const run = await runMockedChild<BaselineRun>(
    path.join(__dirname, "baselineChild.ts"),
    "BENCH_BASELINE_INPUT",
    { count },
    { env, timeoutMs: 1_800_000 },
  );
  run.resources ??= [];
  return run;
}
