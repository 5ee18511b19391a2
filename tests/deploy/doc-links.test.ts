// Every relative link of the README and the docs/ pages resolves: the file exists, and an #anchor
// names a heading of the page it points to, by GitHub's heading-anchor rules. The checker is shown
// failing on a small in-memory set of pages first.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, docPages } from "../../scripts/docs/run";

/** The text outside fenced code blocks, line by line (a `# comment` in a sh block is no heading). */
function prose(text: string): string[] {
  let fence: string | undefined;
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const marker = /^\s*(```+|~~~+)/.exec(line)?.[1];
    if (marker && (fence === undefined || marker.startsWith(fence))) {
      fence = fence === undefined ? marker : undefined;
      continue;
    }
    if (fence === undefined) out.push(line);
  }
  return out;
}

/**
 * GitHub's anchors for a page's headings: the heading's text (links and emphasis as their text),
 * lower case, every character but letters, digits, spaces, hyphens and underscores dropped, spaces
 * as hyphens; a repeated anchor gets -1, -2, ...
 */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of prose(text)) {
    const heading = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const base = heading
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M} _-]/gu, "")
      .replace(/ /g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** The link targets of a page: inline links and images outside code, not inside `code spans`. */
function links(text: string): string[] {
  return prose(text).flatMap((line) =>
    [...line.replace(/`[^`]*`/g, "").matchAll(/\]\(<?([^)\s>]+)>?(?:\s+"[^"]*")?\)/g)].map(
      (m) => m[1] as string,
    ),
  );
}

/**
 * Every link of `pages` (path relative to the repository -> text) that does not resolve: a relative
 * path that `exists` denies, or an #anchor that is not a heading of the Markdown page it points to
 * (that page read from `pages`, else through `read`). External links (scheme:) are not followed.
 */
function brokenLinks(
  pages: Record<string, string>,
  exists: (file: string) => boolean,
  read: (file: string) => string | undefined = () => undefined,
): string[] {
  const broken: string[] = [];
  for (const [page, text] of Object.entries(pages)) {
    for (const link of links(text)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue;
      const [target = "", anchor] = link.split("#", 2);
      const file =
        target === "" ? page : path.posix.normalize(path.posix.join(path.posix.dirname(page), target));
      if (file.startsWith("../") || !(target === "" || exists(file.replace(/\/$/, "")))) {
        broken.push(`${page}: ${link} (no file ${file})`);
        continue;
      }
      if (anchor === undefined) continue;
      if (!file.endsWith(".md")) {
        if (!/^L\d+(-L\d+)?$/.test(anchor))
          broken.push(`${page}: ${link} (#${anchor} in a file that is not Markdown)`);
        continue;
      }
      const body = pages[file] ?? read(file);
      if (body === undefined || !anchors(body).has(decodeURIComponent(anchor)))
        broken.push(`${page}: ${link} (no heading #${anchor} in ${file})`);
    }
  }
  return broken;
}

describe("the checker", () => {
  const pages = {
    "README.md": [
      "# Title",
      "## How it works",
      "## Pre-flight: the doctor",
      "```sh",
      "# Not a heading",
      "```",
      "[ok](#how-it-works) [ok](docs/a.md#tearing-it-all-down) [ok](docs/a.md) [ok](index.ts)",
      "[ok](#pre-flight-the-doctor) [ok](https://example.com/#nowhere) `[code](#not-a-link)`",
      "[bad](#not-a-heading) [bad](docs/a.md#teardown) [bad](docs/missing.md) [bad](#how-it-works-1)",
    ].join("\n"),
    "docs/a.md": [
      "# A",
      "## Tearing it all down",
      "## `Alerts`: formats, routing",
      "## Alerts: formats, routing",
      "[ok](../README.md#how-it-works) [ok](#alerts-formats-routing) [ok](#alerts-formats-routing-1)",
      "[ok](../index.ts) [bad](README.md) [bad](../README.md#How-it-works) [bad](../../outside.md)",
    ].join("\n"),
  };
  const files = new Set(["README.md", "docs/a.md", "index.ts", "docs"]);

  it("finds exactly the broken links of a small set of pages", () => {
    const broken = brokenLinks(pages, (f) => files.has(f));
    expect(broken).toEqual([
      "README.md: #not-a-heading (no heading #not-a-heading in README.md)",
      "README.md: docs/a.md#teardown (no heading #teardown in docs/a.md)",
      "README.md: docs/missing.md (no file docs/missing.md)",
      "README.md: #how-it-works-1 (no heading #how-it-works-1 in README.md)",
      "docs/a.md: README.md (no file docs/README.md)",
      "docs/a.md: ../README.md#How-it-works (no heading #How-it-works in README.md)",
      "docs/a.md: ../../outside.md (no file ../outside.md)",
    ]);
  });

  it("makes GitHub's anchors", () => {
    expect([...anchors("# Pre-flight: the doctor\n## `webhookUrl` and [x](y.md)\n## A\n## A")]).toEqual([
      "pre-flight-the-doctor",
      "webhookurl-and-x",
      "a",
      "a-1",
    ]);
  });
});

describe("README and docs/", () => {
  const names = docPages();
  const pages = Object.fromEntries(names.map((p) => [p, fs.readFileSync(path.join(ROOT, p), "utf8")]));
  const exists = (f: string) => fs.existsSync(path.join(ROOT, f));
  const read = (f: string) => (exists(f) ? fs.readFileSync(path.join(ROOT, f), "utf8") : undefined);

  it("has docs pages, each linked from the README", () => {
    expect(names.length).toBeGreaterThan(5);
    const fromReadme = new Set(links(pages["README.md"] ?? "").map((l) => l.split("#")[0]));
    expect(names.filter((p) => p !== "README.md" && !fromReadme.has(p))).toEqual([]);
  });

  it("links between them, every link resolving, anchors included", () => {
    const between = Object.entries(pages).flatMap(([page, text]) =>
      links(text)
        .filter((l) => !/^[a-z]+:/.test(l) && /(^#|\.md(#|$))/.test(l))
        .map((l) => `${page} ${l}`),
    );
    expect(between.length).toBeGreaterThan(40);
    expect(brokenLinks(pages, exists, read)).toEqual([]);
  });
});
