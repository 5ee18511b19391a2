// Posture report: `npm run posture -- --stack <spoke>` (repeatable) or `--all`.
//
// For every account the spoke stacks select (the spoke's own discovery code, with the stack's
// credentials; members through memberRoleName): is a CloudTrail trail logging management events in
// every watched region, and is the root user locked down (MFA, no access keys)? Prints a table,
// Markdown with --markdown, and writes JSON with --json FILE.
// Exit code: 0 no high or critical finding, 1 some, 2 the report could not run.
import * as fs from "node:fs";
import { errorMessage } from "../common/errors";
import { hasSeriousFinding } from "./posture/findings";
import { formatMarkdown, formatTable, toJson } from "./posture/report";
import { runPosture } from "./posture/run";
import type { PostureDeps, PostureOptions, PostureReport } from "./posture/types";
import { UsageError, parseAndRun, parseFlags, runMain } from "./shared/cli";
import { REPORT_FLAGS, reportStacks } from "./shared/stackFiles";

const USAGE = `Usage: npm run posture -- (--stack <spoke> [--stack <spoke> ...] | --all)
                       [--markdown] [--json <file>] [--dir <project dir>]

For every account the spoke stacks select, with the current AWS credentials (the spokes'
credentials; member accounts through memberRoleName): whether a CloudTrail trail logs management
events in every watched region, and the root user's MFA, access keys and signing certificates.
  --stack     a spoke stack (repeat for several, e.g. every shard)
  --all       every Pulumi.<stack>.yaml in the project whose role is spoke
  --markdown  print Markdown (pull-request comment, $GITHUB_STEP_SUMMARY) instead of the table
  --json      also write the report as JSON to <file>
  --dir       the project directory holding the stack files (default: the current one)
  --help      this text
Reads only: changes nothing in AWS or in the stacks.
Exit code: 0 no high or critical finding, 1 at least one, 2 bad arguments, config or credentials.`;

export function parsePostureArgs(
  argv: string[],
  cwd: string = process.cwd(),
): (PostureOptions & { markdown: boolean; json?: string }) | "help" {
  const values = parseFlags(argv, { ...REPORT_FLAGS, json: { type: "string" } });
  if (values.help) return "help";
  const { dir, stacks } = reportStacks(values, cwd);
  if (values.json === "") throw new UsageError("--json needs a file name, e.g. --json posture.json.");
  const opts: PostureOptions & { markdown: boolean; json?: string } = {
    stacks,
    dir,
    markdown: values.markdown ?? false,
  };
  if (values.json) opts.json = values.json;
  return opts;
}

/** Writes the --json file; false (and why, on stderr) when it cannot be written. */
function writeJson(file: string, report: PostureReport): boolean {
  try {
    fs.writeFileSync(file, toJson(report));
    return true;
  } catch (err) {
    console.error(`Cannot write --json ${file}: ${errorMessage(err)}`);
    return false;
  }
}

export async function main(argv: string[] = process.argv.slice(2), deps: PostureDeps = {}): Promise<number> {
  const done = await parseAndRun(argv, parsePostureArgs, (o) => runPosture(o, deps), USAGE);
  if (typeof done === "number") return done;
  for (const w of done.result.warnings) console.error(`warning: ${w}`);
  const { report } = done.result;
  if (done.opts.json && !writeJson(done.opts.json, report)) return 2;
  console.log(done.opts.markdown ? formatMarkdown(report) : formatTable(report));
  return hasSeriousFinding(report) ? 1 : 0;
}

if (require.main === module) runMain(main);
