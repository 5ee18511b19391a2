// The sections of the docs that come from code (all in docs/alerts.md): the severity table
// (handler/classify/severity.ts), and example alerts produced by the real notifier from fixtures.
import * as fs from "node:fs";
import * as path from "node:path";
import { decide } from "../../handler/classify/decide";
import { buildDigest, sortEntries } from "../../handler/alerts/digestAlert";
import { type DigestEntry } from "../../handler/records";
import { FULL_CAPS } from "../../handler/alerts/alertModel";
import { resultOf } from "../../handler/classify/facts";
import { createNotifier } from "../../handler/notifier";
import { type PublishInput } from "../../handler/support/deps";
import {
  SEVERITY_CONDITIONS,
  SEVERITY_FALLBACKS,
  SEVERITY_TABLE,
  SIGN_IN_FAILURE_ESCALATION,
  SIGN_IN_FAILURE_WINDOW_MINUTES,
  type SeverityRow,
} from "../../handler/classify/severity";
import { ordinal } from "../shared/ordinal";

/** "task policy A or B; " for AssumeRoot rows; "any other task policy; " after such rows. */
function taskPolicyWhen(r: SeverityRow, i: number): string {
  if (r.taskPolicies) return `task policy ${r.taskPolicies.map((t) => `\`${t}\``).join(" or ")}; `;
  const earlier = SEVERITY_TABLE.slice(0, i).some(
    (e) => e.taskPolicies && e.eventNames.some((n) => r.eventNames.includes(n)),
  );
  return earlier ? "any other task policy; " : "";
}

export function severityTableMarkdown(): string {
  const rows = SEVERITY_TABLE.map(
    (r, i) =>
      `| ${r.eventNames.map((n) => `\`${n}\``).join(", ")} | ${taskPolicyWhen(r, i)}${SEVERITY_CONDITIONS[r.when]} | **${r.severity}** | ${r.why} |`,
  );
  const fallbacks = SEVERITY_FALLBACKS.map((f) => `| (any other) | ${f.case} | **${f.severity}** | |`);
  const escalation = SIGN_IN_FAILURE_ESCALATION.map(
    (e) =>
      `| \`ConsoleLogin\` (failed) | the ${ordinal(e.atLeast)} or later failed root sign-in of the account within ${SIGN_IN_FAILURE_WINDOW_MINUTES} minutes (by event time) | **${e.severity}** | Someone is guessing the root password. |`,
  );
  return [
    "| event | when | severity | why |",
    "|---|---|---|---|",
    ...escalation,
    ...rows,
    ...fallbacks,
  ].join("\n");
}

const FIXTURES = path.join(__dirname, "..", "..", "tests", "fixtures");
const NOW = new Date("2026-11-21T09:30:00Z");

/** What the real notifier publishes for one fixture. */
async function publishedFor(fixtureName: string): Promise<PublishInput> {
  const sent: PublishInput[] = [];
  const notifier = createNotifier({
    topicArn: "arn:aws:sns:us-east-1:222222222222:alerts",
    publish: async (msg) => {
      sent.push(msg);
    },
    lookupAccountName: async () => "prod-payments",
    log: () => undefined,
    now: () => NOW,
  });
  await notifier.handle(JSON.parse(fs.readFileSync(path.join(FIXTURES, fixtureName), "utf8")));
  const [msg] = sent;
  if (!msg) throw new Error(`the fixture ${fixtureName} produced no alert`);
  return msg;
}

function part(msg: PublishInput, protocol: "email" | "default" | "https"): string {
  return (JSON.parse(msg.message) as Record<string, string>)[protocol] ?? "";
}

export async function exampleChatMarkdown(): Promise<string> {
  const msg = await publishedFor("root-consolelogin-success-nomfa.json");
  const card = JSON.stringify(JSON.parse(part(msg, "https")), null, 2);
  return ["```json", card, "```"].join("\n");
}

export async function exampleJsonMarkdown(): Promise<string> {
  const msg = await publishedFor("root-createaccesskey-for-iamuser.json");
  const doc = JSON.stringify(JSON.parse(part(msg, "default")), null, 2);
  return ["```json", doc, "```"].join("\n");
}

/** A digest of every root fixture that alerts, as if they had arrived in one minute. */
export function exampleDigestMarkdown(): string {
  const entries: DigestEntry[] = [];
  for (const name of fs
    .readdirSync(FIXTURES)
    .filter((f) => f.startsWith("root-") && f.endsWith(".json"))
    .sort()) {
    const d = decide(JSON.parse(fs.readFileSync(path.join(FIXTURES, name), "utf8")));
    if (d.decision !== "alert" || d.verdict.severity === "critical") continue;
    entries.push({
      eventId: d.facts.eventId ?? name,
      name: d.facts.eventName,
      time: d.facts.eventTime ?? "",
      region: d.facts.region ?? "",
      result: resultOf(d.facts),
      severity: d.verdict.severity,
    });
  }
  const window = { start: new Date("2026-11-21T09:29:00Z"), end: new Date("2026-11-21T09:30:00Z") };
  const digest = buildDigest({
    accountId: "493859302102",
    name: { ok: true, name: "prod-payments" },
    entries: sortEntries(entries),
    window,
    part: { index: 1, count: 1 },
    now: NOW,
    caps: FULL_CAPS,
  });
  return ["```text", `Subject: ${digest.subject}`, "", digest.text.trimEnd(), "```"].join("\n");
}

export async function exampleAlertMarkdown(): Promise<string> {
  const msg = await publishedFor("root-createaccesskey-noinvokedby.json");
  return ["```text", `Subject: ${msg.subject}`, "", part(msg, "email").trimEnd(), "```"].join("\n");
}
