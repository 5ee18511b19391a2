// Reading IAM policy statements, shared by the pack's policies and by the doctor's bus-policy check
// (scripts/doctor/busPolicy.ts). No imports: the pack is its own npm project, and the root project
// compiles this file as it is.

export interface Statement {
  Sid?: string;
  Effect?: string;
  Principal?: unknown;
  NotPrincipal?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** A policy field as a list: IAM takes one value or a list of them. */
export const asList = (v: unknown): unknown[] =>
  v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];

/** IAM's `*` and `?` wildcards (StringLike, ArnLike, Resource). */
export function globMatch(pattern: string, value: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  );
  return re.test(value);
}

/** The service principals of a statement ("events.amazonaws.com", ...). */
export function servicePrincipals(s: Statement): string[] {
  const p = s.Principal;
  if (typeof p !== "object" || p === null) return [];
  return asList((p as Record<string, unknown>).Service).filter((x): x is string => typeof x === "string");
}

/** Is the principal everyone ("*" or {AWS: "*"})? */
export function isAnyPrincipal(s: Pick<Statement, "Principal">): boolean {
  const p = s.Principal;
  if (p === "*") return true;
  if (typeof p !== "object" || p === null) return false;
  return asList((p as Record<string, unknown>).AWS).includes("*");
}

/** Condition keys used by a statement, lower-cased (IAM condition keys are case-insensitive). */
export function conditionKeys(s: Statement): string[] {
  const c = s.Condition;
  if (typeof c !== "object" || c === null) return [];
  const keys: string[] = [];
  for (const [operator, block] of Object.entries(c)) {
    // Negated operators, IfExists and Null do not pin the key to a value.
    if (/^(string|arn)not|ifexists$|^null$/i.test(operator)) continue;
    if (typeof block === "object" && block !== null)
      keys.push(...Object.keys(block).map((k) => k.toLowerCase()));
  }
  return keys;
}

/** Each operator of a condition that names `key` (lower-case), with the values it gives it. */
export function conditionValues(condition: unknown, key: string): { operator: string; values: unknown[] }[] {
  if (!condition || typeof condition !== "object") return [];
  const found: { operator: string; values: unknown[] }[] = [];
  for (const [operator, clauses] of Object.entries(condition as Record<string, unknown>)) {
    if (!clauses || typeof clauses !== "object") continue;
    for (const [k, value] of Object.entries(clauses as Record<string, unknown>)) {
      if (k.toLowerCase() === key) found.push({ operator, values: asList(value) });
    }
  }
  return found;
}
