// Reads a stack's config from Pulumi.<stack>.yaml so scripts (doctor) see the same values as the
// Pulumi program, without the Pulumi CLI. Values come back the way pulumi.Config.get returns them:
// strings as-is, lists and objects JSON-encoded. Project-level defaults from Pulumi.yaml apply
// when the stack file does not set a key.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { PROJECT, type ConfigSource } from "../common/config";

export interface StackConfig {
  source: ConfigSource;
  /** `aws:region` of the stack, if set. */
  region?: string;
  /** `aws:profile` of the stack, if set. */
  profile?: string;
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

/** "org/project/dev" and "dev" both live in Pulumi.dev.yaml. */
export function stackFileName(stack: string): string {
  const name = stack.split("/").pop() ?? stack;
  return `Pulumi.${name}.yaml`;
}

function isSecure(value: unknown): boolean {
  return value !== null && typeof value === "object" && !Array.isArray(value) && "secure" in value;
}

function toConfigString(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === "string" ? value : JSON.stringify(value);
}

function readYaml(file: string): unknown {
  try {
    return parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new StackConfigError(
      `${file} is not valid YAML: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** Project-level config from Pulumi.yaml: `config: { key: { default } }`, `config: { key: value }`. */
function projectDefaults(dir: string): Map<string, unknown> {
  const defaults = new Map<string, unknown>();
  const file = path.join(dir, "Pulumi.yaml");
  if (!fs.existsSync(file)) return defaults;
  const doc = readYaml(file) as { config?: Record<string, unknown> } | null;
  for (const [rawKey, spec] of Object.entries(doc?.config ?? {})) {
    const key = rawKey.startsWith(`${PROJECT}:`) ? rawKey.slice(PROJECT.length + 1) : rawKey;
    if (key.includes(":")) continue;
    if (spec !== null && typeof spec === "object" && !Array.isArray(spec)) {
      const s = spec as Record<string, unknown>;
      if ("value" in s) defaults.set(key, s.value);
      else if ("default" in s) defaults.set(key, s.default);
    } else {
      defaults.set(key, spec);
    }
  }
  return defaults;
}

export function loadStackConfig(stack: string, dir: string = process.cwd()): StackConfig {
  const file = path.join(dir, stackFileName(stack));
  if (!fs.existsSync(file)) {
    throw new StackConfigError(
      `No stack file ${file}. Pass the stack name (--stack <name>) of a stack whose Pulumi.<name>.yaml is in ${dir}, ` +
        "or run from the project directory (--dir <path>).",
    );
  }
  const doc = readYaml(file);
  if (doc !== null && doc !== undefined && (typeof doc !== "object" || Array.isArray(doc))) {
    throw new StackConfigError(`${file} must be a YAML mapping with a config: section.`);
  }
  const top = (doc ?? {}) as { config?: unknown; environment?: unknown };
  const config = (top.config ?? {}) as Record<string, unknown>;
  if (typeof config !== "object" || Array.isArray(config)) {
    throw new StackConfigError(`${file}: config: must be a mapping of key: value.`);
  }
  const defaults = projectDefaults(dir);
  const prefix = `${PROJECT}:`;

  const source: ConfigSource = {
    get(key: string): string | undefined {
      const full = `${prefix}${key}`;
      const value = full in config ? config[full] : defaults.get(key);
      if (isSecure(value)) {
        throw new StackConfigError(
          `${full} in ${file} is a secret (secure:), which this script cannot decrypt. ` +
            `Store it as plain text (pulumi config set ${full} <value>) or pass the value another way.`,
        );
      }
      return toConfigString(value);
    },
  };

  const plain = (key: string): string | undefined => {
    const value = config[key];
    return isSecure(value) ? undefined : toConfigString(value);
  };

  const env = top.environment;
  const environments = Array.isArray(env)
    ? env.map(String)
    : env && typeof env === "object" && Array.isArray((env as { imports?: unknown }).imports)
      ? ((env as { imports: unknown[] }).imports.map(String) as string[])
      : [];

  const result: StackConfig = { source, environments, file };
  const region = plain("aws:region");
  if (region) result.region = region;
  const profile = plain("aws:profile");
  if (profile) result.profile = profile;
  return result;
}
