// Reading and validating stack config. Every error names the key and says what to fix, and is a
// RunError so that `pulumi up` prints it without a stack trace.
import * as pulumi from "@pulumi/pulumi";

export const PROJECT = "root-activity-monitor";
export const ROLES = ["hub", "spoke"] as const;
export type Role = (typeof ROLES)[number];

export function configError(key: string, problem: string): pulumi.RunError {
  return new pulumi.RunError(`Invalid config ${PROJECT}:${key}: ${problem}`);
}

/** Anything that answers config lookups: `pulumi.Config`, or a stack file read by a script. */
export interface ConfigSource {
  get(key: string): string | undefined;
}

/**
 * Whether a key of this project was set with `pulumi config set --secret`. @pulumi/pulumi has no
 * public API for this: its untyped `runtime.isConfigSecret` is the one internal used, here only
 * (tests/deploy/pulumi-internals.test.ts fails if it changes).
 */
export function isSecretConfig(key: string): boolean {
  const { isConfigSecret } = pulumi.runtime as { isConfigSecret?(k: string): boolean };
  if (typeof isConfigSecret !== "function") {
    throw new pulumi.RunError(
      "@pulumi/pulumi no longer has runtime.isConfigSecret: update isSecretConfig in common/config.ts",
    );
  }
  return isConfigSecret(`${PROJECT}:${key}`);
}

export function projectConfig(): ConfigSource {
  return new pulumi.Config(PROJECT);
}

export function readRole(cfg: ConfigSource = projectConfig()): Role {
  const value = cfg.get("role");
  if (value === undefined || value === "") {
    throw configError(
      "role",
      `missing. Set it to one of ${ROLES.join(", ")}: pulumi config set ${PROJECT}:role hub`,
    );
  }
  if (!(ROLES as readonly string[]).includes(value)) {
    throw configError("role", `"${value}" is not one of the allowed values: ${ROLES.join(", ")}.`);
  }
  return value as Role;
}

export function readBoolean(cfg: ConfigSource, key: string, fallback: boolean): boolean {
  const raw = cfg.get(key);
  if (raw === undefined || raw === "") return fallback;
  if (raw === "true") return true;
  if (raw === "false") return false;
  throw configError(key, `"${raw}" is not a boolean. Use true or false.`);
}

/** Config values that are lists or objects arrive JSON-encoded (pulumi.Config.get does that too). */
export function readJsonValue(cfg: ConfigSource, key: string, expected: string): unknown {
  const raw = cfg.get(key);
  if (raw === undefined || raw === "") return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw configError(key, `expected ${expected}, got ${JSON.stringify(raw)}.`);
  }
}

export function readStringList(cfg: ConfigSource, key: string): string[] | undefined {
  const parsed = readJsonValue(cfg, key, 'a list, for example ["a", "b"]');
  if (parsed === undefined) return undefined;
  if (!Array.isArray(parsed) || parsed.some((v) => typeof v !== "string")) {
    throw configError(key, `expected a list of strings, got ${JSON.stringify(parsed)}.`);
  }
  return (parsed as string[]).map((v) => v.trim());
}

export function readObject(cfg: ConfigSource, key: string): Record<string, unknown> | undefined {
  const parsed = readJsonValue(cfg, key, "an object");
  if (parsed === undefined) return undefined;
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw configError(key, `expected an object, got ${JSON.stringify(parsed)}.`);
  }
  return parsed as Record<string, unknown>;
}

export function readMatching(
  cfg: ConfigSource,
  key: string,
  pattern: RegExp,
  what: string,
): string | undefined {
  const raw = cfg.get(key);
  if (raw === undefined || raw === "") return undefined;
  if (!pattern.test(raw)) throw configError(key, `"${raw}" is not ${what}.`);
  return raw;
}

// The ID shapes live with the other AWS names; hub and spoke config read them from here.
