// End-to-end self-test without root credentials: `npm run selftest -- --stack hub`.
//
// Puts one synthetic event (source root-activity-monitor.selftest, never aws.*) on the hub bus, or
// with --account on a member account's default bus so it goes through that account's forwarding
// rule, then follows it in the notifier's log group: "self-test received", then "self-test alert
// published" (the [TEST] alert is on SNS). Reports the first stage that fails and what to check.
// Exit code: 0 passed, 1 a stage failed, 2 the self-test could not run (bad arguments or config).
import * as fs from "node:fs";
import * as path from "node:path";
import { readSpokeConfig, type SpokeConfig } from "../spoke/config";
import { loadStackConfig, stackFileName, stackRole } from "./stackConfig";
import { isAccountId, parseBusArn, REGION } from "../common/awsNames";
import { runSelfTest, type HubTarget, type SelfTestOptions, type SelfTestReport } from "./selftest/run";
import { pulumiStackOutputs, readOutputsFile, requireStringOutput, type StackOutputs } from "./stackOutputs";
import { UsageError, cannotRun, errorMessage, isAboutArguments, parseFlags, runMain } from "./cli";
import { formatColumns } from "./table";

export const DEFAULT_TIMEOUT_SECONDS = 120;
export const DEFAULT_POLL_SECONDS = 5;
/** Root console sign-ins are recorded only there, so every spoke watches it. */
const DEFAULT_SPOKE_REGION = "us-east-1";

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
Exit code: 0 passed, 1 a stage failed, 2 bad arguments or config.`;

function positiveSeconds(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || !Number.isFinite(n) || n <= 0) {
    throw new UsageError(`${flag} must be a positive number of seconds, got "${raw}".`);
  }
  return n;
}

/** The hub's outputs, checked: the bus, the notifier's log group and the region. */
export function hubTargetFromOutputs(outputs: StackOutputs, where: string, stackName?: string): HubTarget {
  if (outputs.role !== undefined && outputs.role !== "hub") {
    throw new UsageError(
      `${where} are the outputs of a ${String(outputs.role)} stack, not of the hub. Pass the hub stack's outputs.`,
    );
  }
  const eventBusArn = requireStringOutput(outputs, "eventBusArn", where);
  const bus = parseBusArn(eventBusArn);
  if (!bus) throw new UsageError(`${where}: eventBusArn "${eventBusArn}" is not an EventBridge bus ARN.`);
  const target: HubTarget = {
    eventBusArn,
    notifierLogGroupName: requireStringOutput(outputs, "notifierLogGroupName", where),
    region: typeof outputs.region === "string" && outputs.region !== "" ? outputs.region : bus.region,
  };
  if (typeof outputs.topicArn === "string") target.topicArn = outputs.topicArn;
  if (typeof outputs.deadLetterQueueUrl === "string") target.deadLetterQueueUrl = outputs.deadLetterQueueUrl;
  if (stackName) target.stackName = stackName;
  return target;
}

export interface CliDeps {
  /** Reads a stack's outputs when no --outputs file is given. Default: `npx pulumi stack output --json`. */
  stackOutputs?: (stack: string, dir: string) => Promise<StackOutputs>;
  clients?: SelfTestOptions["clients"];
}

interface Parsed {
  stack: string;
  dir: string;
  account?: string;
  region?: string;
  hubStack?: string;
  outputs?: string;
  timeoutMs: number;
  pollIntervalMs: number;
}

