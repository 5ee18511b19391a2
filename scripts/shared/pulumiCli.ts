// Runs the Pulumi CLI (`npx pulumi ...`, the project's devDependency) for the scripts that read
// stack outputs, and tells "the CLI is not here" apart from "the CLI refused": offline, the npm
// package cannot download the CLI, and "log in" would be the wrong advice.
import { execFile } from "node:child_process";
import { shortStackName } from "./stackConfig";

export class PulumiCliError extends Error {
  constructor(
    message: string,
    /** True when the CLI itself could not be found, downloaded or started. */
    readonly missing: boolean,
  ) {
    super(message);
    this.name = "PulumiCliError";
  }
}

// What the `pulumi` npm wrapper (run.js) and npx print when there is no CLI to run.
const NO_CLI =
  /Downloading pulumi v|^pulumi: (fetch failed|HTTP \d+ fetching|failed to start)|could not determine executable to run|command not found/m;

/** The command that saves a stack's outputs, and the flag that reads them back, with a plain file name. */
export function outputsFileHint(stack: string): string {
  const file = `${shortStackName(stack)}.json`;
  return `npx pulumi stack output --json --stack ${stack} > ${file}, then --outputs ${file}`;
}

export function runPulumi(args: string[], cwd: string, maxBuffer = 16 << 20): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("npx", ["pulumi", ...args], { cwd, timeout: 120_000, maxBuffer }, (err, stdout, stderr) => {
      if (!err) {
        resolve(String(stdout));
        return;
      }
      const said = String(stderr).trim() || err.message;
      const missing = (err as NodeJS.ErrnoException).code === "ENOENT" || NO_CLI.test(said);
      reject(
        new PulumiCliError(
          missing
            ? `the Pulumi CLI is not available here (npx pulumi: ${said.split("\n").pop()})`
            : `pulumi ${args.slice(0, 2).join(" ")} failed: ${said}`,
          missing,
        ),
      );
    });
  });
}
