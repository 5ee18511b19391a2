// Pre-flight checks: `npm run doctor -- --stack <name>`.
//
// A spoke stack: reads its config from Pulumi.<stack>.yaml, then with the current AWS credentials:
//   1. discovers the accounts the stack would watch (same code as the spoke program);
//   2. assumes the member role into each of them (the caller's own account needs no role);
//   3. checks a CloudTrail trail logs management events in every selected account and region;
//   4. checks the hub bus exists and its policy lets the organization put events on it;
//   5. says whether guardMonitor is on and, if this stack owns the guard, checks the SCP policy type,
//      a free SCP slot on every target and the policy's size.
// A hub stack: its config by the program's own reader, then (deployed) subscriptions still pending
// confirmation, the dead-letter queue's depth and the notifier's errors of the last 24 hours; with a
// coverageTrigger, the token's secret and the spoke stacks it names (scripts/doctor/coverageRows.ts).
// Prints a table with a fix for every failure; exits 0 if all is well, 1 if a check failed,
// 2 if the doctor could not run (bad arguments or config).
import * as path from "node:path";
import { errorMessage } from "../common/errors";
import { placeholderProblems } from "../common/placeholders";
import { pulumiStackOutput } from "./doctor/hubBus";
import { runHubDoctor } from "./doctor/hub";
import { runDoctor } from "./doctor/run";
import type { DoctorOptions, DoctorRow } from "./doctor/types";
import { flagsOrExit, runMain } from "./shared/cli";
import { readHubStack } from "./shared/hubStack";
import { loadSpoke, useStackProfile } from "./shared/spokeStack";
import { loadStackConfig, shortStackName, stackRole, type StackConfig } from "./shared/stackConfig";
import { pulumiStackOutputs, readOutputsFile, requireStringOutput } from "./shared/stackOutputs";
import { formatColumns } from "./shared/table";
import { outputWidth, wrapText } from "./shared/wrap";

/**
 * The table. With a `width` (the terminal's), DETAIL and HOW TO FIX wrap under their column, so no
 * line is wider than the terminal; without one (piped output), one line per row.
 */
export function formatTable(rows: DoctorRow[], width?: number): string {
  const header = ["ACCOUNT", "NAME", "CHECK", "RESULT"];
  const cells = rows.map((r) => [r.accountId, r.name, r.check, r.result.toUpperCase()]);
  const padded = formatColumns([[...header, "x"], ...cells.map((c) => [...c, "x"])], 4).map((l) =>
    l.slice(0, -1),
  );
  if (width === undefined) {
    // The last two columns are free text: pad only the short ones.
    return formatColumns(
      [
        [...header, "DETAIL", "HOW TO FIX"],
        ...rows.map((r, i) => [...(cells[i] as string[]), r.detail, r.fix ? `-> ${r.fix}` : ""]),
      ],
      4,
    ).join("\n");
  }
  const indent = (padded[0] as string).length;
  // Too narrow for a text column beside the others: the text goes under the row, indented.
  const under = width - indent < 30;
  const at = under ? 4 : indent;
  const title = `${padded[0]}DETAIL / HOW TO FIX`;
  const out = [title.length <= width ? title : (padded[0] as string).trimEnd()];
  rows.forEach((r, i) => {
    const fix = r.fix ? wrapText(r.fix, width - at - 3).map((l, j) => `${j === 0 ? "->" : "  "} ${l}`) : [];
    const text = [...wrapText(r.detail, width - at), ...fix];
    const first = (padded[i + 1] as string).trimEnd();
    if (under) out.push(first, ...text.map((t) => " ".repeat(at) + t));
    else out.push(`${padded[i + 1]}${text[0] ?? ""}`, ...text.slice(1).map((t) => " ".repeat(at) + t));
  });
  return out.join("\n");
}

