// Renders the README sections that come from code: the severity table (handler/severity.ts) and
// an example alert produced by the real notifier from a fixture. `npm run docs` rewrites them;
// the test suite fails when the README is stale.
import * as fs from "node:fs";
import * as path from "node:path";
import { createNotifier, type PublishInput } from "../handler/notifier";
import { SEVERITY_CONDITIONS, SEVERITY_FALLBACKS, SEVERITY_TABLE } from "../handler/severity";

export const README = path.join(__dirname, "..", "README.md");

export function severityTableMarkdown(): string {
  const rows = SEVERITY_TABLE.map(
    (r) =>
      `| ${r.eventNames.map((n) => `\`${n}\``).join(", ")} | ${SEVERITY_CONDITIONS[r.when]} | **${r.severity}** | ${r.why} |`,
  );
  const fallbacks = SEVERITY_FALLBACKS.map((f) => `| (any other) | ${f.case} | **${f.severity}** | |`);
  return ["| event | when | severity | why |", "|---|---|---|---|", ...rows, ...fallbacks].join("\n");
}

export async function exampleAlertMarkdown(): Promise<string> {
  const fixture = path.join(__dirname, "..", "tests", "fixtures", "root-createaccesskey-noinvokedby.json");
  const sent: PublishInput[] = [];
  const notifier = createNotifier({
    topicArn: "arn:aws:sns:us-east-1:222222222222:alerts",
    publish: async (msg) => {
      sent.push(msg);
    },
    lookupAccountName: async () => "prod-payments",
    log: () => undefined,
    now: () => new Date("2026-11-21T09:30:00Z"),
  });
  await notifier.handle(JSON.parse(fs.readFileSync(fixture, "utf8")));
  const [msg] = sent;
  if (!msg) throw new Error("the example fixture produced no alert");
  return ["```text", `Subject: ${msg.subject}`, "", msg.message.trimEnd(), "```"].join("\n");
}

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
  return out;
}

if (require.main === module) {
  void (async () => {
    const before = fs.readFileSync(README, "utf8");
    const after = await renderReadme(before);
    fs.writeFileSync(README, after);
    console.log(before === after ? "README.md is up to date" : "README.md updated");
  })();
}
