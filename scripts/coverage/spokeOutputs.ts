// What a spoke stack's outputs say it monitors (spoke/index.ts): `coverage` lists every watched
// account with its regions, `skipped` every selected account left out, with the reason.
import { isAccountId } from "../../common/awsNames";
import type { StackOutputs } from "../shared/stackOutputs";

export interface CoveredAccount {
  id: string;
  name: string;
  regions: string[];
}

export interface SkippedEntry {
  id: string;
  name: string;
  reason: string;
}

export interface SpokeOutputs {
  /** False when the stack has no outputs at all: it was never deployed (or was destroyed). */
  deployed: boolean;
  coverage: CoveredAccount[];
  skipped: SkippedEntry[];
}

export class SpokeOutputsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SpokeOutputsError";
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function list(outputs: StackOutputs, key: string, where: string): unknown[] {
  const value = outputs[key];
  if (value === undefined) return [];
  if (!Array.isArray(value))
    throw new SpokeOutputsError(`${where}: ${key} must be a list, got ${typeof value}.`);
  return value;
}

function account(item: unknown, at: string): { id: string; name: string; raw: Record<string, unknown> } {
  if (!isObject(item)) throw new SpokeOutputsError(`${at} must be an object with id and name.`);
  if (!isAccountId(item.id)) {
    throw new SpokeOutputsError(`${at}.id must be a 12-digit account ID, got ${JSON.stringify(item.id)}.`);
  }
  return { id: item.id, name: typeof item.name === "string" ? item.name : "", raw: item };
}

export function parseSpokeOutputs(outputs: StackOutputs, where: string): SpokeOutputs {
  if (Object.keys(outputs).length === 0) return { deployed: false, coverage: [], skipped: [] };
  if (outputs.role !== undefined && outputs.role !== "spoke") {
    throw new SpokeOutputsError(
      `${where}: these are the outputs of a ${String(outputs.role)} stack; coverage reads spoke stacks' outputs.`,
    );
  }
  if (outputs.coverage === undefined) {
    throw new SpokeOutputsError(
      `${where}: no coverage output. Pass the outputs of a spoke stack deployed with this version ` +
        "(npx pulumi stack output --json --stack <spoke>).",
    );
  }
  const coverage = list(outputs, "coverage", where).map((item, i): CoveredAccount => {
    const at = `${where}: coverage[${i}]`;
    const a = account(item, at);
    const regions = a.raw.regions;
    if (!Array.isArray(regions) || regions.some((r) => typeof r !== "string")) {
      throw new SpokeOutputsError(`${at}.regions must be a list of region names.`);
    }
    return { id: a.id, name: a.name, regions: regions as string[] };
  });
  const skipped = list(outputs, "skipped", where).map((item, i): SkippedEntry => {
    const at = `${where}: skipped[${i}]`;
    const a = account(item, at);
    return { id: a.id, name: a.name, reason: typeof a.raw.reason === "string" ? a.raw.reason : "skipped" };
  });
  return { deployed: true, coverage, skipped };
}
