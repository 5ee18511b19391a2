// The project's own config keys: which role reads each, and the check that a stack sets none that
// would do nothing. The CLI ignores unknown keys of the project's namespace (pulumi/pulumi
// sdk/go/common/workspace/config.go checks only declared keys), so a typo like
// `root-activity-monitor:acounts` would otherwise silently widen what a spoke watches, and a key
// under a misspelt namespace (`root-activity-moniter:regions`) would be read by no one.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { configError, PROJECT, type Role } from "./config";
import { distance } from "./editDistance";
import { loadProject, type Project } from "./cliProject";

export type KeyRole = Role | "both";

/** Every key declared in Pulumi.yaml, and which role reads it (a test keeps the two equal). */
export const KEY_ROLES: Record<string, KeyRole> = {
  role: "both",
  includeReadOnlyEvents: "both",
  notificationEmails: "hub",
  subscriptions: "hub",
  webhookUrl: "hub",
  webhookFormat: "hub",
  organizationId: "hub",
  eventBusName: "hub",
  logRetentionDays: "hub",
  coverageTrigger: "hub",
  coverageTokenSecretArn: "hub",
  coverageDeadlineMinutes: "hub",
  pulumiOrganization: "hub",
  pulumiApiUrl: "hub",
  githubRepository: "hub",
  githubWorkflow: "hub",
  githubRef: "hub",
  githubApiUrl: "hub",
  hubStack: "spoke",
  hubEventBusArn: "spoke",
  regions: "spoke",
  memberRoleName: "spoke",
  controlTowerHomeRegion: "spoke",
  accounts: "spoke",
  organizationalUnits: "spoke",
  shard: "spoke",
  guardMonitor: "spoke",
};

export const PROJECT_FILE = path.join(__dirname, "..", "Pulumi.yaml");

/**
 * The known key closest to `name`: within the CLI's distance of 2 (maxValidationAttributeDistance),
 * else one that contains it or is contained in it (`hubStackName` -> `hubStack`).
 */
export function closestKey(name: string, known: string[] = Object.keys(KEY_ROLES)): string | undefined {
  const sorted = [...known].sort();
  let best: string | undefined;
  let bestDistance = 3;
  for (const key of sorted) {
    const d = distance(name, key);
    if (d < bestDistance) [best, bestDistance] = [key, d];
  }
  const lower = name.toLowerCase();
  return best ?? sorted.find((k) => lower.includes(k.toLowerCase()) || k.toLowerCase().includes(lower));
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** Whether a config string (as the program sees it) equals the project default the CLI applied. */
function isDefault(raw: string, def: unknown): boolean {
  if (typeof def === "string" || typeof def === "boolean" || typeof def === "number")
    return raw === String(def);
  try {
    return canonical(JSON.parse(raw)) === canonical(def);
  } catch {
    return false;
  }
}

let cachedProject: Project | undefined;
export function projectFile(): Project {
  cachedProject ??= loadProject(PROJECT_FILE);
  return cachedProject;
}

/** Namespaces of the providers and of Pulumi itself, which a stack may set: never a typo of ours. */
const OTHER_NAMESPACES = new Set(["aws", "pulumi", "aws-native", "awsx", "random", "tls", "command"]);

/** A namespace close to this project's name: a typo that would leave the key unread. */
function isNearNamespace(ns: string): boolean {
  return !OTHER_NAMESPACES.has(ns) && ns !== PROJECT && distance(ns, PROJECT) <= 3;
}

/** The full key a misplaced key was meant to be: this project's, the closest known name. */
export function intendedKey(name: string): string {
  return `${PROJECT}:${KEY_ROLES[name] !== undefined ? name : (closestKey(name) ?? name)}`;
}

/** Refuses a key whose namespace is a near miss of this project's: nothing would read it. */
function checkNamespace(full: string): void {
  const i = full.lastIndexOf(":");
  const ns = full.slice(0, i);
  if (!isNearNamespace(ns)) return;
  throw new pulumi.RunError(
    `Invalid config ${full}: the namespace ${ns} is not this project's (${PROJECT}), so nothing reads the key. ` +
      `Rename it to ${intendedKey(full.slice(i + 1))} in Pulumi.<stack>.yaml.`,
  );
}

/**
 * A key written without a namespace, which the CLI refuses before the program starts: the full key
 * to write instead, for the scripts to add to the CLI's own words.
 */
export function bareKeyAdvice(cliMessage: string): string | undefined {
  const m = /could not parse (\S+) as a configuration key/.exec(cliMessage);
  return m?.[1] ? ` Write it ${intendedKey(m[1])}.` : undefined;
}

/**
 * Refuses keys of this project that the stack's role never reads: unknown keys (typos, with the
 * closest known key) and keys of the other role. The CLI applies every default to every stack, so
 * a key of the other role counts only when it differs from its default.
 */
export function checkConfigKeys(
  all: Record<string, string>,
  role: Role,
  project: Project = projectFile(),
): void {
  const prefix = `${PROJECT}:`;
  const other: Role = role === "hub" ? "spoke" : "hub";
  for (const full of Object.keys(all).sort()) {
    if (!full.startsWith(prefix)) {
      checkNamespace(full);
      continue;
    }
    const key = full.slice(prefix.length);
    const reader = KEY_ROLES[key];
    if (reader === undefined) {
      const near = closestKey(key);
      throw configError(
        key,
        `this project has no such key, so it would do nothing.${near ? ` Did you mean ${prefix}${near}?` : ""} ` +
          `Fix or remove it in Pulumi.<stack>.yaml. Known keys: ${Object.keys(KEY_ROLES).sort().join(", ")}.`,
      );
    }
    if (reader === other && !isDefault(all[full] as string, project.config[key]?.default)) {
      throw configError(
        key,
        `only ${other} stacks read it; this is a ${role} stack, so it would do nothing here. ` +
          `Remove it from this stack (pulumi config rm ${full}), or set it on the ${other} stack.`,
      );
    }
  }
}
