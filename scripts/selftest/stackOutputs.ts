// A stack's outputs, as `pulumi stack output --json --stack <name>` prints them: read from a JSON
// file (CI, tests, or a machine without the Pulumi backend), or by running that command.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import { errorMessage } from "../cli";

export type StackOutputs = Record<string, unknown>;

export class StackOutputsError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StackOutputsError";
  }
}

function asOutputs(value: unknown, where: string): StackOutputs {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new StackOutputsError(
      `${where} is not a JSON object of stack outputs. Produce it with: npx pulumi stack output --json --stack <name> > <file>`,
    );
  }
  return value as StackOutputs;
}

/** Parses the JSON that `pulumi stack output --json` printed. */
export function parseStackOutputs(text: string, where: string): StackOutputs {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new StackOutputsError(`${where} is not valid JSON (${errorMessage(err)}).`, { cause: err });
  }
  return asOutputs(value, where);
}

export function readOutputsFile(file: string): StackOutputs {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new StackOutputsError(`Cannot read the outputs file ${file}: ${errorMessage(err)}`, { cause: err });
  }
  return parseStackOutputs(text, file);
}

/** Runs `npx pulumi stack output --json --stack <stack>` in `cwd`. Secrets stay masked: none is needed. */
export function pulumiStackOutputs(stack: string, cwd: string = process.cwd()): Promise<StackOutputs> {
  return new Promise((resolve, reject) => {
    execFile(
      "npx",
      ["pulumi", "stack", "output", "--json", "--stack", stack],
      { cwd, timeout: 120_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        if (err) {
          reject(
            new StackOutputsError(
              `Cannot read the outputs of stack ${stack} (pulumi stack output failed: ${String(stderr).trim() || err.message}). ` +
                "Log in to the stack's backend (npx pulumi login), or pass the outputs as a file: " +
                `npx pulumi stack output --json --stack ${stack} > ${stack}.json, then --outputs ${stack}.json.`,
            ),
          );
          return;
        }
        try {
          resolve(parseStackOutputs(String(stdout), `the outputs of stack ${stack}`));
        } catch (parseErr) {
          reject(parseErr);
        }
      },
    );
  });
}

/** A required string output, or an error that says which output is missing and what to do. */
export function requireStringOutput(outputs: StackOutputs, key: string, where: string): string {
  const value = outputs[key];
  if (typeof value !== "string" || value.trim() === "") {
    throw new StackOutputsError(
      `${where} has no ${key} output${value === undefined ? "" : ` (found ${JSON.stringify(value)})`}. ` +
        "Deploy the current version of the hub (npx pulumi up --stack <hub>), which exports it, and read its outputs again.",
    );
  }
  return value;
}
