// Reads a stack's config from Pulumi.<stack>.yaml so scripts (doctor, coverage, self-test) see
// what the Pulumi program sees, without the Pulumi CLI: the CLI's own rules (common/cliConfig.ts)
// apply the project's defaults and refuse what `pulumi preview` refuses, in the same words. Values
// come back the way pulumi.Config.get returns them: strings as-is, lists and objects JSON-encoded.
import * as fs from "node:fs";
import * as path from "node:path";
import { stackRegionProblem } from "../../common/awsRegion";
import { applyProjectConfig, loadStackFile } from "../../common/cliConfig";
import { CliConfigError, loadProject } from "../../common/cliProject";
import { PROJECT, readRole, type ConfigSource, type Role } from "../../common/config";
import { bareKeyAdvice, checkConfigKeys, PROJECT_FILE } from "../../common/configKeys";
import { errorMessage } from "../../common/errors";

export interface StackConfig {
  source: ConfigSource;
  /** Every key the program would see, fully qualified. */
  values: Record<string, string>;
  /** `aws:region` of the stack, if set. */
  region?: string;
  /** `aws:profile` of the stack, if set. */
  profile?: string;
  /** Keys stored encrypted (`secure:`), fully qualified: their values are not visible to scripts. */
  secretKeys: string[];
  /** Pulumi ESC environments the stack imports; their values are not visible to scripts. */
  environments: string[];
  /** The file that was read. */
  file: string;
}

export class StackConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StackConfigError";
  }
}

/** The stack's own name: "dev" for "org/project/dev" and for "dev". */
export function shortStackName(stack: string): string {
  return stack.split("/").pop() ?? stack;
}

/** "org/project/dev" and "dev" both live in Pulumi.dev.yaml. */
export function stackFileName(stack: string): string {
  return `Pulumi.${shortStackName(stack)}.yaml`;
}

export function loadStackConfig(stack: string, dir: string = process.cwd()): StackConfig {
  const file = path.join(dir, stackFileName(stack));
  if (!fs.existsSync(file)) {
    throw new StackConfigError(
      `No stack file ${file}. Pass the stack name (--stack <name>) of a stack whose Pulumi.<name>.yaml is in ${dir}, ` +
        "or run from the project directory (--dir <path>).",
    );
  }
  const stackName = shortStackName(stack);
  let values: Record<string, string>;
  let secretKeys: string[];
  let environments: string[];
  try {
    const stackFile = loadStackFile(file);
    environments = stackFile.environments;
    // Scripts hold no key to the stack's secrets: the CLI's checks run on everything else.
    const projectPath = path.join(dir, "Pulumi.yaml");
    const project = loadProject(fs.existsSync(projectPath) ? projectPath : PROJECT_FILE);
    ({ values, secretKeys } = applyProjectConfig(stackName, project, stackFile, () => undefined));
  } catch (err) {
    if (err instanceof CliConfigError)
      throw new StackConfigError(`${file}: ${err.message}${bareKeyAdvice(err.message) ?? ""}`);
    throw err;
  }
  const prefix = `${PROJECT}:`;

  const source: ConfigSource = {
    get(key: string): string | undefined {
      const full = `${prefix}${key}`;
      if (secretKeys.includes(full)) {
        throw new StackConfigError(
          `${full} in ${file} is a secret (secure:), which this script cannot decrypt. ` +
            `Store it as plain text (pulumi config set ${full} <value>) or pass the value another way.`,
        );
      }
      return values[full];
    },
  };

  const result: StackConfig = { source, values, secretKeys, environments, file };
  const region = values["aws:region"];
  if (region) result.region = region;
  const profile = values["aws:profile"];
  if (profile) result.profile = profile;
  return result;
}

/**
 * The stack's role, read as the program reads it, with its keys checked for that role: what
 * `pulumi preview` would refuse before any resource, a script refuses in the same words.
 */
export function stackRole(stack: StackConfig): Role {
  try {
    const role = readRole(stack.source);
    checkConfigKeys(stack.values, role);
    const region = stack.values["aws:region"];
    const problem = region === undefined ? undefined : stackRegionProblem(region);
    if (problem) throw new Error(problem);
    return role;
  } catch (err) {
    throw new StackConfigError(`${stack.file}: ${errorMessage(err)}`);
  }
}

/** Refuses a stack that is not a spoke, in one line that says what `tool` needs instead. */
export function requireSpoke(stack: StackConfig, name: string, tool: string): void {
  const role = stackRole(stack);
  if (role !== "spoke") {
    throw new StackConfigError(
      `Stack ${name} is a ${role} stack (${PROJECT}:role: ${role}); ${tool} reads spoke stacks. Pass a spoke stack to --stack.`,
    );
  }
}
