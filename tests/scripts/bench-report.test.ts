// BENCHMARKS.md is generated: these tests keep it what the renderer makes of its own raw figures
// (so a hand edit, or a renderer change without a re-render, fails) and check the verdict logic.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { NOTIFIER_ARCHIVE_BUDGET_BYTES } from "../../hub/archive";
import { buildSync } from "esbuild";
import { minifiedNotifierSource, notifierBuildOptions } from "../../hub/notifierCode";
import { archiveModules } from "../../scripts/bench/notifier";
import { extract, renderReport, type Part, type Results } from "../../scripts/bench/report";
import { TESTS_DIR } from "../../testkit/paths";

const REPORT = path.join(TESTS_DIR, "..", "BENCHMARKS.md");

function summaryRow(report: string, figure: string): string[] {
  const row = report.split("\n").find((l) => l.startsWith(`| ${figure}`));
  if (!row) throw new Error(`no summary row starting with "${figure}"`);
  return row.split(" | ").map((c) => c.replace(/^\| |\s*\|$/g, ""));
}

function notifierResults(zippedBytes: number): Results {
  const notifier: Part<"notifier"> = {
    started: "2026-11-21T00:00:00.000Z",
    finished: "2026-11-21T00:01:00.000Z",
    command: "npm run bench -- --only notifier",
    revision: "abc1234",
    machine: "2 CPUs",
    node: "v22.0.0",
    archive: { entries: ["__index.js"], codeBytes: 40_000, zippedBytes, modules: [] },
    cold: {
      requireToPublishMs: [90, 100, 110],
      requireMs: [1, 1, 1],
      processToPublishMs: [110, 120, 130],
      publishes: 3,
    },
    warm: { perEventMs: [1.5, 2, 2.5], events: 3, publishes: 4, describeAccountCalls: 1 },
    warmWithState: { perEventMs: [5, 6, 7], events: 3, publishes: 2, flushesScheduled: 1, dynamoCalls: 16 },
  };
  return { version: 1, notifier };
}

describe("BENCHMARKS.md", () => {
  it("is exactly what the renderer makes of its embedded figures (re-render: npm run bench -- --render BENCHMARKS.md)", () => {
    const text = fs.readFileSync(REPORT, "utf8");
    const results = extract(REPORT);
    expect(results?.notifier?.archive).toBeDefined();
    expect(renderReport(results as Results)).toBe(text);
  });
});

describe("bench report verdicts", () => {
  it("holds the archive to the 20,480-byte guard of hub/archive.ts (the 10 and 16 KB targets are retired)", () => {
    const row = (bytes: number) => summaryRow(renderReport(notifierResults(bytes)), "Notifier archive");
    expect(NOTIFIER_ARCHIVE_BUDGET_BYTES).toBe(20_480);
    expect(row(20_481)[3]).toBe("**FAIL**");
    expect(row(20_480)[3]).toBe("PASS");
    expect(row(20_480)[2]).toBe("<= 20,480 bytes (guard), no node_modules");
  });

  it("reports the warm figure with the state table without a target, with its DynamoDB calls per event", () => {
    const row = summaryRow(renderReport(notifierResults(9_000)), "Notifier warm with the state table");
    expect(row[1]).toContain("6.00 ms median");
    // 16 calls over 3 events plus the warm-up.
    expect(row[1]).toContain("4.0 DynamoDB calls per event");
    expect(row[3]).toBe("n/a");
  });
});

describe("spoke vs baseline verdicts", () => {
  const results = (accounts: number, programMs: number, programRss: number): Results => {
    const m = { resources: 36 * accounts, wallMs: 1000, maxRssBytes: 1000 };
    const program = {
      ...m,
      accounts,
      shard: undefined,
      covered: accounts,
      byType: {},
      processMs: 1,
      sinceStartMs: 1,
    };
    const p = { started: "2026-11-21T00:00:00.000Z", command: "c", revision: "r", machine: "m", node: "n" };
    return {
      version: 1,
      scaling: {
        ...p,
        repeats: 1,
        heapMb: 1,
        rows: [
          { accounts, program: [{ ...program, wallMs: programMs, maxRssBytes: programRss }], baseline: [m] },
        ],
      },
    };
  };
  const verdicts = (r: Results): string[] =>
    ["Spoke program time", "Spoke program peak RSS"].map((f) => summaryRow(renderReport(r), f)[3] as string);

  it("holds the program to 1.2x the baseline's time and at most its memory from 100 accounts on", () => {
    expect(verdicts(results(100, 1200, 1000))).toEqual(["PASS", "PASS"]);
    expect(verdicts(results(300, 1210, 1001))).toEqual(["**FAIL**", "**FAIL**"]);
    expect(verdicts(results(10, 1500, 1500))).toEqual(["n/a", "n/a"]);
  });
});

describe("notifier archive breakdown", () => {
  it("attributes the bundle to handler modules only, with no third-party code inside", () => {
    const shares = archiveModules(path.join(TESTS_DIR, ".."));
    const bundle = buildSync(notifierBuildOptions()).outputFiles[0]?.text ?? "";
    // Product modules only: the handler and the shared AWS names (common/awsNames.ts, no SDK inside).
    for (const s of shares) expect(s.module).toMatch(/^(handler|common)\/([a-z]+\/)?[a-zA-Z]+\.ts$/);
    expect(shares.map((s) => s.module)).toContain("handler/notifier.ts");
    const attributed = shares.reduce((n, s) => n + s.minifiedBytes, 0);
    // The rest of esbuild's bundle is its `require` shim, its exports and separators; terser's pass
    // then makes the whole smaller still.
    expect(attributed).toBeLessThanOrEqual(bundle.length);
    expect(attributed).toBeGreaterThan(bundle.length * 0.95);
    expect(minifiedNotifierSource().length).toBeLessThan(bundle.length);
  });
});
