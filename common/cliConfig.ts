// What the Pulumi CLI does with Pulumi.yaml and Pulumi.<stack>.yaml before it starts the program,
// so that tests and scripts refuse what `pulumi preview` refuses, with the CLI's own words.
// Mirrors pulumi/pulumi sdk/go/common/workspace:
//   project.go: ValidateProject (the project.json schema, config part), RewriteShorthandConfigValues,
//               Project.Validate, ValidateConfigValue, InferFullTypeName;
//   config.go:  mergeConfig, missingStackConfigurationKeysError, validateStackConfigValues,
//               validateStackConfigValue, createConfigValue;
//   resource/config/value.go: how a stack value is read (string, object, secure).
// Messages of the schema step approximate santhosh-tekuri/jsonschema's wording.
import * as fs from "node:fs";
import { isMap, isScalar, isSeq, parseDocument, type Node } from "yaml";

export class CliConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliConfigError";
  }
}

const SIMPLE_TYPES = ["string", "integer", "boolean", "array"];
const DECLARATION_ATTRIBUTES = ["type", "items", "description", "secret", "default", "value"];

export interface ItemsType {
  type: string;
  items?: ItemsType;
}

export interface ConfigDeclaration {
  type?: string;
  items?: ItemsType;
  description?: string;
  secret?: boolean;
  default?: unknown;
  value?: unknown;
}

export interface Project {
  name: string;
  config: Record<string, ConfigDeclaration>;
}

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

function yamlDocument(file: string): Node | null {
  const doc = parseDocument(fs.readFileSync(file, "utf8"));
  if (doc.errors.length > 0) throw new CliConfigError(`${file}: ${doc.errors[0]?.message ?? "invalid YAML"}`);
  return (doc.contents as Node | null) ?? null;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

const defined = (v: unknown): boolean => v !== undefined && v !== null;

// ---- Pulumi.yaml -----------------------------------------------------------------------------

function schemaErrors(key: string, raw: unknown): string[] {
  const at = `#/config/${key}`;
  if (typeof raw === "string" || typeof raw === "boolean" || Number.isInteger(raw)) return [];
  if (!isPlainObject(raw)) return [`${at}: expected string, integer, boolean or a config declaration`];
  const errors = Object.keys(raw)
    .filter((attr) => !DECLARATION_ATTRIBUTES.includes(attr))
    .map((attr) => `${at}: additionalProperties '${attr}' not allowed`);
  if (raw.type !== undefined && !SIMPLE_TYPES.includes(String(raw.type))) {
    errors.push(`${at}/type: value must be one of ${SIMPLE_TYPES.map((t) => JSON.stringify(t)).join(", ")}`);
  }
  return errors;
}

/** Reads and validates Pulumi.yaml as the CLI's project loader does. */
export function loadProject(file: string): Project {
  const root = yamlDocument(file)?.toJSON() as unknown;
  if (!isPlainObject(root)) throw new CliConfigError(`${file}: expected project to be an object`);
  const name = root.name;
  if (typeof name !== "string" || name === "") {
    throw new CliConfigError("project is missing a non-empty string 'name' attribute");
  }
  const rawConfig = root.config ?? {};
  if (!isPlainObject(rawConfig)) throw new CliConfigError("#/config: expected object");

  const errors = Object.keys(rawConfig)
    .sort()
    .flatMap((key) => schemaErrors(key, rawConfig[key]));
  if (errors.length > 0) throw new CliConfigError(errors.join("\n"));

  // RewriteShorthandConfigValues: `key: v` is a default for project keys, a value for others.
  const config: Record<string, ConfigDeclaration> = {};
  for (const [key, raw] of Object.entries(rawConfig)) {
    if (isPlainObject(raw)) config[key] = raw as ConfigDeclaration;
    else config[key] = isProjectKey(name, key) ? { default: raw } : { value: raw };
  }
  const project = { name, config };
  validateProject(project);
  return project;
}

function isProjectKey(projectName: string, key: string): boolean {
  return !key.includes(":") || key.startsWith(`${projectName}:`);
}

/** Project.Validate. Go visits a map in random order; sorted here so the first error is stable. */
function validateProject(project: Project): void {
  for (const key of Object.keys(project.config).sort()) {
    const decl = project.config[key] as ConfigDeclaration;
    if (defined(decl.default) && defined(decl.value)) {
      throw new CliConfigError(`project config '${key}' cannot have both a 'default' and 'value' attribute`);
    }
    if (isProjectKey(project.name, key)) {
      if (decl.type === "array" && decl.items === undefined) {
        throw new CliConfigError(
          `The configuration key '${key}' declares an array but does not specify the underlying type via the 'items' attribute`,
        );
      }
      if (
        decl.type !== undefined &&
        defined(decl.default) &&
        !validateConfigValue(decl.type, decl.items, decl.default)
      ) {
        throw new CliConfigError(
          `The default value specified for configuration key '${key}' is not of the expected type '${fullTypeName(decl.type, decl.items)}'`,
        );
      }
    } else {
      if (decl.type !== undefined) {
        throw new CliConfigError(
          `Configuration key '${key}' is not namespaced by the project and should not define a type`,
        );
      }
      if (defined(decl.default)) {
        throw new CliConfigError(
          `Configuration key '${key}' is not namespaced by the project and should not define a default value. Did you mean to use the 'value' attribute instead of 'default'?`,
        );
      }
      if (!defined(decl.value)) {
        throw new CliConfigError(
          `Configuration key '${key}' is namespaced and must provide an attribute 'value'`,
        );
      }
    }
  }
}

/** InferFullTypeName */
export function fullTypeName(type: string, items?: ItemsType): string {
  return items ? `array<${fullTypeName(items.type, items.items)}>` : type;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** ValidateConfigValue: the CLI's type rules. */
export function validateConfigValue(type: string, items: ItemsType | undefined, value: unknown): boolean {
  switch (type) {
    case "string":
      return typeof value === "string";
    case "integer":
      if (typeof value === "number") return Number.isInteger(value);
      if (typeof value !== "string" || !/^[+-]?\d+$/.test(value)) return false;
      // strconv.Atoi: a 64-bit int.
      return BigInt(value) >= INT64_MIN && BigInt(value) <= INT64_MAX;
    case "boolean":
      return value === true || value === false || value === "true" || value === "false";
    case "object":
      return isPlainObject(value);
    default:
      return (
        Array.isArray(value) &&
        items !== undefined &&
        value.every((v) => validateConfigValue(items.type, items.items, v))
      );
  }
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
