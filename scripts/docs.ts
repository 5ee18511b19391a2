// Renders the README sections that come from code: `npm run docs` rewrites them; the test suite
// fails when the README is stale.
import * as fs from "node:fs";
import { errorMessage } from "../common/errors";
import { README, renderReadme } from "./docs/run";
import { parseFlags, runMain } from "./shared/cli";

export const USAGE = `Usage: npm run docs -- [--check]

Regenerates the README's generated sections (the severity table, the example alerts, ...) from the
code, between their <!-- generated:... --> markers; the rest of the file is left as it is.
  --check  change nothing: say whether README.md is up to date (exit code 1 if it is not)
  --help   this text
Exit code: 0 written or up to date, 1 out of date (--check), 2 bad arguments.`;

export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  let args;
  try {
    args = parseFlags(argv, {
      check: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    });
  } catch (err) {
    console.error(`${errorMessage(err)}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const before = fs.readFileSync(README, "utf8");
  const after = await renderReadme(before);
  if (before === after) {
    console.log("README.md is up to date");
    return 0;
  }
  if (args.check) {
    console.log("README.md is out of date: run npm run docs");
    return 1;
  }
  fs.writeFileSync(README, after);
  console.log("README.md updated");
  return 0;
}

if (require.main === module) runMain(main);
