// Account names for alerts: Organizations DescribeAccount, capped, with a container-lifetime cache
// (successes kept, failures retried after a while) and one lookup per account in flight. No module-
// level Map: the cache is a plain object.
import { isAccountId } from "../../common/awsNames";
import type { AccountName } from "./alertModel";
import { NAME_FAILURE_RETRY_AFTER_MS, NAME_LOOKUP_CAP_MS } from "../support/budget";
import { errorText, withDeadline } from "../support/deadline";
import type { Kit, NameCache } from "../support/deps";
import { oneLine } from "../support/text";

export type AccountNames = (accountId: string | undefined) => Promise<AccountName>;

/** The lookup never rejects: a failure is an AccountName that says why. */
export function createAccountNames(kit: Kit): AccountNames {
  const { deps, now } = kit;
  const cache: NameCache = deps.nameCache ?? {};
  const cap = deps.nameLookupCapMs ?? NAME_LOOKUP_CAP_MS;
  // Lookups in flight during this invocation, so one batch asks once per account.
  const inFlight: Record<string, Promise<AccountName>> = {};

  async function lookup(id: string): Promise<AccountName> {
    try {
      const name = await withDeadline(cap, "Organizations DescribeAccount", (signal) =>
        deps.lookupAccountName(id, signal),
      );
      if (typeof name !== "string" || name.trim() === "")
        throw new Error("DescribeAccount returned no Account.Name");
      cache[id] = { name };
      return { ok: true, name };
    } catch (err) {
      const reason = `lookup failed: ${errorText(err)}`;
      cache[id] = { failedAt: now().getTime(), reason };
      kit.log({ level: "warn", msg: "account name lookup failed", accountId: id, reason });
      return { ok: false, reason };
    }
  }

  return async (id) => {
    if (id === undefined || id === "") return { ok: false, reason: "no account ID in the event" };
    if (!isAccountId(id)) return { ok: false, reason: `"${oneLine(id, 40)}" is not a 12-digit account ID` };
    const hit = cache[id];
    if (hit?.name !== undefined) return { ok: true, name: hit.name };
    if (hit?.failedAt !== undefined && now().getTime() - hit.failedAt < NAME_FAILURE_RETRY_AFTER_MS) {
      return { ok: false, reason: `${hit.reason ?? "lookup failed"} (recently; not retried yet)` };
    }
    const pending = inFlight[id] ?? lookup(id);
    inFlight[id] = pending;
    try {
      return await pending;
    } finally {
      delete inFlight[id];
    }
  };
}
