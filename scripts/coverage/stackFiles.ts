// The spoke stacks of a project directory: every Pulumi.<stack>.yaml whose role is spoke. Templates
// (*-template), deployment settings (*.deploy.yaml) and examples are not stacks.
import * as fs from "node:fs";
import { loadStackConfig } from "../stackConfig";

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