function parse(argv: string[]): Parsed | "help" {
  const values = parseFlags(argv, {
    stack: { type: "string", short: "s" },
    account: { type: "string" },
    region: { type: "string" },
    "hub-stack": { type: "string" },
    outputs: { type: "string" },
    timeout: { type: "string" },
    "poll-interval": { type: "string" },
    dir: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) return "help";
  if (!values.stack) throw new UsageError("--stack is required.");
  if (values.account === undefined) {
    for (const flag of ["region", "hub-stack"] as const) {
      if (values[flag] !== undefined) {
        throw new UsageError(`--${flag} only applies with --account (a test through a spoke stack).`);
      }
    }
  } else if (!isAccountId(values.account)) {
    throw new UsageError(`--account must be a 12-digit AWS account ID, got "${values.account}".`);
  }
  if (values.outputs !== undefined && values["hub-stack"] !== undefined) {
    throw new UsageError("Give either --hub-stack or --outputs (the hub's outputs), not both.");
  }
  if (values.region !== undefined && !REGION.test(values.region)) {
    throw new UsageError(`--region "${values.region}" is not an AWS region name (e.g. eu-west-1).`);
  }
  const parsed: Parsed = {
    stack: values.stack,
    dir: values.dir ?? process.cwd(),
    timeoutMs: positiveSeconds("--timeout", values.timeout, DEFAULT_TIMEOUT_SECONDS) * 1000,
    pollIntervalMs: positiveSeconds("--poll-interval", values["poll-interval"], DEFAULT_POLL_SECONDS) * 1000,
  };
  if (values.account !== undefined) parsed.account = values.account;
  if (values.region !== undefined) parsed.region = values.region;
  if (values["hub-stack"] !== undefined) parsed.hubStack = values["hub-stack"];
  if (values.outputs !== undefined) parsed.outputs = values.outputs;
  return parsed;
}

/** The stack's config file, if present; sets AWS_PROFILE from aws:profile as `pulumi up` would use it. */
function stackFile(stack: string, dir: string) {
  if (!fs.existsSync(path.join(dir, stackFileName(stack)))) return undefined;
  const config = loadStackConfig(stack, dir);
  if (config.profile && !process.env.AWS_PROFILE) process.env.AWS_PROFILE = config.profile;
  return config;
}

/** Turns the arguments into self-test options (reading config and outputs); throws UsageError. */
export async function resolveOptions(argv: string[], deps: CliDeps = {}): Promise<SelfTestOptions | "help"> {
  const args = parse(argv);
  if (args === "help") return "help";
  const readOutputs = deps.stackOutputs ?? ((s: string, d: string) => pulumiStackOutputs(s, d));
  const base = { timeoutMs: args.timeoutMs, pollIntervalMs: args.pollIntervalMs };

  if (args.account === undefined) {
    const file = stackFile(args.stack, args.dir);
    const role = file && stackRole(file);
    if (role === "spoke") {
      throw new UsageError(
        `Stack ${args.stack} is a spoke stack. Add --account <id> [--region <region>] to send the test through ` +
          "a member account's forwarding rule, or pass the hub stack to --stack.",
      );
    }
    const outputs = args.outputs ? readOutputsFile(args.outputs) : await readOutputs(args.stack, args.dir);
    const where = args.outputs ?? `the outputs of stack ${args.stack}`;
    return { ...base, hub: hubTargetFromOutputs(outputs, where, args.stack), path: { via: "hub" } };
  }

  // Through a spoke: its config says which role to assume, which regions have a rule, and where the hub is.
  const file = stackFile(args.stack, args.dir);
  if (!file) {
    throw new UsageError(
      `No stack file ${path.join(args.dir, stackFileName(args.stack))}: --account needs the spoke stack's config ` +
        "(memberRoleName, regions, hubStack). Run from the project directory or pass --dir.",
    );
  }
  const role = stackRole(file);
  if (role !== "spoke") {
    throw new UsageError(
      `Stack ${args.stack} has role ${role}, not spoke: --account sends the test through a spoke ` +
        "stack's forwarding rule. Pass a spoke stack, or drop --account to test the hub directly.",
    );
  }
  let config: SpokeConfig;
  try {
    config = readSpokeConfig(file.source);
  } catch (err) {
    throw new UsageError(errorMessage(err));
  }
  const region = args.region ?? DEFAULT_SPOKE_REGION;
  if (!config.regions.includes(region)) {
    throw new UsageError(
      `--region ${region} is not watched by stack ${args.stack} (its regions: ${config.regions.join(", ")}), ` +
        "so no forwarding rule would take the event. Pick one of those regions.",
    );
  }

  let outputs: StackOutputs;
  let where: string;
  let hubStack: string | undefined;
  if (args.outputs) {
    outputs = readOutputsFile(args.outputs);
    where = args.outputs;
  } else {
    hubStack = args.hubStack ?? ("hubStack" in config.hub ? config.hub.hubStack : undefined);
    if (!hubStack) {
      throw new UsageError(
        `Stack ${args.stack} names its hub by hubEventBusArn, but the self-test also needs the hub's ` +
          "notifierLogGroupName: pass --hub-stack <hub stack> or --outputs <hub outputs.json>.",
      );
    }
    outputs = await readOutputs(hubStack, args.dir);
    where = `the outputs of stack ${hubStack}`;
  }
  const hub = hubTargetFromOutputs(outputs, where, hubStack);
  if ("hubEventBusArn" in config.hub && config.hub.hubEventBusArn !== hub.eventBusArn) {
    throw new UsageError(
      `Stack ${args.stack} forwards to ${config.hub.hubEventBusArn}, but ${where} name the bus ${hub.eventBusArn}: ` +
        "the test would never reach this notifier. Pass the outputs of the hub that stack forwards to.",
    );
  }
  return {
    ...base,
    hub,
    path: {
      via: "spoke",
      accountId: args.account,
      region,
      memberRoleName: config.memberRoleName,
      spokeStack: args.stack,
    },
  };
}

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
