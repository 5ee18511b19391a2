// The coverage report as a terminal table, and as Markdown for a pull-request comment or a wiki.
import { formatColumns, markdownCell as md } from "../shared/table";
import type { CoverageReport, CoverageRow } from "./types";

function regionsCell(r: CoverageRow): string {
  if (r.expectedRegions.length === 0) return "-";
  return `${r.expectedRegions.length - r.missingRegions.length}/${r.expectedRegions.length}`;
}

export function summary(report: CoverageReport): string {
  const c = report.counts;
  return `${report.rows.length} accounts: ${c.covered} covered, ${c.missing} missing, ${c.excluded} excluded, ${c.suspended} suspended`;
}

export function formatTable(report: CoverageReport): string {
  const header = ["STATUS", "ACCOUNT", "NAME", "STACK", "REGIONS", "DETAIL"];
  const cells = report.rows.map((r) => [
    r.status.toUpperCase(),
    r.accountId,
    r.name,
    r.stacks.join(",") || "-",
    regionsCell(r),
    r.detail,
  ]);
  // The last column is free text: pad only the others.
  return [...formatColumns([header, ...cells], 5), "", `${summary(report)}.`].join("\n");
}

/** GitHub-flavoured Markdown, for a pull-request comment or a wiki page. */
export function formatMarkdown(report: CoverageReport): string {
  const c = report.counts;
  const lines = [
    "### Root-activity monitor coverage",
    "",
    `${c.missing > 0 ? `**${c.missing} missing**` : "0 missing"}, ${c.covered} covered, ${c.excluded} excluded, ` +
      `${c.suspended} suspended (${report.rows.length} accounts; stacks: ${md(report.stacks.join(", "))}).`,
    "",
    "| status | account | name | stack | regions | detail |",
    "|---|---|---|---|---|---|",
    ...report.rows.map(
      (r) =>
        `| ${r.status === "missing" ? "**missing**" : r.status} | \`${r.accountId}\` | ${md(r.name)} | ${md(r.stacks.join(", ") || "-")} | ${regionsCell(r)} | ${md(r.detail)} |`,
    ),
  ];
  return lines.join("\n");
}
