// What the Pulumi CLI does with Pulumi.<stack>.yaml before it starts the program: reads the stack's
// values and merges the project's config into them (common/cliProject.ts reads Pulumi.yaml).
// Mirrors pulumi/pulumi sdk/go/common/workspace:
//   config.go:  mergeConfig, missingStackConfigurationKeysError, validateStackConfigValues,
//               validateStackConfigValue, createConfigValue;
//   resource/config/value.go: how a stack value is read (string, object, secure).
import { isMap, isScalar, isSeq, type Node } from "yaml";
import {
  CliConfigError,
  defined,
  fullTypeName,
  isPlainObject,
  validateConfigValue,
  yamlDocument,
  type ConfigDeclaration,
  type Project,
} from "./cliProject";

/** A stack config value as the CLI holds it: a string, a JSON-encoded object, or ciphertext. */
export interface StackValue {
  value: string;
  object: boolean;
  secure: boolean;
}

export interface StackFile {
  file: string;
  config: Map<string, StackValue>;
  /** Pulumi ESC environments the stack imports. */
  environments: string[];
}

/** Returns the plaintext of a `secure:` value, or undefined when this caller holds no key. */
export type Decrypter = (ciphertext: string) => string | undefined;

export interface ResolvedConfig {
  /** Every key the program sees, fully qualified, as `pulumi.Config` returns it. */
  values: Record<string, string>;
  /** Keys whose values were secure on the stack. */
  secretKeys: string[];
}

// ---- Pulumi.<stack>.yaml ---------------------------------------------------------------------

function isSecureObject(v: unknown): v is { secure: string } {
  return isPlainObject(v) && Object.keys(v).length === 1 && typeof v.secure === "string";
}

function hasSecure(v: unknown): boolean {
  if (isSecureObject(v)) return true;
  if (Array.isArray(v)) return v.some(hasSecure);
  return isPlainObject(v) && Object.values(v).some(hasSecure);
}

/** config.Value.UnmarshalYAML: a scalar is its text, `{secure: x}` is ciphertext, anything else JSON. */
function stackValue(node: unknown): StackValue {
  if (node === null || node === undefined) return { value: "", object: false, secure: false };
  if (isScalar(node)) {
    // yaml.v3 decodes any scalar into a string as written: `True` stays "True", null becomes "".
    const text = node.value === null ? "" : typeof node.value === "string" ? node.value : String(node.source);
    return { value: text, object: false, secure: false };
  }
  const obj = (node as Node).toJSON() as unknown;
  if (isSecureObject(obj)) return { value: obj.secure, object: false, secure: true };
  return { value: JSON.stringify(obj), object: true, secure: hasSecure(obj) };
}

/** Reads a stack file. Keys must be namespaced, as config.ParseKey requires. */
export function loadStackFile(file: string): StackFile {
  const root = yamlDocument(file);
  const config = new Map<string, StackValue>();
  if (root !== null && !isMap(root))
    throw new CliConfigError(`${file}: expected a mapping with a config: section`);
  const configNode = root?.get("config", true);
  if (configNode !== undefined && configNode !== null && !isMap(configNode)) {
    throw new CliConfigError(`${file}: config: must be a mapping of key: value`);
  }
  for (const pair of configNode?.items ?? []) {
    const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
    if (!/^[^:]+:.+$/.test(key)) {
      throw new CliConfigError(
        `could not parse ${key} as a configuration key (configuration keys should be of the form \`<namespace>:<name>\`)`,
      );
    }
    config.set(key, stackValue(pair.value));
  }
  const env = root?.get("environment", true) as unknown;
  const envJson = isSeq(env) || isMap(env) ? ((env as Node).toJSON() as unknown) : undefined;
  const environments = Array.isArray(envJson)
    ? envJson.map(String)
    : isPlainObject(envJson) && Array.isArray(envJson.imports)
      ? envJson.imports.map(String)
      : [];
  return { file, config, environments };
}

// ---- mergeConfig -----------------------------------------------------------------------------

