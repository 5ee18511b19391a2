// A stack's outputs, as `pulumi stack output --json --stack <name>` prints them: read from a JSON
// file (CI, tests, or a machine without the Pulumi backend), or by running that command. The one
// reader of outputs for the doctor, the coverage report and the self-test.
import * as fs from "node:fs";
import { errorMessage } from "../../common/errors";
import { outputsFileHint, PulumiCliError, runPulumi } from "./pulumiCli";

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
export async function pulumiStackOutputs(stack: string, cwd: string = process.cwd()): Promise<StackOutputs> {
  let text: string;
  try {
    text = await runPulumi(["stack", "output", "--json", "--stack", stack], cwd);
  } catch (err) {
    const advice =
      err instanceof PulumiCliError && err.missing
        ? "Pass the outputs as a file instead: where the CLI works, run "
        : "Log in to the stack's backend (npx pulumi login), or pass the outputs as a file: ";
    throw new StackOutputsError(
      `Cannot read the outputs of stack ${stack}: ${errorMessage(err)}. ${advice}${outputsFileHint(stack)}.`,
      { cause: err },
    );
  }
  return parseStackOutputs(text, `the outputs of stack ${stack}`);
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
