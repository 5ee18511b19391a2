// Runs one of the CLI scripts as a user would, in a child process, to test its exit code and output.
import { execFile } from "node:child_process";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");

export interface ScriptResult {
  /** The exit code; -1 when the child did not exit normally (killed, timed out, not started). */
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `script` (a path from the repository root, e.g. "scripts/doctor.ts") with `args` under tsx. The
 * child gets only PATH, HOME and `env`, so the caller's AWS settings cannot leak into it.
 */
export function runScript(
  script: string,
  args: string[],
  env: Record<string, string>,
  timeoutMs = 60_000,
): Promise<ScriptResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", path.join(ROOT, script), ...args],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
        timeout: timeoutMs,
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}
