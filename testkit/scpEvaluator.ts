// A small evaluator of service control policies, for the guard's tests: does any Deny statement of
// a document refuse a request? It reads exactly the shapes SCP deny statements use (Action or
// Resource as a string or list with `*`/`?` wildcards; Arn/String Like/NotLike/Equals/NotEquals
// conditions, several values per key) and throws on anything else rather than guess. SCPs only
// deny: allowing is the account's own IAM's business, so "not denied" is all it can say.
import { asList, globMatch } from "../policy/statements";

export interface ScpRequest {
  action: string;
  resource: string;
  /** aws:PrincipalArn: for a role session, the role's ARN; for root, arn:aws:iam::<account>:root. */
  principalArn: string;
}

type Doc = { Statement?: unknown };
type Stmt = {
  Effect?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};

/** IAM compares ARNs component by component (six colon-separated parts), each with wildcards. */
function arnLike(pattern: string, value: string): boolean {
  const split = (s: string) => {
    const parts = s.split(":");
    return [...parts.slice(0, 5), parts.slice(5).join(":")];
  };
  const p = split(pattern);
  const v = split(value);
  return p.length === v.length && p.every((part, i) => globMatch(part, v[i] as string));
}

const OPERATORS: Record<string, (pattern: string, value: string) => boolean> = {
  ArnLike: arnLike,
  ArnEquals: arnLike,
  StringLike: globMatch,
  StringEquals: (p, v) => p === v,
};

/** One condition operator over one key: any value matches (positive), or none does (Not...). */
function conditionHolds(operator: string, patterns: unknown[], value: string | undefined): boolean {
  const negated = /Not/.test(operator);
  const base = OPERATORS[operator.replace("Not", "")];
  if (!base || operator.endsWith("IfExists")) throw new Error(`unsupported condition operator ${operator}`);
  // A missing key never satisfies a positive operator and always satisfies a negated one.
  if (value === undefined) return negated;
  const any = patterns.some((p) => typeof p === "string" && base(p, value));
  return negated ? !any : any;
}

function contextValue(key: string, req: ScpRequest): string | undefined {
  if (key.toLowerCase() === "aws:principalarn") return req.principalArn;
  throw new Error(`unsupported condition key ${key}`);
}

function statementDenies(s: Stmt, req: ScpRequest): boolean {
  if (s.Effect !== "Deny") return false;
  if (s.NotAction !== undefined || s.NotResource !== undefined)
    throw new Error("NotAction/NotResource unsupported");
  // Action names are case-insensitive; resource ARNs are not.
  const actionHit = asList(s.Action).some(
    (a) => typeof a === "string" && globMatch(a.toLowerCase(), req.action.toLowerCase()),
  );
  const resourceHit = asList(s.Resource).some((r) => typeof r === "string" && globMatch(r, req.resource));
  if (!actionHit || !resourceHit) return false;
  for (const [operator, block] of Object.entries(s.Condition ?? {})) {
    for (const [key, patterns] of Object.entries(block)) {
      if (!conditionHolds(operator, asList(patterns), contextValue(key, req))) return false;
    }
  }
  return true;
}

/** The Sid (or index) of the statement that denies `req`, or undefined when nothing does. */
export function deniedBy(doc: Doc, req: ScpRequest): string | undefined {
  const statements = asList(doc.Statement) as Stmt[];
  const i = statements.findIndex((s) => statementDenies(s, req));
  if (i < 0) return undefined;
  const sid = (statements[i] as { Sid?: unknown }).Sid;
  return typeof sid === "string" ? sid : `#${i}`;
}
