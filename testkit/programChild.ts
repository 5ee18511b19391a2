// Runs the real program (index.ts) under Pulumi mocks in its own process, with the config of a
// real stack file, and writes what it registered to a JSON file. Run by testkit/program.ts.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { applyProjectConfig, loadStackFile, type ResolvedConfig } from "../common/cliConfig";
import { loadProject } from "../common/cliProject";
import { runChild, writeChildResult } from "./childResult";
import type { EngineUrn, RecordedResource } from "./program";
import { isTestCiphertext, testDecrypt } from "./stackFile";

interface ChildInput {
  /** The stack file to read, as `pulumi preview --stack <stack>` reads Pulumi.<stack>.yaml. */
  stackFile: string;
  stack: string;
  callerAccountId: string;
  stackOutputs: Record<string, Record<string, unknown>>;
  outFile: string;
  /** Skip reading asset contents (for large scale runs). */
  lightweight?: boolean;
  /** The program to run instead of index.ts (a module exporting one, as index.ts does). */
  program?: string;
  /** Record each resource's URN and aliases as the engine computes them (see EngineUrn). */
  engineUrns?: boolean;
  /**
   * Run as `pulumi preview` does (pulumi.runtime.isDryRun() true), the default; false: as `pulumi up`,
   * which refuses what preview only warns about (placeholders). Both register the same resources.
   */
  preview?: boolean;
  /** The value of every secret this harness cannot decrypt (a real stack's), instead of failing. */
  secretStandIn?: string;
}

const input = JSON.parse(process.env.PROGRAM_CHILD_INPUT ?? "{}") as ChildInput;
const repo = path.join(__dirname, "..");
const PROJECT = "root-activity-monitor";

/** What the CLI hands the program: Pulumi.yaml and the stack file through the CLI's own rules. */
function loadConfig(): ResolvedConfig {
  const project = loadProject(path.join(repo, "Pulumi.yaml"));
  const standIn = input.secretStandIn;
  const decrypt =
    standIn === undefined ? testDecrypt : (c: string) => (isTestCiphertext(c) ? testDecrypt(c) : standIn);
  return applyProjectConfig(input.stack, project, loadStackFile(input.stackFile), decrypt);
}

const resources: RecordedResource[] = [];
const invokes: { token: string; inputs: unknown }[] = [];
let notifier: { code: string; entries: string[] } | undefined;
/** Every function's archive, by resource name. */
const functions: Record<string, { code: string; entries: string[] }> = {};
const pending: Promise<unknown>[] = [];
const engineUrns: EngineUrn[] = [];
const engineUrnOf = new Map<pulumi.Resource, pulumi.Output<string>>();

/**
 * The URN the engine gives a resource, and those of its aliases, built as the SDK builds them
 * (createUrn) from the parent's engine URN: the mock monitor's URNs prefix the stack's type and only
 * the parent's own type, the engine's no stack and the whole chain of parent types.
 */
function recordEngineUrn(args: pulumi.ResourceTransformationArgs): undefined {
  const { type, name, opts } = args;
  // The stack itself is never transformed: its own URN is what createUrn expects of it.
  const parentUrn = (p: pulumi.Resource | pulumi.Input<string> | undefined) =>
    p !== undefined && pulumi.Resource.isInstance(p) ? (engineUrnOf.get(p) ?? p) : p;
  const urn = pulumi.createUrn(name, type, parentUrn(opts.parent));
  engineUrnOf.set(args.resource, urn);
  const aliasUrn = (alias: pulumi.Input<string | pulumi.Alias>) =>
    pulumi
      .output(alias)
      .apply((a) =>
        typeof a === "string"
          ? a
          : pulumi.createUrn(
              a.name ?? name,
              a.type ?? type,
              parentUrn("parent" in a ? a.parent : opts.parent),
              a.project,
              a.stack,
            ),
      );
  pending.push(
    new Promise<void>((resolve) =>
      pulumi.all([urn, pulumi.all((opts.aliases ?? []).map(aliasUrn))]).apply(([u, aliases]) => {
        engineUrns.push({ urn: u, aliases });
        resolve();
      }),
    ),
  );
  return undefined;
}

function accountOf(provider: string | undefined): string {
  const m = /account-(\d{12})/.exec(provider ?? "");
  return m?.[1] ?? input.callerAccountId;
}

function plain(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (_k, v: unknown) =>
      v !== null && typeof v === "object" && typeof (v as { then?: unknown }).then === "function"
        ? "<promise>"
        : v,
    ),
  ) as unknown;
}

