// Coverage report: `npm run coverage -- --stack <spoke>` or `--all`.
//
// Lists the organization's accounts now (the spoke's own discovery code, with the stack's
// credentials) and compares them, region by region, with what the spoke stacks' outputs say they
// watch, and whether a CloudTrail trail logs where they watch (members through memberRoleName).
// Prints covered / missing / excluded / suspended as a table, or Markdown with --markdown.
// Exit code: 0 nothing missing, 1 something is missing, 2 the report could not run.
import { REPORT_FLAGS, reportStacks } from "./shared/stackFiles";
import { UsageError, parseAndRun, parseFlags, runMain } from "./shared/cli";
import { formatMarkdown, formatTable } from "./coverage/report";
import { runCoverage } from "./coverage/run";
import type { CoverageDeps, CoverageOptions } from "./coverage/types";

const USAGE = `Usage: npm run coverage -- (--stack <spoke> [--stack <spoke> ...] | --all)
                        [--outputs <file.json> | --outputs-dir <dir>] [--markdown] [--dir <project dir>]

Compares the organization's accounts x the configured regions with what the spoke stacks' outputs
say is monitored, with the current AWS credentials (the spokes' credentials: management account or
delegated administrator).
  --stack        a spoke stack (repeat for several, e.g. every shard)
  --all          every Pulumi.<stack>.yaml in the project whose role is spoke; accounts that no
                 stack selects count as missing
  --outputs      the stack's outputs as JSON (npx pulumi stack output --json --stack <spoke>); one --stack only
  --outputs-dir  a directory of <stack>.json outputs files, one per stack
                 (default for both: run pulumi stack output)
  --markdown     print Markdown (for a pull-request comment or a wiki) instead of the table
  --dir          the project directory holding the stack files (default: the current one)
  --help         this text
Reads only: changes nothing in AWS or in the stacks.
Exit code: 0 nothing missing, 1 an account or region is missing, 2 bad arguments, config or credentials.`;

export function parseCoverageArgs(
  argv: string[],
  cwd: string = process.cwd(),
): (CoverageOptions & { markdown: boolean }) | "help" {
  const values = parseFlags(argv, {
    ...REPORT_FLAGS,
    outputs: { type: "string" },
    "outputs-dir": { type: "string" },
  });
  if (values.help) return "help";
  const { dir, stacks } = reportStacks(values, cwd);
  if (values.outputs && values["outputs-dir"])
    throw new UsageError("Give either --outputs or --outputs-dir, not both.");
  if (values.outputs && (values.all || stacks.length !== 1)) {
    throw new UsageError(
      "--outputs holds one stack's outputs: use it with a single --stack, or use --outputs-dir.",
    );
  }
  const opts: CoverageOptions & { markdown: boolean } = {
    stacks,
    scope: values.all ? "organization" : "stacks",
    dir,
    markdown: values.markdown ?? false,
  };
  if (values.outputs) opts.outputsFile = values.outputs;
  if (values["outputs-dir"]) opts.outputsDir = values["outputs-dir"];
  return opts;
}

export async function main(argv: string[] = process.argv.slice(2), deps: CoverageDeps = {}): Promise<number> {
  const done = await parseAndRun(argv, parseCoverageArgs, (o) => runCoverage(o, deps), USAGE);
  if (typeof done === "number") return done;
  const { result: run, opts } = done;
  const { markdown } = opts;
  for (const w of run.warnings) console.error(`warning: ${w}`);
  console.log(markdown ? formatMarkdown(run.report) : formatTable(run.report));
  if (!run.report.ok && !markdown) {
    console.log(
      `\n${run.report.counts.missing} account${run.report.counts.missing === 1 ? " is" : "s are"} not fully watched: ` +
        "see DETAIL, then run pulumi up on the stack named there (or npm run doctor first).",
    );
  }
  return run.report.ok ? 0 : 1;
}

if (require.main === module) runMain(main);
