// Rewrites the README's generated sections, each between <!-- generated:<name> --> markers.
import * as path from "node:path";
import {
  exampleAlertMarkdown,
  exampleChatMarkdown,
  exampleDigestMarkdown,
  exampleJsonMarkdown,
  severityTableMarkdown,
} from "./sections";

export const README = path.join(__dirname, "..", "..", "README.md");

export function replaceSection(text: string, name: string, body: string): string {
  const start = `<!-- generated:${name} -->`;
  const end = `<!-- /generated:${name} -->`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`README.md lacks the markers ${start} ... ${end}`);
  return `${text.slice(0, i + start.length)}\n${body}\n${text.slice(j)}`;
}

export async function renderReadme(text: string): Promise<string> {
  let out = replaceSection(text, "severity-table", severityTableMarkdown());
  out = replaceSection(out, "example-alert", await exampleAlertMarkdown());
  out = replaceSection(out, "example-chat", await exampleChatMarkdown());
  out = replaceSection(out, "example-json", await exampleJsonMarkdown());
  out = replaceSection(out, "example-digest", exampleDigestMarkdown());
  return out;
}
