// The plan as text: what the stack would create per account and type, its rule patterns, every
// policy once, the outputs, and for a hub example alerts.
import { formatColumns } from "../shared/table";
import type { AccountRow, Plan } from "./types";

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function indent(text: string, by = "    "): string {
  return text
    .split("\n")
    .map((l) => (l ? by + l : l))
    .join("\n");
}

/** Words wrapped at `width`, continuation lines indented. */
function wrap(text: string, width: number, by: string): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && by.length + line.length + 1 + word.length > width) {
      lines.push(by + line);
      line = `  ${word}`;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(by + line);
  return lines;
}

function listOf(ids: string[], max = 6): string {
  const shown = ids.slice(0, max).join(", ");
  return ids.length > max ? `${shown} and ${ids.length - max} more` : shown;
}

export function renderPlan(plan: Plan): string {
  const out: string[] = [];
  out.push(
    `Plan of stack ${plan.stack} (${plan.role}): the real program on its stack file under Pulumi mocks, as`,
    "`pulumi preview` runs it. Nothing was sent to AWS or to a Pulumi backend; IDs and ARNs that AWS",
    "would assign are stand-ins, and secrets are not read.",
  );
  if (plan.role !== "hub") out.push(`Organization: ${plan.organization}.`);
  if (plan.run.error) {
    out.push("", `The program refuses this stack (pulumi preview would stop here):`, indent(plan.run.error));
    return out.join("\n");
  }
  for (const w of plan.warnings) out.push(`  ${w}`);

  const created = plan.accounts.reduce((n, a) => n + Object.values(a.counts).reduce((x, y) => x + y, 0), 0);
  out.push("", `## Resources: ${plural(created, "resource")} in ${plural(plan.accounts.length, "account")}`);
  // Accounts that get the same resources are listed together, each with its name.
  const shapes = new Map<string, AccountRow[]>();
  for (const a of plan.accounts) {
    const key = JSON.stringify([a.counts, a.regions]);
    shapes.set(key, [...(shapes.get(key) ?? []), a]);
  }
  for (const group of shapes.values()) {
    const first = group[0] as AccountRow;
    const regions = `${plural(first.regions.length, "region")}: ${first.regions.join(", ")}`;
    const who = (a: AccountRow) => `${a.accountId}${a.name ? ` (${a.name})` : ""}`;
    out.push("");
    out.push(
      ...wrap(
        group.length === 1
          ? `In account ${who(first)}, ${regions}:`
          : `In each of ${plural(group.length, "account")}, ${regions}:`,
        100,
        "",
      ),
    );
    const rows = plan.types.filter((t) => first.counts[t]).map((t) => [t, String(first.counts[t])]);
    out.push(...formatColumns([["TYPE", "COUNT"], ...rows], 1).map((l) => `    ${l}`));
    if (group.length > 1) out.push(...wrap(`accounts: ${group.map(who).join(", ")}`, 100, "    "));
  }

  out.push("", `## Rule patterns (${plural(plan.patterns.length, "distinct pattern")})`);
  for (const p of plan.patterns) {
    out.push(
      "",
      `On the ${p.bus === "default" ? "default bus" : `bus ${p.bus}`}: ${plural(p.rules, "rule")}` +
        ` (${plural(p.accounts, "account")} x ${plural(p.regions.length, "region")})` +
        (p.pattern.includes("<account>") ? "; <account> is each rule's own account" : ""),
      indent(p.pattern),
    );
  }

  for (const kind of ["iam", "resource"] as const) {
    const groups = plan.policies.filter((g) => g.kind === kind);
    out.push(
      "",
      kind === "iam"
        ? `## IAM policies (${plural(groups.length, "distinct text")})`
        : `## Resource policies (${plural(groups.length, "distinct text")})`,
    );
    for (const g of groups) {
      const accounts = [...new Set(g.resources.map((r) => r.accountId))];
      const on =
        g.resources.length === 1
          ? `on ${g.resources[0]?.name}`
          : `on ${plural(g.resources.length, "resource")} in ${plural(accounts.length, "account")} (${listOf(accounts)})`;
      const placeholder = g.text.includes("<account>") ? "; <account> is each resource's own account" : "";
      out.push("", ...wrap(`${g.where}, ${on}${placeholder}:`, 100, ""), indent(g.text));
    }
  }

  out.push("", "## Stack outputs", indent(JSON.stringify(plan.run.outputs ?? {}, null, 2)));

  if (plan.alerts.length > 0) {
    out.push(
      "",
      "## Example alert in each format",
      "A root console sign-in without MFA in account 123456789012, through the notifier archive this",
      "program builds, run as Lambda runs it against local stand-ins for SNS, Organizations and DynamoDB.",
    );
    for (const a of plan.alerts) out.push("", `### ${a.format}`, indent(a.body));
  }
  return out.join("\n");
}
