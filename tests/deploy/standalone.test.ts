// The repository stands alone: no file cites notes that live outside it; sources are public
// (the Pulumi source file, the AWS page).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { expect, it } from "vitest";
import { TESTS_DIR } from "../../testkit/paths";

const ROOT = path.join(TESTS_DIR, "..");

it("no tracked file cites the field notes kept outside the repository", () => {
  const files = execFileSync("git", ["ls-files"], { cwd: ROOT, encoding: "utf8" })
    .split("\n")
    .filter((f) => /\.(ts|js|cjs|mjs|ya?ml|md|json)$/.test(f) && f !== "package-lock.json");
  expect(files.length).toBeGreaterThan(50);
  const citing = files.filter((f) => {
    const file = path.join(ROOT, f);
    if (!fs.existsSync(file)) return false;
    // Spelt in two parts so this file does not cite it either.
    return new RegExp(["NOT", "ES(\\.md| §)"].join("")).test(fs.readFileSync(file, "utf8"));
  });
  expect(citing).toEqual([]);
});
