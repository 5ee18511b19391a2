// Compares what the organization has now with what the spoke stacks' outputs say they watch.
//
//   covered    ACTIVE, and every region a stack selecting it watches is in some stack's outputs,
//              with no region where its CloudTrail trail is missing or stopped
//   missing    ACTIVE and selected (or, organization-wide, selected by no stack), but absent from the
//              outputs in some region: created or moved since the last deployment, or never deployed
//   excluded   ACTIVE, left out on purpose (accounts.exclude), with the reason
//   suspended  not ACTIVE (suspended, closing, closed): cannot be watched
import type { AccountSelection } from "../../spoke/discovery";
import {
  STATUS_ORDER,
  type CoverageInput,
  type CoverageReport,
  type CoverageRow,
  type CoverageStatus,
  type StackCoverage,
} from "./types";

const sorted = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();
/** Regions keep the config's order (us-east-1 first, as configured). */
const unique = (xs: Iterable<string>): string[] => [...new Set(xs)];
const names = (stacks: string[]): string => stacks.join(", ");

type Skipped = AccountSelection["skipped"][number];

/** What the organization, the stacks' selections and their outputs say about one account. */
interface Account {
  id: string;
  name: string;
  /** Not ACTIVE in the organization. */
  gone?: Skipped;
  /** The stacks whose outputs list the account, with the regions they list. */
  coveredBy: { stack: string; regions: string[]; name: string }[];
  coveredRegions: Set<string>;
  /** The stacks that select the account today. */
  selecting: StackCoverage[];
}

/** The accounts the report is about: the whole organization, or what the stacks select or skip. */
function accountsInScope(input: CoverageInput): string[] {
  const scope = new Set<string>();
  if (input.scope === "organization") {
    for (const a of [...input.organization.selected, ...input.organization.skipped]) scope.add(a.id);
  } else {
    for (const s of input.stacks) {
      for (const a of [...s.selection.selected, ...s.selection.skipped]) scope.add(a.id);
    }
  }
  return [...scope].sort();
}

/** The organization's accounts by ID: ACTIVE ones with their names, the others with why they are skipped. */
interface Organization {
  active: Map<string, string>;
  inactive: Map<string, Skipped>;
}

function accountOf(input: CoverageInput, org: Organization, id: string): Account {
  const coveredBy = input.stacks.flatMap((s) => {
    const c = s.outputs.coverage.find((a) => a.id === id);
    return c ? [{ stack: s.stack, regions: c.regions, name: c.name }] : [];
  });
  const gone = org.inactive.get(id);
  const name =
    org.active.get(id) ??
    gone?.name ??
    coveredBy[0]?.name ??
    input.stacks.flatMap((s) => s.selection.skipped).find((a) => a.id === id)?.name ??
    "";
  const account: Account = {
    id,
    name,
    coveredBy,
    coveredRegions: new Set(coveredBy.flatMap((c) => c.regions)),
    selecting: input.stacks.filter((s) => s.selection.selected.some((a) => a.id === id)),
  };
  if (gone) account.gone = gone;
  return account;
}

function row(
  a: Account,
  status: CoverageStatus,
  detail: string,
  stacks: string[],
  expected: string[] = [],
  missingRegions = expected.filter((r) => !a.coveredRegions.has(r)),
): CoverageRow {
  return {
    accountId: a.id,
    name: a.name,
    status,
    stacks: sorted(stacks),
    expectedRegions: unique(expected),
    missingRegions: unique(missingRegions),
    detail,
  };
}

/** Not ACTIVE: suspended, whatever the outputs still list. */
function suspendedRow(a: Account, gone: Skipped): CoverageRow {
  const stale = a.coveredBy.map((c) => c.stack);
  return row(
    a,
    "suspended",
    gone.reason +
      (stale.length > 0
        ? `; still in the coverage of ${names(stale)} until its next pulumi up removes its rules`
        : ""),
    stale,
  );
}

