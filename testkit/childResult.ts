// How a mocked Pulumi child process (testkit/programChild.ts, scripts/bench/baselineChild.ts)
// reports back: one JSON file, written whatever happens, then a clean exit.
import * as fs from "node:fs";

/** Adds the run's wall time (since `startedMs`) and the peak RSS so far, and writes the result. */
export function writeChildResult(outFile: string, result: Record<string, unknown>, startedMs: number): void {
  result.wallMs = performance.now() - startedMs;
  // Since the process started (Node's own start-up, the TypeScript preload and compiles included).
  result.sinceStartMs = performance.now();
  result.maxRssBytes = process.resourceUsage().maxRSS * 1024;
  fs.writeFileSync(outFile, JSON.stringify(result));
}

/** Runs `main`; if it throws, writes the error (and what was recorded) so the parent can report it. */
export function runChild(
  main: () => Promise<void>,
  outFile: string,
  label: string,
  partial: () => unknown,
): void {
  void main().then(
    () => process.exit(0),
    (err: unknown) => {
      fs.writeFileSync(outFile, JSON.stringify({ error: `${label}: ${String(err)}`, resources: partial() }));
      process.exit(0);
    },
  );
}
