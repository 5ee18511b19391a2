// The subset of EventBridge pattern matching the monitor's rules use: exact strings, `prefix`,
// `wildcard`, `anything-but` (of values, a prefix or a wildcard), `exists` and `$or`, on nested
// fields. Enough to run the real rule pattern on fixtures.
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function valueMatches(rule: unknown, value: unknown): boolean {
  if (!isObj(rule)) return rule === value;
  if (typeof rule.exists === "boolean") return rule.exists === (value !== undefined);
  if (typeof rule.prefix === "string") return typeof value === "string" && value.startsWith(rule.prefix);
  if (typeof rule.wildcard === "string") {
    // `*` matches any run of characters; everything else is literal.
    const re = rule.wildcard.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"));
    return typeof value === "string" && new RegExp(`^${re.join(".*")}$`).test(value);
  }
  if ("anything-but" in rule) {
    const but = rule["anything-but"];
    // `{anything-but: {prefix | wildcard}}`: a string that does not match (EventBridge's own reading).
    if (isObj(but)) return typeof value === "string" && !valueMatches(but, value);
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
      // `{exists: false}` is the one matcher that takes a missing field.
      const absent = value === undefined && rule.some((r) => isObj(r) && r.exists === false);
      if (!absent && !values.some((v) => v !== undefined && rule.some((r) => valueMatches(r, v))))
        return false;
    } else if (!isObj(rule) || !matchesPattern(rule, value)) {
      return false;
    }
  }
  return true;
}