/** ACTIVE but selected by no stack: excluded on purpose, or missing. */
function unselectedRow(input: CoverageInput, a: Account): CoverageRow {
  const excluding = input.stacks.flatMap((s) => {
    const skip = s.selection.skipped.find((x) => x.id === a.id);
    if (!skip) return [];
    // The reason recorded at the last deployment when there is one, else today's.
    const recorded = s.outputs.skipped.find((x) => x.id === a.id)?.reason;
    return [{ stack: s.stack, reason: recorded ?? skip.reason }];
  });
  if (excluding.length > 0) {
    return row(
      a,
      "excluded",
      sorted(excluding.map((e) => `${e.reason} (${e.stack})`)).join("; "),
      excluding.map((e) => e.stack),
    );
  }
  const was = a.coveredBy.map((c) => c.stack);
  return row(
    a,
    "missing",
    "selected by no spoke stack (outside every stack's organizationalUnits / accounts.include): " +
      "add it to a spoke's selection" +
      (was.length > 0 ? `; the next pulumi up of ${names(was)} removes its current rules` : ""),
    was,
  );
}

/** Selected: covered when every watched region is in the outputs and a trail feeds the rules. */
function selectedRow(input: CoverageInput, a: Account): CoverageRow {
  const expected = unique(a.selecting.flatMap((s) => s.config.regions));
  const missing = expected.filter((r) => !a.coveredRegions.has(r));
  const stacks = a.selecting.map((s) => s.stack);
  const trail = input.trails?.get(a.id);
  if (missing.length === 0 && (trail?.status === "missing" || trail?.status === "stopped")) {
    // The rules are deployed, but no trail feeds them: nothing can ever match.
    const dark = trail.regions.filter((r) => r.status === "missing" || r.status === "stopped");
    return row(
      a,
      "missing",
      `deployed, but CloudTrail ${trail.status} (${trail.detail}), so no event reaches the rules: ${trail.fix ?? "start a trail"}`,
      stacks,
      expected,
      dark.map((r) => r.region),
    );
  }
  if (missing.length === 0) {
    return row(
      a,
      "covered",
      `${expected.length} region${expected.length === 1 ? "" : "s"}`,
      [...stacks, ...a.coveredBy.map((c) => c.stack)],
      expected,
    );
  }
  const undeployed = a.selecting.filter((s) => !s.outputs.deployed).map((s) => s.stack);
  const detail =
    undeployed.length > 0
      ? `${names(undeployed)} ${undeployed.length === 1 ? "has" : "have"} no outputs (never deployed): run pulumi up on ${names(undeployed)}`
      : a.coveredRegions.size === 0
        ? `not in the outputs of ${names(stacks)} (created or moved since the last deployment): run pulumi up on ${names(stacks)}`
        : `${missing.length === 1 ? "region" : "regions"} ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not in the outputs of ${names(stacks)} (regions changed since the last deployment?): run pulumi up on ${names(stacks)}`;
  return row(a, "missing", detail, stacks, expected);
}

export function computeCoverage(input: CoverageInput): CoverageReport {
  const org: Organization = {
    active: new Map(input.organization.selected.map((a) => [a.id, a.name])),
    inactive: new Map(input.organization.skipped.map((a) => [a.id, a])),
  };
  const rows = accountsInScope(input).map((id) => {
    const a = accountOf(input, org, id);
    if (a.gone) return suspendedRow(a, a.gone);
    return a.selecting.length === 0 ? unselectedRow(input, a) : selectedRow(input, a);
  });
  const statusRank = (s: CoverageStatus) => STATUS_ORDER.indexOf(s);
  rows.sort((a, b) => statusRank(a.status) - statusRank(b.status) || (a.accountId < b.accountId ? -1 : 1));
  const counts = { missing: 0, excluded: 0, suspended: 0, covered: 0 } as Record<CoverageStatus, number>;
  for (const r of rows) counts[r.status]++;
  return { ok: counts.missing === 0, rows, counts, stacks: input.stacks.map((s) => s.stack) };
}
