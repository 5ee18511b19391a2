// The spoke stacks of a project directory: every Pulumi.<stack>.yaml whose role is spoke. Templates
// (*-template), deployment settings (*.deploy.yaml) and examples are not stacks.
import * as fs from "node:fs";
import { UsageError } from "./cli";
import { loadStackConfig } from "./stackConfig";

const STACK_FILE = /^Pulumi\.(.+)\.yaml$/;

/** Stack names of the Pulumi.<stack>.yaml files in `dir` that are stacks rather than templates or settings. */
export function stackNames(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .map((f) => STACK_FILE.exec(f)?.[1])
    .filter((name): name is string => name !== undefined)
    .filter((name) => !/(\.deploy|-template|\.example)$/.test(name))
    .sort();
}

export function spokeStackNames(dir: string): string[] {
  return stackNames(dir).filter((name) => loadStackConfig(name, dir).source.get("role") === "spoke");
}

/** The flags of the reports over spoke stacks: --stack (repeatable) or --all, --markdown, --dir. */
export const REPORT_FLAGS = {
  stack: { type: "string", short: "s", multiple: true },
  all: { type: "boolean" },
  markdown: { type: "boolean" },
  dir: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** The project directory and the stacks --stack or --all name, or a UsageError saying what to give. */
export function reportStacks(
  values: { stack?: string[]; all?: boolean; dir?: string },
  cwd: string,
): { dir: string; stacks: string[] } {
  const dir = values.dir ?? cwd;
  return { dir, stacks: stacksFromFlags(values, dir) };
}

function stacksFromFlags(values: { stack?: string[]; all?: boolean }, dir: string): string[] {
  const named = values.stack ?? [];
  if (values.all && named.length > 0) throw new UsageError("Give either --stack or --all, not both.");
  if (!values.all && named.length === 0) throw new UsageError("Give --stack <spoke stack> or --all.");
  if (!values.all) return named;
  const stacks = spokeStackNames(dir);
  if (stacks.length === 0) {
    throw new UsageError(`--all found no spoke stack file (Pulumi.<stack>.yaml with role spoke) in ${dir}.`);
  }
  return stacks;
}
