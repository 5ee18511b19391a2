// The import rules of `npm run lint` (.dependency-cruiser.cjs), run the way package.json's lint:imports
// runs them, on a scratch copy of the code: the copy passes; one type-only import that closes a circle,
// or a command that imports another command, fails it.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { useScratch } from "../../testkit/scratch";
import { TESTS_DIR } from "../../testkit/paths";

const ROOT = path.resolve(TESTS_DIR, "..");
const scratch = useScratch("lint-rules");

/** package.json's lint:imports, which `npm run lint` runs: the cruiser's arguments. */
function cruiserArgs(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    scripts: Record<string, string>;
  };
  expect(pkg.scripts.lint).toContain("npm run --silent lint:imports");
  const [bin, ...args] = (pkg.scripts["lint:imports"] ?? "").split(/\s+/);
  expect(bin).toBe("depcruise");
  return args;
}

/** The config and every path the cruiser reads, copied; node_modules linked. */
function copyOfRepo(): string {
  const dir = scratch.tmpDir();
  const paths = cruiserArgs().filter((a) => !a.startsWith("-") && a !== ".dependency-cruiser.cjs");
  for (const p of [".dependency-cruiser.cjs", "tsconfig.json", ...paths]) {
    fs.cpSync(path.join(ROOT, p), path.join(dir, p), {
      recursive: true,
      filter: (src) => !src.includes(`${path.sep}node_modules`),
    });
  }
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  return dir;
}

function append(dir: string, file: string, text: string): void {
  fs.appendFileSync(path.join(dir, file), `\n${text}\n`);
}

function cruise(dir: string): Promise<{ code: number; output: string }> {
  // The command npm runs: node_modules/.bin/depcruise, with this process's Node.
  const bin = path.join(ROOT, "node_modules", ".bin", "depcruise");
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...cruiserArgs()],
      { cwd: dir, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        resolve({ code, output: `${String(stdout)}${String(stderr)}` });
      },
    );
  });
}

describe("npm run lint: import rules", () => {
  it("pass on the code as it is", async () => {
    const r = await cruise(copyOfRepo());
    expect(r.output).toContain("no dependency violations found");
    expect(r.code).toBe(0);
  });

  it("fail on a circle, one closed by a type-only import included", async () => {
    const dir = copyOfRepo();
    // pulumiCli.ts imports stackConfig.ts; this type-only import closes the circle.
    append(dir, "scripts/shared/stackConfig.ts", 'import type { PulumiCliError } from "./pulumiCli";');
    fs.writeFileSync(path.join(dir, "testkit", "circleA.ts"), 'import "./circleB";\n');
    fs.writeFileSync(path.join(dir, "testkit", "circleB.ts"), 'import "./circleA";\n');
    const r = await cruise(dir);
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/no-circular: scripts\/shared\/(stackConfig|pulumiCli)\.ts/);
    expect(r.output).toMatch(/no-circular: testkit\/circle[AB]\.ts/);
  });

  it("fail where a command, the shared folder or the trail checks import a command", async () => {
    const dir = copyOfRepo();
    const imports = [
      ["scripts/posture/run.ts", 'import { runCoverage } from "../coverage/run";', "scripts/coverage/run.ts"],
      ["scripts/posture.ts", 'import { main } from "./coverage";', "scripts/coverage.ts"],
      [
        "scripts/shared/table.ts",
        'import type { DoctorRow } from "../doctor/types";',
        "scripts/doctor/types.ts",
      ],
      [
        "scripts/trail/spokeTrails.ts",
        'import { trailRows } from "../doctor/trailRows";',
        "scripts/doctor/trailRows.ts",
      ],
    ] as const;
    for (const [file, line] of imports) append(dir, file, line);
    const r = await cruise(dir);
    expect(r.code).not.toBe(0);
    for (const [file, , target] of imports) {
      expect(r.output).toContain(`no-command-imports-command: ${file} → ${target}`);
    }
  });
});
