// A finding that is the same for every account (the organization trail unreadable, one fix for all)
// is said once, naming the accounts, instead of once per account.
import type { DoctorRow } from "./types";

export function mergeRepeated(rows: DoctorRow[]): DoctorRow[] {
  const key = (r: DoctorRow) => JSON.stringify([r.check, r.result, r.detail, r.fix ?? ""]);
  const groups = new Map<string, DoctorRow[]>();
  for (const r of rows) {
    if (r.result === "ok" || r.result === "skip" || r.accountId === "-") continue;
    groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
  }
  const out: DoctorRow[] = [];
  const said = new Set<string>();
  for (const r of rows) {
    const group = groups.get(key(r));
    if (!group || group.length < 2) {
      out.push(r);
      continue;
    }
    if (said.has(key(r))) continue;
    said.add(key(r));
    out.push({
      ...r,
      accountId: "-",
      name: `${group.length} accounts`,
      detail: `${r.detail} (accounts ${group.map((g) => g.accountId).join(", ")})`,
    });
  }
  return out;
}
