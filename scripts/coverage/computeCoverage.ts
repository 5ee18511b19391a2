// Compares what the organization has now with what the spoke stacks' outputs say they watch.
//
//   covered    ACTIVE, and every region a stack selecting it watches is in some stack's outputs,
//              with no region where its CloudTrail trail is missing or stopped
//   missing    ACTIVE and selected (or, organization-wide, selected by no stack), but absent from the
//              outputs in some region: created or moved since the last deployment, or never deployed
//   excluded   ACTIVE, left out on purpose (accounts.exclude), with the reason
//   suspended  not ACTIVE (suspended, closing, closed): cannot be watched
import {
  STATUS_ORDER,
  type CoverageInput,
  type CoverageReport,
  type CoverageRow,
  type CoverageStatus,
} from "./types";

const sorted = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();
/** Regions keep the config's order (us-east-1 first, as configured). */
const unique = (xs: Iterable<string>): string[] => [...new Set(xs)];
const names = (stacks: string[]): string => stacks.join(", ");

export function computeCoverage(input: CoverageInput): CoverageReport {
  const active = new Map(input.organization.selected.map((a) => [a.id, a.name]));
  const inactive = new Map(input.organization.skipped.map((a) => [a.id, a]));

  // Which accounts the report is about.
  const scope = new Set<string>();
  if (input.scope === "organization") {
    for (const id of [...active.keys(), ...inactive.keys()]) scope.add(id);
  } else {
    for (const s of input.stacks) {
      for (const a of [...s.selection.selected, ...s.selection.skipped]) scope.add(a.id);
    }
  }

  const rows: CoverageRow[] = [];
  for (const id of [...scope].sort()) {
    const coveredBy = input.stacks.flatMap((s) => {
      const c = s.outputs.coverage.find((a) => a.id === id);
      return c ? [{ stack: s.stack, regions: c.regions, name: c.name }] : [];
    });
    const coveredRegions = new Set(coveredBy.flatMap((c) => c.regions));
    const selecting = input.stacks.filter((s) => s.selection.selected.some((a) => a.id === id));
    const name =
      active.get(id) ??
      inactive.get(id)?.name ??
      coveredBy[0]?.name ??
      input.stacks.flatMap((s) => s.selection.skipped).find((a) => a.id === id)?.name ??
      "";
    const row = (
      status: CoverageStatus,
      detail: string,
      stacks: string[],
      expected: string[] = [],
      missingRegions = expected.filter((r) => !coveredRegions.has(r)),
    ) => {
      rows.push({
        accountId: id,
        name,
        status,
        stacks: sorted(stacks),
        expectedRegions: unique(expected),
        missingRegions: unique(missingRegions),
        detail,
      });
    };

    const gone = inactive.get(id);
    if (gone) {
      const stale = coveredBy.map((c) => c.stack);
      row(
        "suspended",
        gone.reason +
          (stale.length > 0
            ? `; still in the coverage of ${names(stale)} until its next pulumi up removes its rules`
            : ""),
        stale,
      );
      continue;
    }

    if (selecting.length === 0) {
      const excluding = input.stacks.flatMap((s) => {
        const skip = s.selection.skipped.find((a) => a.id === id);
        if (!skip) return [];
        // The reason recorded at the last deployment when there is one, else today's.
        const recorded = s.outputs.skipped.find((a) => a.id === id)?.reason;
        return [{ stack: s.stack, reason: recorded ?? skip.reason }];
      });
      if (excluding.length > 0) {
        row(
          "excluded",
          sorted(excluding.map((e) => `${e.reason} (${e.stack})`)).join("; "),
          excluding.map((e) => e.stack),
        );
      } else {
        const was = coveredBy.map((c) => c.stack);
        row(
          "missing",
          "selected by no spoke stack (outside every stack's organizationalUnits / accounts.include): " +
            "add it to a spoke's selection" +
            (was.length > 0 ? `; the next pulumi up of ${names(was)} removes its current rules` : ""),
          was,
        );
      }
      continue;
    }

    const expected = unique(selecting.flatMap((s) => s.config.regions));
    const missing = expected.filter((r) => !coveredRegions.has(r));
    const stacks = selecting.map((s) => s.stack);
    const trail = input.trails?.get(id);
    if (missing.length === 0 && (trail?.status === "missing" || trail?.status === "stopped")) {
      // The rules are deployed, but no trail feeds them: nothing can ever match.
      const dark = trail.regions.filter((r) => r.status === "missing" || r.status === "stopped");
      row(
        "missing",
        `deployed, but CloudTrail ${trail.status} (${trail.detail}), so no event reaches the rules: ${trail.fix ?? "start a trail"}`,
        stacks,
        expected,
        dark.map((r) => r.region),
      );
      continue;
    }
    if (missing.length === 0) {
      row(
        "covered",
        `${expected.length} region${expected.length === 1 ? "" : "s"}`,
        [...stacks, ...coveredBy.map((c) => c.stack)],
        expected,
      );
      continue;
    }
    const undeployed = selecting.filter((s) => !s.outputs.deployed).map((s) => s.stack);
    const detail =
      undeployed.length > 0
        ? `${names(undeployed)} ${undeployed.length === 1 ? "has" : "have"} no outputs (never deployed): run pulumi up on ${names(undeployed)}`
        : coveredRegions.size === 0
          ? `not in the outputs of ${names(stacks)} (created or moved since the last deployment): run pulumi up on ${names(stacks)}`
          : `regions ${missing.join(", ")} are not in the outputs of ${names(stacks)} (regions changed since the last deployment?): run pulumi up on ${names(stacks)}`;
    row("missing", detail, stacks, expected);
  }

  const statusRank = (s: CoverageStatus) => STATUS_ORDER.indexOf(s);
  rows.sort((a, b) => statusRank(a.status) - statusRank(b.status) || (a.accountId < b.accountId ? -1 : 1));
  const counts = { missing: 0, excluded: 0, suspended: 0, covered: 0 } as Record<CoverageStatus, number>;
  for (const r of rows) counts[r.status]++;
  return { ok: counts.missing === 0, rows, counts, stacks: input.stacks.map((s) => s.stack) };
}
