// The notifier's previous design beside the current one, from one run: the table BENCHMARKS.md shows
// for issue 15 §1 (one state round trip before the first publish, fewer DynamoDB calls per event).
import type { DesignComparison, DesignFigures } from "./notifier";
import { ms, summarize } from "./stats";

/** Target of issue 15 §1: warm per event with the state table at most this share of the previous median. */
export const WARM_WITH_STATE_MAX_SHARE = 0.6;

export function renderDesigns(c: DesignComparison | { error: string } | undefined): string[] {
  if (c === undefined) return [];
  if ("error" in c) return ["**Previous design beside the current one.** Not measured: " + c.error, ""];
  const median = (v: number[]) => summarize(v).median;
  const row = (label: string, f: (d: DesignFigures) => string) =>
    `| ${label} | ${f(c.previous)} | ${f(c.current)} |`;
  const warmShare = median(c.current.warmWithState.perEventMs) / median(c.previous.warmWithState.perEventMs);
  return [
    `**Previous design beside the current one.** Both measured in this run, one after the other: the`,
    `previous notifier is the archive the hub program built at commit \`${c.previousCommit.slice(0, 7)}\` (extracted with`,
    "`git archive`, run with this checkout's node_modules), the current one is the archive above. Same",
    "events, same local DynamoDB (dynalite, which serves calls one at a time, so calls made side by side",
    "cost about as much as calls in sequence here; in AWS they overlap).",
    "",
    "| with the state table | previous | current |",
    "| --- | --- | --- |",
    row("DynamoDB calls per event over a burst", (d) => d.dynamoCallsPerEvent.toFixed(2)),
    row("DynamoDB calls per event, first of a burst", (d) => d.firstPublish.dynamoCallsPerEvent.toFixed(2)),
    row("time to first publish (warm, first of a burst), median", (d) =>
      ms(median(d.firstPublish.firstPublishMs), 2),
    ),
    row("cold start: require to first completed publish, median", (d) =>
      ms(median(d.coldWithState.requireToPublishMs)),
    ),
    row("warm per event over a burst, median", (d) => ms(median(d.warmWithState.perEventMs), 2)),
    "",
    `Warm per event with the state table: ${(warmShare * 100).toFixed(0)}% of the previous median (target at most ` +
      `${WARM_WITH_STATE_MAX_SHARE * 100}%: ${warmShare <= WARM_WITH_STATE_MAX_SHARE ? "met" : "not met"}).`,
    "",
  ];
}
