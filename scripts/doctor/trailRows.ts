// The doctor's step 3 as rows of its table.
import type { AccountSelection } from "../../spoke/discovery";
import type { AccountTrail } from "../trail/checkTrails";
import type { DoctorRow } from "./types";

/** Doctor rows: a missing or stopped trail fails (the spoke would watch nothing there). */
export function trailRows(selection: AccountSelection, trails: Map<string, AccountTrail>): DoctorRow[] {
  return selection.selected.flatMap((account): DoctorRow[] => {
    const t = trails.get(account.id);
    if (!t) return [];
    const result =
      t.status === "ok" ? "ok" : t.status === "missing" || t.status === "stopped" ? "fail" : "warn";
    const row: DoctorRow = {
      accountId: account.id,
      name: account.name,
      check: "trail",
      result,
      // The detail names each region's status already ("eu-west-1: missing: ...").
      detail: t.detail,
    };
    if (t.fix) row.fix = t.fix;
    return [row];
  });
}
