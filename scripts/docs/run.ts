// Rewrites the generated sections of the README and the docs/ pages, each between
// <!-- generated:<name> --> markers, in the page that holds it.
import * as fs from "node:fs";
import * as path from "node:path";
import {
  exampleAlertMarkdown,
  exampleChatMarkdown,
  exampleDigestMarkdown,
  exampleJsonMarkdown,
  severityTableMarkdown,
} from "./sections";

export const ROOT = path.join(__dirname, "..", "..");
export const README = path.join(ROOT, "README.md");
export const DOCS_DIR = path.join(ROOT, "docs");

/** Every generated section: the page that holds it (relative to the repository) and its body. */
export const GENERATED: Record<string, { page: string; render: () => string | Promise<string> }> = {
  "severity-table": { page: "docs/alerts.md", render: severityTableMarkdown },
  "example-alert": { page: "docs/alerts.md", render: exampleAlertMarkdown },
  "example-json": { page: "docs/alerts.md", render: exampleJsonMarkdown },
  "example-chat": { page: "docs/alerts.md", render: exampleChatMarkdown },
  "example-digest": { page: "docs/alerts.md", render: exampleDigestMarkdown },
};

/** The pages that may hold generated sections, relative to the repository: README.md and docs/*.md. */
export function docPages(root: string = ROOT): string[] {
  const docs = path.join(root, "docs");
  const pages = fs.existsSync(docs)
    ? fs
        .readdirSync(docs)
        .filter((f) => f.endsWith(".md"))
        .sort()
        .map((f) => `docs/${f}`)
    : [];
  return ["README.md", ...pages];
}

export function replaceSection(text: string, name: string, body: string, page = "README.md"): string {
  const start = `<!-- generated:${name} -->`;
  const end = `<!-- /generated:${name} -->`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`${page} lacks the markers ${start} ... ${end}`);
  return `${text.slice(0, i + start.length)}\n${body}\n${text.slice(j)}`;
}

/**
 * `text` (the page `page`, relative to the repository) with its generated sections rendered. A
 * page holding markers of a section written into another page, or of no known section, is refused.
 */
export async function renderPage(page: string, text: string): Promise<string> {
  for (const m of text.matchAll(/<!-- generated:([a-z0-9-]+) -->/g)) {
    const name = m[1] as string;
    const owner = GENERATED[name]?.page;
    if (owner !== page)
      throw new Error(
        owner
          ? `${page} holds the generated section ${name}, which is written into ${owner}: move it there`
          : `${page} holds an unknown generated section ${name}`,
      );
  }
  let out = text;
  for (const [name, { page: owner, render }] of Object.entries(GENERATED))
    if (owner === page) out = replaceSection(out, name, await render(), page);
  return out;
}
