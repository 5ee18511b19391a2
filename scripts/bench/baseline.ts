// Runs scripts/bench/baselineChild.ts in a fresh process, exactly as tests/support/program.ts runs
// the real program: same Node, same TypeScript preload, same environment.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO } from "../../tests/support/program";

export interface BaselineRun {
  error?: string;
  resources: { type: string }[];
  wallMs?: number;
  maxRssBytes?: number;
  stderr: string;
}

export function runBaseline(count: number, env: Record<string, string> = {}): Promise<BaselineRun> {
  const outFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ram-baseline-")), "run.json");
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [
        "--require",
        path.join(REPO, "tests", "support", "pulumiTsNode.js"),
        path.join(__dirname, "baselineChild.ts"),
      ],
      {
        cwd: REPO,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? os.tmpdir(),
          AWS_EC2_METADATA_DISABLED: "true",
          ...env,
          BENCH_BASELINE_INPUT: JSON.stringify({ count, outFile }),
        },
        maxBuffer: 64 * 1024 * 1024,
        timeout: 1_800_000,
      },
      (err, _stdout, stderr) => {
        if (!fs.existsSync(outFile)) {
          reject(new Error(`baseline run wrote nothing (${String(err)}):\n${stderr}`));
          return;
        }
        const run = JSON.parse(fs.readFileSync(outFile, "utf8")) as BaselineRun;
        fs.rmSync(path.dirname(outFile), { recursive: true, force: true });
        run.resources ??= [];
        run.stderr = stderr;
        resolve(run);
      },
    );
  });
}
