// The README's generated sections match the code, and its commands and keys match the project.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { README, renderReadme } from "../../scripts/docs/run";
import { ordinal } from "../../scripts/shared/ordinal";
import { TESTS_DIR } from "../../testkit/paths";

const readme = fs.readFileSync(README, "utf8");

describe("README", () => {
  it("has up-to-date generated sections (run `npm run docs`)", async () => {
    expect(await renderReadme(readme)).toBe(readme);
    expect(readme).toContain("| **critical** |");
    expect(readme).toContain("Subject: [CRITICAL] Root CreateAccessKey in prod-payments (493859302102)");
  });

  it("starts with the install and test commands that CI runs, then the offline plan of a shipped stack", () => {
    const firstBlock = /```sh\n([^`]*)```/.exec(readme)?.[1] ?? "";
    expect(firstBlock.split("\n")[0]).toMatch(/^scripts\/install\.sh/);
    expect(firstBlock.split("\n")[1]).toMatch(/^scripts\/test\.sh/);
    const plan = /^npm run plan -- --stack (\S+)/.exec(firstBlock.split("\n")[2] ?? "");
    expect(plan, "third command: npm run plan -- --stack <shipped stack>").not.toBeNull();
    expect(fs.existsSync(path.join(TESTS_DIR, "..", `Pulumi.${plan?.[1]}.yaml`))).toBe(true);
    const ci = fs.readFileSync(path.join(TESTS_DIR, "..", ".ci", "run"), "utf8");
    expect(ci).toContain("bash scripts/install.sh");
    expect(ci).toContain("bash scripts/test.sh");
  });

  it("writes every ordinal with its English suffix (generated tables included)", () => {
    const wrong = [...readme.matchAll(/\b(\d+)(st|nd|rd|th)\b/g)]
      .filter((m) => ordinal(Number(m[1])) !== m[0])
      .map((m) => m[0]);
    expect(wrong).toEqual([]);
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111].map(ordinal).join(" ")).toBe(
      "1st 2nd 3rd 4th 11th 12th 13th 21st 22nd 23rd 101st 111th",
    );
  });

  it("gives accounts.include one meaning, in one sentence, in the README, the template and Pulumi.yaml", () => {
    const sentence =
      "include selects these accounts in addition to those under organizationalUnits; when neither is set, every ACTIVE account of the organization is selected";
    for (const file of ["README.md", "Pulumi.spoke-template.yaml", "Pulumi.yaml"]) {
      const text = fs.readFileSync(path.join(TESTS_DIR, "..", file), "utf8").replace(/`/g, "");
      expect(text, file).toContain(sentence);
      // No other description of include survives beside it.
      expect(text, file).not.toMatch(
        /include limits the selection|added to the OU selection|to add \/ remove/,
      );
    }
  });

  it("links only to headings it has", () => {
    // GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens.
    const slug = (h: string) =>
      h
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, "")
        .replace(/ /g, "-");
    const headings = new Set([...readme.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1] as string)));
    const links = [...readme.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1] as string);
    expect(links.length).toBeGreaterThan(10);
    expect(links.filter((l) => !headings.has(l))).toEqual([]);
  });

  it("documents every config key that Pulumi.yaml declares", () => {
    const project = parse(fs.readFileSync(path.join(TESTS_DIR, "..", "Pulumi.yaml"), "utf8")) as {
      config: Record<string, { description?: string }>;
    };
    const keys = Object.keys(project.config);
    expect(keys.length).toBeGreaterThan(10);
    for (const key of keys) {
      expect(project.config[key]?.description, key).toBeTruthy();
      expect(readme, key).toContain(`| \`${key}\` |`);
    }
  });
});