function computedState(args: pulumi.runtime.MockResourceArgs, region: string): Record<string, unknown> {
  const acct = accountOf(args.provider);
  const r = (args.inputs.region as string | undefined) ?? region;
  const name = (args.inputs.name as string | undefined) ?? `${args.name}-${"abc1234"}`;
  switch (args.type) {
    case "aws:cloudwatch/eventBus:EventBus":
      return { name, arn: `arn:aws:events:${r}:${acct}:event-bus/${name}` };
    case "aws:cloudwatch/eventRule:EventRule":
      return {
        name,
        arn: `arn:aws:events:${r}:${acct}:rule/${(args.inputs.eventBusName as string) ?? "default"}/${name}`,
      };
    case "aws:sqs/queue:Queue":
      return {
        name,
        arn: `arn:aws:sqs:${r}:${acct}:${name}`,
        url: `https://sqs.${r}.amazonaws.com/${acct}/${name}`,
      };
    case "aws:sns/topic:Topic":
      return { name, arn: `arn:aws:sns:${r}:${acct}:${name}` };
    case "aws:iam/role:Role":
      return { name, arn: `arn:aws:iam::${acct}:role/${name}` };
    case "aws:lambda/function:Function":
      return { name, arn: `arn:aws:lambda:${r}:${acct}:function:${name}` };
    case "aws:kms/key:Key":
      return { arn: `arn:aws:kms:${r}:${acct}:key/11111111-2222-3333-4444-555555555555` };
    case "aws:dynamodb/table:Table":
      return { name, arn: `arn:aws:dynamodb:${r}:${acct}:table/${name}` };
    case "aws:ssm/parameter:Parameter":
      return { name, arn: `arn:aws:ssm:${r}:${acct}:parameter${name.startsWith("/") ? "" : "/"}${name}` };
    case "aws:cloudwatch/logGroup:LogGroup":
      return { name, arn: `arn:aws:logs:${r}:${acct}:log-group:${name}` };
    default:
      return {};
  }
}

async function main(): Promise<void> {
  let config: ResolvedConfig;
  try {
    config = loadConfig();
  } catch (err) {
    // The CLI stops here, before the program: no resources, just its message.
    writeChildResult(
      input.outFile,
      { error: err instanceof Error ? err.message : String(err), resources: [] },
      performance.now(),
    );
    return;
  }
  const region = config.values["aws:region"] ?? "us-east-1";
  pulumi.runtime.setAllConfig(config.values, config.secretKeys);
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        if (args.type === "pulumi:pulumi:StackReference") {
          const stackName = String(args.inputs.name ?? args.name);
          const outputs = input.stackOutputs[stackName];
          if (!outputs) throw new Error(`no such stack: ${stackName}`);
          resources.push({ type: args.type, name: args.name, inputs: { name: stackName } });
          return { id: stackName, state: { name: stackName, outputs } };
        }
        const rec: RecordedResource = {
          type: args.type,
          name: args.name,
          inputs: {},
          provider: args.provider,
        };
        resources.push(rec);
        if (args.type === "aws:lambda/function:Function" && !input.lightweight) {
          const code = args.inputs.code as { assets: Promise<Record<string, { text?: Promise<string> }>> };
          pending.push(
            (async () => {
              const assets = await code.assets;
              const text = await assets["__index.js"]?.text;
              const archive = { code: text ?? "", entries: Object.keys(assets).sort() };
              functions[args.name] = archive;
              // The hub's other functions (coverage) have archives too: `notifier` stays the notifier's.
              if (!args.name.endsWith("-coverage")) notifier = archive;
            })(),
          );
        }
        const { code: _code, ...rest } = args.inputs as Record<string, unknown>;
        rec.inputs = input.lightweight ? {} : (plain(rest) as Record<string, unknown>);
        return { id: `${args.name}-id`, state: { ...args.inputs, ...computedState(args, region) } };
      },
      call(args) {
        invokes.push({ token: args.token, inputs: plain(args.inputs) });
        switch (args.token) {
          case "aws:index/getCallerIdentity:getCallerIdentity":
            return {
              accountId: input.callerAccountId,
              arn: `arn:aws:iam::${input.callerAccountId}:user/deployer`,
              userId: "AIDAEXAMPLE",
              id: input.callerAccountId,
            };
          case "aws:index/getRegion:getRegion":
            return {
              region,
              name: region,
              id: region,
              endpoint: `ec2.${region}.amazonaws.com`,
              description: region,
            };
          case "aws:index/getPartition:getPartition":
            return {
              partition: "aws",
              dnsSuffix: "amazonaws.com",
              id: "aws",
              reverseDnsPrefix: "com.amazonaws",
            };
          default:
            throw new Error(`unmocked invoke ${args.token}`);
        }
      },
    },
    PROJECT,
    input.stack,
    input.preview !== false,
  );

  const result: Record<string, unknown> = {};
  const started = performance.now();
  try {
    const program = require(input.program ?? path.join(repo, "index.ts")) as () => Promise<
      Record<string, unknown>
    >;
    const exported = input.engineUrns
      ? await pulumi.runtime.runInPulumiStack(() => {
          pulumi.runtime.registerStackTransformation(recordEngineUrn);
          return program();
        })
      : await program();
    const outputs = await new Promise<unknown>((resolve) => pulumi.output(exported).apply(resolve));
    await pulumi.runtime.disconnect();
    await Promise.all(pending);
    const monitor = (
      require("@pulumi/pulumi/runtime/settings") as {
        getMonitor(): { getRegisteredResources(): Map<string, unknown> };
      }
    ).getMonitor();
    result.urns = [...monitor.getRegisteredResources().keys()];
    result.outputs = plain(outputs);
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
  }
  result.resources = resources;
  result.invokes = invokes;
  result.notifier = notifier;
  result.functions = functions;
  if (input.engineUrns) result.engineUrns = engineUrns;
  // For benchmarks: the program run (require of index.ts to resolved outputs), and the peak RSS so far.
  writeChildResult(input.outFile, result, started);
}

runChild(main, input.outFile, "harness", () => resources);