export const USAGE = `Usage: npm run doctor -- --stack <name> [--dir <project dir>] [--hub-bus-arn <arn> | --outputs <file.json>]

Checks a stack before pulumi up, with the current AWS credentials, and changes nothing.
  A spoke stack: its config, the accounts it selects, the member role and a logging CloudTrail
  trail in each, the hub bus and its policy, and the guard (guardMonitor: policy type, free SCP
  slots, size).
  A hub stack: its config, every rule pulumi preview applies; once deployed, subscriptions still
  pending confirmation, the dead-letter queue's depth and the notifier's errors of the last 24 hours;
  with a coverageTrigger, its token's secret exists and the spoke stacks it names exist and match
  the repository's spoke stack files.
  --stack        the stack whose Pulumi.<name>.yaml to read
  --dir          the project directory holding it (default: the current one)
  --outputs      a spoke: the hub stack's outputs; a hub: its own outputs. As JSON from
                 npx pulumi stack output --json --stack <stack>, where the Pulumi CLI cannot run here
  --outputs-dir  a hub: a directory of <spoke stack>.json outputs files, for the coverage trigger's
                 check of the spoke stacks it names (default: the Pulumi CLI)
  --hub-bus-arn  a spoke: the hub bus ARN, instead of the hub stack's outputs
  --help         this text
Exit code: 0 all good, 1 a check failed, 2 bad arguments or config.`;

/** The summary under the table. */
export function verdict(stack: string, rows: DoctorRow[]): string {
  const failed = rows.filter((r) => r.result === "fail").length;
  if (failed === 0) return `All checks passed for stack ${stack}.`;
  return `${failed} ${failed === 1 ? "check" : "checks"} failed for stack ${stack}. Fix ${failed === 1 ? "it" : "them"} and run the doctor again.`;
}

async function hubMain(
  file: StackConfig,
  stack: string,
  args: { dir?: string; outputs?: string; "outputs-dir"?: string; "hub-bus-arn"?: string },
): Promise<number> {
  let config;
  try {
    if (args["hub-bus-arn"])
      throw new Error("--hub-bus-arn is for spoke stacks; a hub takes --outputs <file.json>.");
    config = readHubStack(file);
  } catch (err) {
    console.error(errorMessage(err));
    return 2;
  }
  if (file.profile && !process.env.AWS_PROFILE) process.env.AWS_PROFILE = file.profile;
  const outputsFile = args.outputs;
  const dir = args.dir ?? process.cwd();
  const outputsDir = args["outputs-dir"];
  const report = await runHubDoctor({
    config,
    region: file.region ?? process.env.AWS_REGION ?? "us-east-1",
    outputs: async () => (outputsFile ? readOutputsFile(outputsFile) : pulumiStackOutputs(stack, dir)),
    coverage: {
      dir,
      spokeOutputs: async (s) =>
        outputsDir
          ? readOutputsFile(path.join(outputsDir, `${shortStackName(s)}.json`))
          : pulumiStackOutputs(s, dir),
    },
  });
  console.log(formatTable(report.rows, outputWidth()));
  console.log(`\n${verdict(stack, report.rows)}`);
  return report.ok ? 0 : 1;
}

export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  const args = flagsOrExit(
    argv,
    {
      stack: { type: "string", short: "s" },
      dir: { type: "string" },
      "hub-bus-arn": { type: "string" },
      outputs: { type: "string" },
      "outputs-dir": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    USAGE,
    ["stack"],
  );
  if (typeof args === "number") return args;
  const stack = args.stack as string;

  let file: StackConfig;
  try {
    file = loadStackConfig(stack, args.dir ?? process.cwd());
    const role = stackRole(file);
    // pulumi preview only warns about them; pulumi up refuses them, so the doctor does.
    const placeholders = placeholderProblems(file.values, role);
    if (placeholders.length > 0) throw new Error(placeholders.map((p) => `${file.file}: ${p}`).join("\n"));
    if (role === "hub") return await hubMain(file, stack, args);
  } catch (err) {
    console.error(errorMessage(err));
    return 2;
  }

  let opts: DoctorOptions;
  try {
    const spoke = loadSpoke(stack, args.dir ?? process.cwd(), "the doctor");
    useStackProfile(spoke);
    opts = { config: spoke.config, stack: stack };
    if (spoke.region) opts.region = spoke.region;
    if (args["hub-bus-arn"]) opts.hubBusArn = args["hub-bus-arn"];
    else if (args.outputs) {
      opts.hubBusArn = requireStringOutput(readOutputsFile(args.outputs), "eventBusArn", args.outputs);
    }
  } catch (err) {
    console.error(errorMessage(err));
    return 2;
  }
  if (args.dir) {
    const dir = args.dir;
    opts.resolveHubStack = (s) => pulumiStackOutput(s, dir);
  }
  const report = await runDoctor(opts);
  console.log(formatTable(report.rows, outputWidth()));
  console.log(`\n${verdict(stack, report.rows)}`);
  return report.ok ? 0 : 1;
}

if (require.main === module) runMain(main);
