import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Closure serialization needs V8 trace events, which worker threads lack.
    pool: "forks",
    include: ["tests/**/*.test.ts"],
    // .ci/run reads the counts from the JSON report.
    reporters: ["default", "json"],
    outputFile: { json: "test-results.json" },
    testTimeout: 120_000,
    hookTimeout: 300_000,
  },
});
