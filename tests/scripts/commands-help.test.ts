// Every command answers --help with its usage, every flag it parses and its exit codes, and changes
// nothing; the README lists the commands, one line each.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { runScript } from "../../testkit/runScript";
import { TESTS_DIR } from "../../testkit/paths";

const ROOT = path.join(TESTS_DIR, "..");
const read = (f: string) => fs.readFileSync(path.join(ROOT, f), "utf8");

/** The commands package.json runs: `tsx scripts/<command>.ts`. */
function commands(): string[] {
  const pkg = JSON.parse(read("package.json")) as { scripts: Record<string, string> };
  return Object.entries(pkg.scripts)
    .filter(([name, cmd]) => cmd === `tsx scripts/${name}.ts`)
    .map(([name]) => name)
    .sort();
}

/** The flags a command parses: the option names in its entry file, its options.ts and the shared report flags it spreads. */
function flagsOf(command: string): string[] {
  const files = [`scripts/${command}.ts`, `scripts/${command}/options.ts`].filter((f) =>
    fs.existsSync(path.join(ROOT, f)),
  );
  let source = files.map(read).join("\n");
  if (source.includes("...REPORT_FLAGS")) source += read("scripts/shared/stackFiles.ts");
  return [...source.matchAll(/^\s+"?([a-z][a-z-]*)"?: \{ type: "(?:string|boolean)"/gm)].map(
    (m) => m[1] as string,
  );
}

const HELPED = commands();

describe("--help", () => {
  it("covers every command, the bench included", () => {
    expect(HELPED).toEqual(["bench", "coverage", "docs", "doctor", "plan", "posture", "selftest"]);
  });

  it.each(HELPED)("npm run %s -- --help: usage, every flag, exit codes; nothing written", async (command) => {
    const docs = fs.readdirSync(path.join(ROOT, "docs")).map((f) => `docs/${f}`);
    const watched = ["README.md", "BENCHMARKS.md", ...docs].map((f) => path.join(ROOT, f));
    const before = watched.map((f) => fs.statSync(f).mtimeMs);
    const r = await runScript(`scripts/${command}.ts`, ["--help"], {});
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(new RegExp(`^Usage:\\s+npm run ${command}\\b`));
    expect(r.stdout).toMatch(/\nExit code: 0 /);
    const flags = flagsOf(command);
    expect(flags).toContain("help");
    for (const flag of flags) expect(r.stdout, `--${flag}`).toContain(`--${flag}`);
    expect(watched.map((f) => fs.statSync(f).mtimeMs)).toEqual(before);
  });
});

describe("README", () => {
  it("lists every command, one line each", () => {
    const readme = read("README.md");
    for (const command of commands()) {
      expect(readme, command).toMatch(new RegExp(`^- \`npm run ${command}\\b[^\\n]*\`: [^\\n]+$`, "m"));
    }
  });
});
