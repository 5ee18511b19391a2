// What the Pulumi CLI does with Pulumi.yaml before it starts the program, so that tests and scripts
// refuse what `pulumi preview` refuses, with the CLI's own words. Mirrors pulumi/pulumi
// sdk/go/common/workspace/project.go: ValidateProject (the project.json schema, config part),
// RewriteShorthandConfigValues, Project.Validate, ValidateConfigValue, InferFullTypeName.
// Messages of the schema step approximate santhosh-tekuri/jsonschema's wording.
import * as fs from "node:fs";
import { parseDocument, type Node } from "yaml";

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

/** A YAML file's root node (both Pulumi.yaml and stack files); a parse error is a CliConfigError. */
export function yamlDocument(file: string): Node | null {
  const doc = parseDocument(fs.readFileSync(file, "utf8"));
  if (doc.errors.length > 0) throw new CliConfigError(`${file}: ${doc.errors[0]?.message ?? "invalid YAML"}`);
  return (doc.contents as Node | null) ?? null;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

export const defined = (v: unknown): boolean => v !== undefined && v !== null;

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
