// Pre-flight checks for a spoke stack: `npm run doctor -- --stack <name>`.
//
// Reads the stack's config from Pulumi.<stack>.yaml, then with the current AWS credentials:
//   1. discovers the accounts the stack would watch (same code as the spoke program);
//   2. assumes the member role into each of them (the caller's own account needs no role);
//   3. checks a CloudTrail trail logs management events in every selected account and region;
//   4. checks the hub bus exists and its policy lets the organization put events on it;
//   5. says whether guardMonitor is on and, if this stack owns the guard, checks the SCP policy type,
//      a free SCP slot on every target and the policy's size.
// Prints a table with a fix for every failure; exits 0 if all is well, 1 if `pulumi up` would fail,
// 2 if the doctor could not run (bad arguments or config).
import { errorMessage } from "../common/errors";
import { pulumiStackOutput } from "./doctor/hubBus";
import { runDoctor } from "./doctor/run";
import type { DoctorOptions, DoctorRow } from "./doctor/types";
import { parseFlags, runMain } from "./shared/cli";
import { loadSpoke, useStackProfile } from "./shared/spokeStack";
import { readOutputsFile, requireStringOutput } from "./shared/stackOutputs";
import { formatColumns } from "./shared/table";

export function formatTable(rows: DoctorRow[]): string {
  const header = ["ACCOUNT", "NAME", "CHECK", "RESULT", "DETAIL", "HOW TO FIX"];
  const cells = rows.map((r) => [
    r.accountId,
    r.name,
    r.check,
    r.result.toUpperCase(),
    r.detail,
    r.fix ?? "",
  ]);
  // The last two columns are free text: pad only the short ones.
  return formatColumns(
    [header, ...cells].map((c) => [...c.slice(0, 5), c[5] ? `-> ${c[5]}` : ""]),
    4,
  ).join("\n");
}

const USAGE = `Usage: npm run doctor -- --stack <name> [--dir <project dir>] [--hub-bus-arn <arn> | --outputs <file.json>]

Checks, with the current AWS credentials, that a spoke stack can be deployed:
  the accounts it selects, the member role and a logging CloudTrail trail in each, the hub
  bus and its policy, and the guard (guardMonitor: policy type, free SCP slots, size).
  --outputs  the hub stack's outputs as JSON (npx pulumi stack output --json --stack <hub>), where
             the Pulumi CLI cannot run here
Exit code: 0 all good, 1 a check failed, 2 bad arguments or config.`;

export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  let args;
  try {
    args = parseFlags(argv, {
      stack: { type: "string", short: "s" },
      dir: { type: "string" },
      "hub-bus-arn": { type: "string" },
      outputs: { type: "string" },
      help: { type: "boolean", short: "h" },
    });
  } catch (err) {
    console.error(`${errorMessage(err)}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  if (!args.stack) {
    console.error(`--stack is required.\n\n${USAGE}`);
    return 2;
  }

  let opts: DoctorOptions;
  try {
    const spoke = loadSpoke(args.stack, args.dir ?? process.cwd(), "the doctor");
    useStackProfile(spoke);
    opts = { config: spoke.config, stack: args.stack };
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
  console.log(formatTable(report.rows));
  const failed = report.rows.filter((r) => r.result === "fail").length;
  console.log(
    report.ok
      ? `\nAll checks passed for stack ${args.stack}.`
      : `\n${failed} check${failed === 1 ? "" : "s"} failed for stack ${args.stack}: pulumi up would fail. Fix them and run the doctor again.`,
  );
  return report.ok ? 0 : 1;
}

if (require.main === module) runMain(main);
