// The benchmark's raw figures, in three parts that can be measured by different runs, and how they
// travel inside BENCHMARKS.md (a comment at the end) so a later run can keep the parts it skips.
import * as fs from "node:fs";
import type {
  ArchiveMeasure,
  ColdStartMeasure,
  DesignComparison,
  WarmMeasure,
  WarmWithStateMeasure,
} from "./notifier";
import type { ProfileMeasure, StartRow } from "./profile";
import type { SpokeMeasure } from "./spoke";

export const PARTS = ["notifier", "start", "scaling", "profile", "shards"] as const;
export type PartName = (typeof PARTS)[number];

export const PART_TITLES: Record<PartName, string> = {
  notifier: "Notifier figures",
  start: "Program start figures",
  profile: "Spoke profile figures",
  scaling: "Spoke scaling figures",
  shards: "Shard figures",
};

/** Which run measured a part. */
export interface Provenance {
  /** ISO date. */
  started: string;
  /** ISO date; absent while the run is in progress (or if it was interrupted). */
  finished?: string;
  command: string;
  revision: string;
  machine: string;
  node: string;
  /** Remarks about this run, shown under the header. */
  notes?: string[];
}

export type Failed = { error: string };

export interface NotifierPart extends Provenance {
  archive?: Omit<ArchiveMeasure, "code"> | Failed;
  cold?: ColdStartMeasure | Failed;
  /** Absent in reports written before it was measured. */
  coldWithState?: ColdStartMeasure | Failed;
  warm?: WarmMeasure | Failed;
  /** Absent in reports written before it was measured. */
  warmWithState?: WarmWithStateMeasure | Failed;
  /** The notifier before issue 15 §1 beside the current one, same run. Absent in older reports. */
  designs?: DesignComparison | Failed;
}

export interface BaselineMeasure {
  resources: number;
  wallMs: number;
  maxRssBytes: number;
}

export interface ScalingRow {
  accounts: number;
  program: SpokeMeasure[];
  baseline: BaselineMeasure[];
  error?: string;
}

export interface ScalingPart extends Provenance {
  /** Runs per size up to 100 accounts (1 above). */
  repeats: number;
  heapMb: number;
  rows: ScalingRow[];
}

export interface ShardsPart extends Provenance {
  shardAccounts: number;
  shards: number;
  heapMb: number;
  runs: (SpokeMeasure | { shard: string; error: string })[];
}

export interface StartPart extends Provenance {
  rows: (StartRow | { target: string; error: string })[];
}

export interface ProfilePart extends Provenance {
  /** By label ("before", "after"): a run replaces its own label's profile and keeps the others. */
  profiles: Record<string, ProfileMeasure | Failed>;
}

export interface Results {
  version: 1;
  notifier?: NotifierPart;
  start?: StartPart;
  profile?: ProfilePart;
  scaling?: ScalingPart;
  shards?: ShardsPart;
}

export function hasError<T extends object>(v: T | Failed | undefined): v is Failed {
  return v !== undefined && "error" in v && typeof (v as { error?: unknown }).error === "string";
}

const BEGIN = "<!-- bench-data:";
const END = "-->";

/** Rounds fractions to 3 decimals (1 µs for milliseconds): exact enough, and short. */
function compact(_key: string, value: unknown): unknown {
  return typeof value === "number" && !Number.isInteger(value) ? Math.round(value * 1e3) / 1e3 : value;
}

/** `results` as the report embeds them; the report renders from this, so it can be re-rendered exactly. */
export function compacted(results: Results): Results {
  return JSON.parse(JSON.stringify(results, compact)) as Results;
}

/** The comment that carries `results` at the end of the report. */
export function embed(results: Results): string {
  // JSON never has ">" outside strings; escaped inside them, no "-->" can end the comment early.
  const json = JSON.stringify(results, compact).replace(/>/g, "\\u003e");
  return [
    `${BEGIN} the raw figures of this page. \`npm run bench\` reads them to keep the parts a run does`,
    "not measure. Generated; do not edit.",
    json,
    END,
  ].join("\n");
}

/** Results carried by a report written by `embed`, or undefined if the file has none (or is absent). */
export function extract(file: string): Results | undefined {
  if (!fs.existsSync(file)) return undefined;
  const text = fs.readFileSync(file, "utf8");
  const at = text.lastIndexOf(BEGIN);
  if (at < 0) return undefined;
  const end = text.indexOf(`\n${END}`, at);
  const json = text
    .slice(at, end < 0 ? undefined : end)
    .split("\n")
    .find((line) => line.startsWith("{"));
  if (!json) return undefined;
  const parsed = JSON.parse(json) as Results;
  if (parsed.version !== 1) throw new Error(`${file}: unknown bench-data version ${String(parsed.version)}`);
  return parsed;
}
