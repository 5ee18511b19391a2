// Offline plan: `npm run plan -- --stack <name> [--org <file>]`. Runs the real program on the stack
// file under the test kit's Pulumi mocks, with no AWS credentials and no Pulumi CLI, and prints what
// it would create per account and type, the rule patterns, every IAM and resource policy, and for a
// hub an example alert in each format.
import { flagsOrExit, runMain, UsageError } from "./shared/cli";
import { errorMessage } from "../common/errors";
import { renderPlan } from "./plan/render";
import { runPlan } from "./plan/run";

export const USAGE = `Usage: npm run plan -- --stack <name> [--org <file>] [--dir <project dir>] [--no-alerts]

Shows what a stack would create, without AWS credentials or the Pulumi CLI: the real program runs on
Pulumi.<name>.yaml under Pulumi mocks, as \`pulumi preview\` runs it, and changes nothing.
  --stack      the stack whose Pulumi.<name>.yaml to read (hub or spoke)
  --org        a spoke's organization: a YAML or JSON file of account IDs and OUs (README, "Offline
               plan"); default: an example organization of 34 accounts
  --dir        the project directory (default: the current one)
  --no-alerts  a hub's plan without the example alerts (faster)
  --help       this text
Exit code: 0 planned, 1 the program refuses the stack (the message says why), 2 bad arguments or files.`;

export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  const args = flagsOrExit(
    argv,
    {
      stack: { type: "string", short: "s" },
      org: { type: "string" },
      dir: { type: "string" },
      "no-alerts": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    USAGE,
    ["stack"],
  );
  if (typeof args === "number") return args;
  const stack = args.stack as string;
  try {
    const plan = await runPlan({
      stack,
      dir: args.dir ?? process.cwd(),
      ...(args.org ? { orgFile: args.org } : {}),
      ...(args["no-alerts"] ? { noAlerts: true } : {}),
    });
    console.log(renderPlan(plan));
    return plan.run.error ? 1 : 0;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(errorMessage(err));
      return 2;
    }
    throw err;
  }
}

if (require.main === module) runMain(main);
