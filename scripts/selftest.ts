// End-to-end self-test without root credentials: `npm run selftest -- --stack hub`.
//
// Puts one synthetic event (source root-activity-monitor.selftest, never aws.*) on the hub bus, or
// with --account on a member account's default bus so it goes through that account's forwarding
// rule, then follows it in the notifier's log group: "self-test received", then "self-test alert
// published" (the [TEST] alert is on SNS). Reports the first stage that fails and what to check.
// Exit code: 0 passed, 1 a stage failed, 2 the self-test could not run (bad arguments or config).
import { cannotRun, isAboutArguments, runMain, UsageError } from "./shared/cli";
import { formatColumns } from "./shared/table";
import {
  DEFAULT_POLL_SECONDS,
  DEFAULT_SPOKE_REGION,
  DEFAULT_TIMEOUT_SECONDS,
  resolveOptions,
} from "./selftest/options";
import { runSelfTest } from "./selftest/run";
import type { CliDeps, SelfTestOptions, SelfTestReport } from "./selftest/types";

const USAGE = `Usage:
  npm run selftest -- --stack <hub stack> [--outputs <hub outputs.json>] [--timeout <s>]
  npm run selftest -- --stack <spoke stack> --account <id> [--region <region>]
                      [--hub-stack <hub stack> | --outputs <hub outputs.json>] [--timeout <s>]

Sends a labelled self-test event (never an aws.* source) and waits until the notifier has published
the [TEST] alert, following it in the notifier's log group.
  --stack          the hub stack; or a spoke stack together with --account
  --account        member account (12 digits) whose default bus gets the event, so it goes through
                   that account's forwarding rule (the spoke's memberRoleName is assumed there)
  --region         region of that default bus (default ${DEFAULT_SPOKE_REGION}; one of the spoke's regions)
  --hub-stack      hub stack whose outputs to read (default: the spoke's hubStack config)
  --outputs        the hub's outputs as JSON (npx pulumi stack output --json --stack <hub> > hub.json),
                   instead of running pulumi stack output
  --timeout        seconds to wait for the notifier (default ${DEFAULT_TIMEOUT_SECONDS})
  --poll-interval  seconds between log searches (default ${DEFAULT_POLL_SECONDS})
  --dir            project directory with the Pulumi.<stack>.yaml files (default: current directory)
  --help           this text
Exit code: 0 passed, 1 a stage failed, 2 bad arguments or config.`;

export function formatReport(report: SelfTestReport, opts: SelfTestOptions): string {
  const route =
    opts.path.via === "hub"
      ? `on the hub bus ${opts.hub.eventBusArn}`
      : `through the forwarding rule of ${opts.path.accountId} in ${opts.path.region}`;
  // A fix goes on its own line, under the detail.
  const rows = report.stages.flatMap((s) => [
    [s.ok ? "OK  " : "FAIL", s.stage, s.detail],
    ...(s.fix ? [["", "", `-> ${s.fix}`]] : []),
  ]);
  const lines = [`Self-test ${report.testId} ${route}`, ...formatColumns(rows, 2).map((l) => `  ${l}`)];
  const failed = report.stages.find((s) => !s.ok);
  lines.push(
    "",
    failed
      ? `Self-test FAILED at stage "${failed.stage}".`
      : `Self-test passed: the [TEST] alert went out${opts.hub.topicArn ? ` on ${opts.hub.topicArn}` : ""}. ` +
          "Confirmed subscribers receive it with subject [TEST] and severity attribute test.",
  );
  return lines.join("\n");
}

export async function main(argv: string[] = process.argv.slice(2), deps: CliDeps = {}): Promise<number> {
  let opts: SelfTestOptions | "help";
  try {
    opts = await resolveOptions(argv, deps);
  } catch (err) {
    return cannotRun(err, USAGE, err instanceof UsageError && isAboutArguments(err.message));
  }
  if (opts === "help") {
    console.log(USAGE);
    return 0;
  }
  if (deps.clients) opts.clients = deps.clients;
  const report = await runSelfTest(opts);
  console.log(formatReport(report, opts));
  return report.ok ? 0 : 1;
}

if (require.main === module) runMain(main);
