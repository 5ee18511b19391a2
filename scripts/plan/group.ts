// What the program registered, grouped for reading: resources per account and type, the distinct
// rule patterns, and every policy text once with the resources that carry it.
import type { ProgramRun, RecordedResource } from "../../testkit/program";
import type { AccountRow, PatternGroup, PolicyGroup } from "./types";

/** The account a resource is created in: its provider's (`account-<id>`), else the caller's. */
export function accountOf(r: RecordedResource, callerAccountId: string): string {
  // A provider for an account is named after it; it is used from the caller's credentials, but it
  // stands for the account it reaches.
  const where = r.type.startsWith("pulumi:providers:") ? r.name : (r.provider ?? "");
  return /account-(\d{12})/.exec(where)?.[1] ?? callerAccountId;
}

/** The text with the resource's own account written `<account>`: as a whole value, or in an IAM ARN. */
function generic(text: string, accountId: string): string {
  return text.replaceAll(`"${accountId}"`, '"<account>"').replaceAll(`::${accountId}:`, "::<account>:");
}

/** Cloud resources and providers; the program's own components and stack references are not created in AWS. */
export function isCreated(r: RecordedResource): boolean {
  return r.type.startsWith("aws:") || r.type.startsWith("pulumi:providers:");
}

/** `aws:cloudwatch/eventRule:EventRule` -> `EventRule`; a provider is `Provider`. */
export function shortType(type: string): string {
  return type.startsWith("pulumi:providers:") ? "Provider" : (type.split(":").pop() ?? type);
}

export function accountRows(
  run: ProgramRun,
  callerAccountId: string,
  names: Map<string, string>,
  stackRegion: string,
): { rows: AccountRow[]; types: string[] } {
  const byAccount = new Map<string, AccountRow>();
  const types = new Set<string>();
  for (const r of run.resources.filter(isCreated)) {
    const id = accountOf(r, callerAccountId);
    const row = byAccount.get(id) ?? { accountId: id, name: names.get(id) ?? "", counts: {}, regions: [] };
    byAccount.set(id, row);
    const t = shortType(r.type);
    types.add(t);
    row.counts[t] = (row.counts[t] ?? 0) + 1;
    const region = typeof r.inputs.region === "string" ? r.inputs.region : stackRegion;
    if (r.type.startsWith("aws:") && !row.regions.includes(region)) row.regions.push(region);
  }
  const rows = [...byAccount.values()].sort((a, b) => (a.accountId < b.accountId ? -1 : 1));
  for (const row of rows) row.regions.sort();
  return { rows, types: [...types].sort() };
}

export function patternGroups(run: ProgramRun, callerAccountId: string, stackRegion: string): PatternGroup[] {
  const groups = new Map<string, PatternGroup & { ids: Set<string> }>();
  for (const r of run.resources.filter((x) => x.type === "aws:cloudwatch/eventRule:EventRule")) {
    const raw = r.inputs.eventPattern;
    if (typeof raw !== "string") continue;
    const bus = typeof r.inputs.eventBusName === "string" ? r.inputs.eventBusName : "default";
    const pattern = generic(JSON.stringify(JSON.parse(raw), null, 2), accountOf(r, callerAccountId));
    const key = `${bus}\n${pattern}`;
    const g = groups.get(key) ?? { bus, pattern, rules: 0, accounts: 0, regions: [], ids: new Set<string>() };
    groups.set(key, g);
    g.rules++;
    g.ids.add(accountOf(r, callerAccountId));
    const region = typeof r.inputs.region === "string" ? r.inputs.region : stackRegion;
    if (!g.regions.includes(region)) g.regions.push(region);
  }
  return [...groups.values()].map(({ ids, ...g }) => ({
    ...g,
    accounts: ids.size,
    regions: g.regions.sort(),
  }));
}

function policyTexts(value: unknown, at: string, out: { at: string; doc: unknown }[]): void {
  if (typeof value === "string") {
    if (!value.includes("Statement")) return;
    try {
      const doc = JSON.parse(value) as unknown;
      if (doc && typeof doc === "object" && "Statement" in doc) out.push({ at, doc });
    } catch {
      // Not JSON: not a policy.
    }
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => policyTexts(v, `${at}[${i}]`, out));
  } else if (value && typeof value === "object") {
    const named = (value as { name?: unknown }).name;
    for (const [k, v] of Object.entries(value)) {
      if (k === "name") continue;
      policyTexts(v, typeof named === "string" ? `${at} ${named}` : `${at}.${k}`, out);
    }
  }
}

/** Every policy document in the resources' inputs, the same text once (the resource's own account as `<account>`). */
export function policyGroups(run: ProgramRun, callerAccountId: string): PolicyGroup[] {
  const groups = new Map<string, PolicyGroup>();
  for (const r of run.resources.filter((x) => x.type.startsWith("aws:"))) {
    const accountId = accountOf(r, callerAccountId);
    for (const [key, value] of Object.entries(r.inputs)) {
      const found: { at: string; doc: unknown }[] = [];
      policyTexts(value, key, found);
      for (const { at, doc } of found) {
        const text = generic(JSON.stringify(doc, null, 2), accountId);
        const where = `${r.type} ${at}`;
        const id = `${where}\n${text}`;
        const kind = r.type.startsWith("aws:iam/") ? "iam" : "resource";
        const g = groups.get(id) ?? { kind, where, text, resources: [] };
        groups.set(id, g);
        g.resources.push({ name: r.name, accountId });
      }
    }
  }
  return [...groups.values()].sort((a, b) =>
    a.kind !== b.kind ? (a.kind === "iam" ? -1 : 1) : a.where < b.where ? -1 : a.where > b.where ? 1 : 0,
  );
}
