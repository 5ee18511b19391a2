// Telling what an unknown value is, for the parsers of every stage.
export type Obj = Record<string, unknown>;

export function isObject(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** "a number", "null", "an array", ... for problem descriptions. */
export function describeType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  if (typeof v === "undefined") return "missing";
  return `a ${typeof v}`;
}
