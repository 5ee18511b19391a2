// Values the shipped examples mark for replacement: a stack that still holds one would deploy a
// monitor that alerts no one (an address at a reserved example domain never receives mail) or
// points at no hub. The program warns at preview, so the examples still preview in review, and
// refuses at update; the doctor refuses them.
import { PROJECT } from "./config";
import { KEY_ROLES } from "./configKeys";
import type { Role } from "./config";

/** Domains reserved for examples (RFC 2606): no mail is ever delivered there. */
const EXAMPLE_DOMAIN = /@(?:[a-z0-9-]+\.)*example\.(?:com|org|net)\b/i;

function placeholderIn(key: string, value: string): string | undefined {
  if (/CHANGE-ME/i.test(value)) return "CHANGE-ME";
  const address = EXAMPLE_DOMAIN.exec(value);
  if (address) {
    const m = new RegExp(`[^\\s"',\\[{]+${address[0].replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`).exec(value);
    return m?.[0] ?? address[0];
  }
  if (key === "hubStack" && value.startsWith("my-org/")) return value;
  return undefined;
}

/**
 * One message per key of this role whose value is still a placeholder, naming the key, the value
 * and the fix ("replace the placeholder").
 */
export function placeholderProblems(values: Record<string, string>, role: Role): string[] {
  const prefix = `${PROJECT}:`;
  const problems: string[] = [];
  for (const full of Object.keys(values).sort()) {
    if (!full.startsWith(prefix)) continue;
    const key = full.slice(prefix.length);
    const reader = KEY_ROLES[key];
    if (reader !== role && reader !== "both") continue;
    const found = placeholderIn(key, values[full] as string);
    if (!found) continue;
    const why = found.includes("@")
      ? "an address at a reserved example domain, which never receives mail"
      : found === "CHANGE-ME"
        ? "marked CHANGE-ME in the example"
        : "the example's value";
    problems.push(
      `Invalid config ${full}: ${found} is a placeholder (${why}). Replace the placeholder in Pulumi.<stack>.yaml with your own value.`,
    );
  }
  return problems;
}
