// The self-test's options from its flags: the hub's outputs, checked, and on the spoke path the
// spoke stack's config (its member role, regions and hub), read the way the program reads them.
import * as fs from "node:fs";
import * as path from "node:path";
import { isAccountId, parseBusArn, REGION } from "../../common/awsNames";
import { errorMessage } from "../../common/errors";
import { readSpokeConfig, type SpokeConfig } from "../../spoke/config";
import { UsageError, parseFlags } from "../shared/cli";
import { placeholderProblems } from "../../common/placeholders";
import { readHubStack } from "../shared/hubStack";
import { loadStackConfig, stackFileName, stackRole } from "../shared/stackConfig";
import {
  pulumiStackOutputs,
  readOutputsFile,
  requireStringOutput,
  type StackOutputs,
} from "../shared/stackOutputs";
import type { CliDeps, HubTarget, SelfTestOptions } from "./types";

export const DEFAULT_TIMEOUT_SECONDS = 120;
export const DEFAULT_POLL_SECONDS = 5;
/** Root console sign-ins are recorded only there, so every spoke watches it. */
export const DEFAULT_SPOKE_REGION = "us-east-1";

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
      `${where}: these are the outputs of a ${String(outputs.role)} stack, not of the hub. Pass the hub stack's outputs.`,
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

type ReadOutputs = (stack: string, dir: string) => Promise<StackOutputs>;

/** The hub path: the stack is the hub (or has no file here), its outputs say where the bus and logs are. */
async function hubPath(
  args: Parsed,
  readOutputs: ReadOutputs,
): Promise<Pick<SelfTestOptions, "hub" | "path">> {
  const file = stackFile(args.stack, args.dir);
  const role = file && stackRole(file);
  // A hub whose config the program would refuse is not what is deployed: say so before sending.
  if (file && role === "hub") {
    readHubStack(file);
    const placeholders = placeholderProblems(file.values, "hub");
    if (placeholders.length > 0)
      throw new UsageError(placeholders.map((p) => `${file.file}: ${p}`).join("\n"));
  }
  if (role === "spoke") {
    throw new UsageError(
      `Stack ${args.stack} is a spoke stack. Add --account <id> [--region <region>] to send the test through ` +
        "a member account's forwarding rule, or pass the hub stack to --stack.",
    );
  }
  const outputs = args.outputs ? readOutputsFile(args.outputs) : await readOutputs(args.stack, args.dir);
  const where = args.outputs ?? `the outputs of stack ${args.stack}`;
  return { hub: hubTargetFromOutputs(outputs, where, args.stack), path: { via: "hub" } };
}

/** The spoke stack's config, which says which role to assume and which regions have a rule; and the region. */
function spokeConfig(args: Parsed): { config: SpokeConfig; region: string } {
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
  return { config, region };
}

/** The hub a spoke forwards to: from --outputs, --hub-stack or its hubStack config, and it must be the one it forwards to. */
async function spokeHub(args: Parsed, config: SpokeConfig, readOutputs: ReadOutputs): Promise<HubTarget> {
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
  return hub;
}

/** Turns the arguments into self-test options (reading config and outputs); throws UsageError. */
export async function resolveOptions(argv: string[], deps: CliDeps = {}): Promise<SelfTestOptions | "help"> {
  const args = parse(argv);
  if (args === "help") return "help";
  const readOutputs = deps.stackOutputs ?? ((s: string, d: string) => pulumiStackOutputs(s, d));
  const base = { timeoutMs: args.timeoutMs, pollIntervalMs: args.pollIntervalMs };
  if (args.account === undefined) return { ...base, ...(await hubPath(args, readOutputs)) };

  const { config, region } = spokeConfig(args);
  return {
    ...base,
    hub: await spokeHub(args, config, readOutputs),
    path: {
      via: "spoke",
      accountId: args.account,
      region,
      memberRoleName: config.memberRoleName,
      spokeStack: args.stack,
    },
  };
}
