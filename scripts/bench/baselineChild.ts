// The spoke scaling baseline: BENCH_BASELINE_COUNT plain EventRules. runBaseline (spoke.ts) runs it in
// place of index.ts with the spoke's launcher, mocks and stack file (testkit/programChild.ts `program`).
import * as aws from "@pulumi/aws";

export = async () => {
  const args = { description: "baseline", eventPattern: '{"source":["aws.baseline"]}' };
  const rule = (i: number) => new aws.cloudwatch.EventRule(`thing-${i}`, args);
  const rules = Array.from({ length: Number(process.env.BENCH_BASELINE_COUNT) }, (_, i) => rule(i));
  return { names: rules.slice(0, 1).map((r) => r.name) };
};
