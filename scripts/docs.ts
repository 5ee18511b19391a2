// Renders the sections of the README and the docs/ pages that come from code: `npm run docs`
// rewrites them; the test suite fails when a page is stale.
import * as fs from "node:fs";
import * as path from "node:path";
import { errorMessage } from "../common/errors";
import { ROOT, docPages, renderPage } from "./docs/run";
import { flagsOrExit, runMain } from "./shared/cli";

export const USAGE = `Usage: npm run docs -- [--check]

Regenerates the generated sections of README.md and docs/*.md (the severity table, the example
alerts, ...) from the code, each between its <!-- generated:... --> markers in the page that holds
it; the rest of each page is left as it is.
  --check  change nothing: say whether every page is up to date (exit code 1 if one is not)
  --help   this text
Exit code: 0 written or up to date, 1 out of date (--check), 2 bad arguments or a page without its
markers.`;

export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  const args = flagsOrExit(
    argv,
    {
      check: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    USAGE,
  );
  if (typeof args === "number") return args;
  const stale: { page: string; after: string }[] = [];
  for (const page of docPages()) {
    const before = fs.readFileSync(path.join(ROOT, page), "utf8");
    let after;
    try {
      after = await renderPage(page, before);
    } catch (err) {
      console.error(errorMessage(err));
      return 2;
    }
    if (after !== before) stale.push({ page, after });
  }
  const names = stale.map((s) => s.page).join(", ");
  if (stale.length === 0) {
    console.log("README.md and docs/ are up to date");
    return 0;
  }
  if (args.check) {
    console.log(`out of date: ${names}; run npm run docs`);
    return 1;
  }
  for (const { page, after } of stale) fs.writeFileSync(path.join(ROOT, page), after);
  console.log(`updated: ${names}`);
  return 0;
}

if (require.main === module) runMain(main);
