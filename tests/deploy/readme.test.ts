// The generated sections of the README and the docs/ pages match the code, and their commands and
// keys match the project. The links between the pages are checked in doc-links.test.ts.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { GENERATED, README, ROOT, docPages, renderPage } from "../../scripts/docs/run";
import { ordinal } from "../../scripts/shared/ordinal";
import { TESTS_DIR } from "../../testkit/paths";

const readme = fs.readFileSync(README, "utf8");
const pages = docPages();
const text = (page: string) => fs.readFileSync(path.join(ROOT, page), "utf8");
/** The page that holds the config reference. */
const CONFIG_PAGE = "docs/configuration.md";

describe("README and docs/", () => {
  it.each(pages)("%s has up-to-date generated sections (run `npm run docs`)", async (page) => {
    expect(await renderPage(page, text(page))).toBe(text(page));
  });

  it("holds every generated section in the page that npm run docs writes it into", () => {
    for (const [name, { page }] of Object.entries(GENERATED)) {
      expect(pages, name).toContain(page);
      expect(text(page), name).toContain(`<!-- generated:${name} -->`);
    }
    const alerts = text("docs/alerts.md");
    expect(alerts).toContain("| **critical** |");
    expect(alerts).toContain("Subject: [CRITICAL] Root CreateAccessKey in prod-payments (493859302102)");
  });

  it("refuses a page that holds another page's generated section", async () => {
    const moved = "# x\n<!-- generated:severity-table -->\n<!-- /generated:severity-table -->\n";
    await expect(renderPage("README.md", moved)).rejects.toThrow(
      "README.md holds the generated section severity-table, which is written into docs/alerts.md",
    );
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
    const wrong = pages
      .flatMap((page) => [...text(page).matchAll(/\b(\d+)(st|nd|rd|th)\b/g)])
      .filter((m) => ordinal(Number(m[1])) !== m[0])
      .map((m) => m[0]);
    expect(wrong).toEqual([]);
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111].map(ordinal).join(" ")).toBe(
      "1st 2nd 3rd 4th 11th 12th 13th 21st 22nd 23rd 101st 111th",
    );
  });

  it("gives accounts.include one meaning, in one sentence, in the config reference, the template and Pulumi.yaml", () => {
    const sentence =
      "include selects these accounts in addition to those under organizationalUnits; when neither is set, every ACTIVE account of the organization is selected";
    for (const file of [CONFIG_PAGE, "Pulumi.spoke-template.yaml", "Pulumi.yaml"]) {
      const text = fs.readFileSync(path.join(TESTS_DIR, "..", file), "utf8").replace(/`/g, "");
      expect(text, file).toContain(sentence);
    }
    // No other description of include survives beside it, in any page.
    for (const file of [...pages, "Pulumi.spoke-template.yaml", "Pulumi.yaml"]) {
      const text = fs.readFileSync(path.join(TESTS_DIR, "..", file), "utf8").replace(/`/g, "");
      expect(text, file).not.toMatch(
        /include limits the selection|added to the OU selection|to add \/ remove/,
      );
    }
  });

  it("documents every config key that Pulumi.yaml declares, in the config reference", () => {
    const reference = text(CONFIG_PAGE);
    const project = parse(fs.readFileSync(path.join(TESTS_DIR, "..", "Pulumi.yaml"), "utf8")) as {
      config: Record<string, { description?: string }>;
    };
    const keys = Object.keys(project.config);
    expect(keys.length).toBeGreaterThan(10);
    for (const key of keys) {
      expect(project.config[key]?.description, key).toBeTruthy();
      expect(reference, key).toContain(`| \`${key}\` |`);
    }
  });
});
