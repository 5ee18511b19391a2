// The posture report as a terminal table, as Markdown (pull-request comment, $GITHUB_STEP_SUMMARY),
// and as the --json document other tools read.
import { SEVERITY_LEVELS } from "../../handler/classify/severity";
import { type Severity } from "../../handler/records";
import { formatColumns, markdownCell as md } from "../shared/table";
import type { AccountPosture, Finding, PostureReport } from "./types";

const yesNo = (v: boolean | null): string => (v === null ? "?" : v ? "yes" : "no");

interface Row {
  severity: Severity;
  account: string;
  name: string;
  finding: Finding;
}

function findingRows(report: PostureReport): Row[] {
  const rows: Row[] = report.organization.findings.map((finding) => ({
    severity: finding.severity,
    account: "-",
    name: "organization",
    finding,
  }));
  for (const a of report.accounts) {
    for (const finding of a.findings)
      rows.push({ severity: finding.severity, account: a.id, name: a.name, finding });
  }
  const rank = (s: Severity) => SEVERITY_LEVELS.indexOf(s);
  return rows.sort(
    (x, y) =>
      rank(x.severity) - rank(y.severity) || (x.account < y.account ? -1 : x.account > y.account ? 1 : 0),
  );
}

export function counts(report: PostureReport): Record<Severity, number> {
  const c = { critical: 0, high: 0, medium: 0, low: 0 } as Record<Severity, number>;
  for (const r of findingRows(report)) c[r.severity]++;
  return c;
}

export function summary(report: PostureReport): string {
  const c = counts(report);
  const ok = report.accounts.filter((a) => a.trail === "ok").length;
  return (
    `${report.accounts.length} accounts, ${ok} with a trail logging every watched region; ` +
    `findings: ${c.critical} critical, ${c.high} high, ${c.medium} medium`
  );
}

function organizationLine(report: PostureReport): string {
  const o = report.organization;
  return (
    `Organization ${o.id ?? "(unknown)"}: root credentials management ${yesNo(o.rootCredentialsManagement)}, ` +
    `root sessions ${yesNo(o.rootSessions)}`
  );
}

function accountCells(a: AccountPosture): string[] {
  const worst = a.findings[0]?.severity ?? "-";
  return [
    a.id,
    a.name,
    a.trail,
    yesNo(a.rootMfaEnabled),
    yesNo(a.rootAccessKeysPresent),
    yesNo(a.rootSigningCertificatesPresent),
    worst,
  ];
}

const pad = (header: string[], cells: string[][], padded: number) =>
  formatColumns([header, ...cells], padded);

export function formatTable(report: PostureReport): string {
  const accounts = pad(
    ["ACCOUNT", "NAME", "TRAIL", "ROOT MFA", "ROOT KEYS", "ROOT CERTS", "WORST"],
    report.accounts.map(accountCells),
    7,
  );
  const rows = findingRows(report);
  const findings =
    rows.length === 0
      ? ["No findings."]
      : pad(
          ["SEVERITY", "ACCOUNT", "NAME", "FINDING"],
          rows.map((r) => [
            r.severity.toUpperCase(),
            r.account,
            r.name,
            `${r.finding.text} -> ${r.finding.fix}`,
          ]),
          3,
        );
  return [organizationLine(report), "", ...accounts, "", ...findings, "", `${summary(report)}.`].join("\n");
}

export function formatMarkdown(report: PostureReport): string {
  const c = counts(report);
  const serious = c.critical + c.high;
  const rows = findingRows(report);
  return [
    "### Root-activity monitor posture",
    "",
    `${serious > 0 ? `**${c.critical} critical, ${c.high} high**` : "0 critical, 0 high"}, ${c.medium} medium ` +
      `(${report.accounts.length} accounts). ${md(organizationLine(report))}.`,
    "",
    "| account | name | trail | root MFA | root keys | root certs |",
    "|---|---|---|---|---|---|",
    ...report.accounts.map(
      (a) =>
        `| \`${a.id}\` | ${md(a.name)} | ${a.trail === "ok" ? "ok" : `**${a.trail}**`} | ${yesNo(a.rootMfaEnabled)} | ` +
        `${yesNo(a.rootAccessKeysPresent)} | ${yesNo(a.rootSigningCertificatesPresent)} |`,
    ),
    "",
    ...(rows.length === 0
      ? ["No findings."]
      : [
          "| severity | account | finding | fix |",
          "|---|---|---|---|",
          ...rows.map(
            (r) =>
              `| ${r.severity === "critical" || r.severity === "high" ? `**${r.severity}**` : r.severity} | ` +
              `${r.account === "-" ? "organization" : `\`${r.account}\``} | ${md(r.finding.text)} | ${md(r.finding.fix)} |`,
          ),
        ]),
  ].join("\n");
}

/** The --json document: exactly the report's fields. */
export function toJson(report: PostureReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
