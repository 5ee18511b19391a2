// The subset of EventBridge pattern matching the monitor's rules use: exact strings, `prefix`,
// `anything-but` and `$or`, on nested fields. Enough to run the real rule pattern on fixtures.
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function valueMatches(rule: unknown, value: unknown): boolean {
  if (!isObj(rule)) return rule === value;
  if (typeof rule.prefix === "string") return typeof value === "string" && value.startsWith(rule.prefix);
  if ("anything-but" in rule) {
    const but = rule["anything-but"];
    return value !== undefined && !(Array.isArray(but) ? but : [but]).includes(value);
  }
  throw new Error(`unsupported matcher ${JSON.stringify(rule)}`);
}

/** Does `event` match `pattern`? A field missing from the event matches nothing (as in EventBridge). */
export function matchesPattern(pattern: Obj, event: unknown): boolean {
  for (const [key, rule] of Object.entries(pattern)) {
    if (key === "$or") {
      if (!(rule as Obj[]).some((branch) => matchesPattern(branch, event))) return false;
      continue;
    }
    const value = isObj(event) ? event[key] : undefined;
    if (Array.isArray(rule)) {
      const values = Array.isArray(value) ? value : [value];
      if (!values.some((v) => v !== undefined && rule.some((r) => valueMatches(r, v)))) return false;
    } else if (!isObj(rule) || !matchesPattern(rule, value)) {
      return false;
    }
  }
  return true;
}