function fullKey(projectName: string, key: string): string {
  return key.includes(":") ? key : `${projectName}:${key}`;
}

/** createConfigValue: strings, integers and booleans as text, anything else as JSON. */
function defaultValue(raw: unknown): StackValue {
  const primitive = typeof raw === "string" || typeof raw === "boolean" || Number.isInteger(raw);
  return primitive
    ? { value: String(raw), object: false, secure: false }
    : { value: JSON.stringify(raw), object: true, secure: false };
}

function formatMissingKeys(keys: string[]): string {
  if (keys.length === 1) return `'${keys[0]}'`;
  const sorted = [...keys].sort();
  const quoted = sorted.map((k) => `'${k}'`);
  return `${quoted.slice(0, -1).join(", ")} and ${quoted[quoted.length - 1]}`;
}

function decryptDeep(v: unknown, decrypt: (c: string) => string): unknown {
  if (isSecureObject(v)) return decrypt(v.secure);
  if (Array.isArray(v)) return v.map((x) => decryptDeep(x, decrypt));
  if (isPlainObject(v))
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decryptDeep(x, decrypt)]));
  return v;
}

/** The plaintext of a stack value, or undefined when a secure part cannot be decrypted here. */
function plaintext(v: StackValue, decrypt: Decrypter): string | undefined {
  if (!v.secure) return v.value;
  if (!v.object) return decrypt(v.value);
  let missing = false;
  const out = decryptDeep(JSON.parse(v.value), (c) => {
    const p = decrypt(c);
    if (p === undefined) missing = true;
    return p ?? "";
  });
  return missing ? undefined : JSON.stringify(out);
}

/**
 * ValidateStackConfigAndApplyProjectConfig: applies the project's defaults and values to the stack's
 * config, then refuses it as the CLI would. `environmentConfig` is what imported ESC environments
 * set under `pulumiConfig` (scripts cannot open environments and pass none).
 */
export function applyProjectConfig(
  stackName: string,
  project: Project,
  stack: StackFile,
  decrypt: Decrypter,
  environmentConfig: Record<string, unknown> = {},
): ResolvedConfig {
  const config = new Map(stack.config);
  for (const [key, raw] of Object.entries(environmentConfig)) {
    const k = fullKey(project.name, key);
    if (!config.has(k)) config.set(k, defaultValue(raw));
  }

  const keys = Object.keys(project.config).sort();
  const missing: string[] = [];
  for (const key of keys) {
    const decl = project.config[key] as ConfigDeclaration;
    const k = fullKey(project.name, key);
    if (config.has(k)) continue;
    if (defined(decl.default)) config.set(k, defaultValue(decl.default));
    else if (defined(decl.value)) config.set(k, defaultValue(decl.value));
    else if (k.startsWith(`${project.name}:`)) missing.push(key);
  }
  if (missing.length > 0) {
    throw new CliConfigError(
      `Stack '${stackName}' is missing configuration ${missing.length > 1 ? "values" : "value"} ${formatMissingKeys(missing)}`,
    );
  }

  for (const key of keys) {
    const decl = project.config[key] as ConfigDeclaration;
    if (decl.type === undefined) continue;
    const v = config.get(fullKey(project.name, key)) as StackValue;
    if (decl.secret === true && !v.secure) {
      throw new CliConfigError(
        `Stack '${stackName}' with configuration key '${key}' must be encrypted as it's secret`,
      );
    }
    const text = plaintext(v, decrypt);
    if (text === undefined) continue;
    const content: unknown = v.object ? JSON.parse(text) : text;
    if (!validateConfigValue(decl.type, decl.items, content)) {
      throw new CliConfigError(
        `Stack '${stackName}' with configuration key '${key}' must be of type '${fullTypeName(decl.type, decl.items)}'`,
      );
    }
  }

  const values: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [k, v] of config) {
    const text = plaintext(v, decrypt);
    if (text !== undefined) values[k] = text;
    if (v.secure) secretKeys.push(k);
  }
  return { values, secretKeys };
}
