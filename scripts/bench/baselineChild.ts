// Baseline for the spoke scaling benchmark: a trivial Pulumi program that registers `count` plain
// aws.cloudwatch.EventRule resources under the same mocks as testkit/programChild.ts (in its
// lightweight mode), in its own process started the same way. Run by scripts/bench/baseline.ts.
import * as pulumi from "@pulumi/pulumi";
import { runChild, writeChildResult } from "../../testkit/childResult";
import type { RecordedResource } from "../../testkit/program";

interface BaselineInput {
  count: number;
  outFile: string;
}

const input = JSON.parse(process.env.BENCH_BASELINE_INPUT ?? "{}") as BaselineInput;

const resources: RecordedResource[] = [];

async function main(): Promise<void> {
  const region = "us-east-1";
  pulumi.runtime.setAllConfig({ "aws:region": region });
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        // As programChild.ts does with `lightweight: true`: record the resource, echo inputs as state.
        resources.push({ type: args.type, name: args.name, inputs: {}, provider: args.provider });
        const name = (args.inputs.name as string | undefined) ?? `${args.name}-abc1234`;
        return {
          id: `${args.name}-id`,
          state: { ...args.inputs, name, arn: `arn:aws:events:${region}:111111111111:rule/default/${name}` },
        };
      },
      call() {
        return {};
      },
    },
    "root-activity-monitor",
    "bench-baseline",
    false,
  );

  const result: Record<string, unknown> = {};
  const started = performance.now();
  try {
    // Loaded inside the timed run, as the real program loads it when index.ts is required.
    const aws = require("@pulumi/aws") as typeof import("@pulumi/aws");
    const names: pulumi.Output<string>[] = [];
    for (let i = 0; i < input.count; i++) {
      const rule = new aws.cloudwatch.EventRule(`thing-${i}`, {
        description: "baseline",
        eventPattern: '{"source":["aws.baseline"]}',
      });
      if (i === 0) names.push(rule.name);
    }
    const outputs = await new Promise<unknown>((resolve) => pulumi.output({ names }).apply(resolve));
    await pulumi.runtime.disconnect();
    result.outputs = outputs;
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
  }
  result.resources = resources;
  writeChildResult(input.outFile, result, started);
}

runChild(main, input.outFile, "baseline", () => resources);
