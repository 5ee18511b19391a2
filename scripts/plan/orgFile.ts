// An organization for the offline plan, from a file of account IDs and OUs:
//
//   managementAccountId: "111111111111"   # optional: the first account
//   organizationalUnits:                  # optional
//     - { id: ou-ab12-11111111, name: Workloads }           # parent: the root unless given
//   accounts:
//     - "111111111111"                                       # an ID alone: ACTIVE, under the root
//     - { id: "123456789012", name: prod, parent: ou-ab12-11111111, status: ACTIVE }
import * as fs from "node:fs";
import { parse } from "yaml";
import { ACCOUNT_ID } from "../../common/awsNames";
import { errorMessage } from "../../common/errors";
import { UsageError } from "../shared/cli";
import type { OrgFile, OrgFileAccount } from "./types";

const STATUSES = ["ACTIVE", "SUSPENDED", "PENDING_CLOSURE"] as const;
const OU_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

export function readOrgFile(file: string): OrgFile {
  let doc: unknown;
  try {
    doc = parse(fs.readFileSync(file, "utf8")) as unknown;
  } catch (err) {
    throw new UsageError(`Cannot read the organization file ${file}: ${errorMessage(err)}`);
  }
  const bad = (what: string) =>
    new UsageError(`${file}: ${what} (the file's shape is in README, "Offline plan").`);
  if (!isObject(doc) || !Array.isArray(doc.accounts) || doc.accounts.length === 0)
    throw bad("expected a mapping with a non-empty accounts: list");
  const rootId = typeof doc.rootId === "string" ? doc.rootId : "r-ab12";
  const ous = (Array.isArray(doc.organizationalUnits) ? doc.organizationalUnits : []).map((o, i) => {
    if (!isObject(o) || typeof o.id !== "string" || !OU_ID.test(o.id))
      throw bad(`organizationalUnits[${i}] needs an id like ou-ab12-11111111`);
    const parent = typeof o.parent === "string" ? o.parent : rootId;
    return { id: o.id, name: typeof o.name === "string" ? o.name : o.id, parent };
  });
  const known = new Set([rootId, ...ous.map((o) => o.id)]);
  for (const o of ous) if (!known.has(o.parent)) throw bad(`OU ${o.id}: no parent ${o.parent} in the file`);
  const accounts = (doc.accounts as unknown[]).map((a, i): OrgFileAccount => {
    const entry = isObject(a) ? a : { id: a };
    const id = String(entry.id ?? "");
    if (!ACCOUNT_ID.test(id))
      throw bad(`accounts[${i}]: ${JSON.stringify(entry.id)} is not a 12-digit account ID (quote IDs)`);
    const parent = typeof entry.parent === "string" ? entry.parent : rootId;
    if (!known.has(parent)) throw bad(`account ${id}: no OU ${parent} in organizationalUnits`);
    const status = entry.status ?? "ACTIVE";
    if (!(STATUSES as readonly unknown[]).includes(status))
      throw bad(`account ${id}: status is one of ${STATUSES.join(", ")}`);
    const name = typeof entry.name === "string" ? entry.name : `account-${id}`;
    return { id, name, parent, status: status as OrgFileAccount["status"] };
  });
  const management = typeof doc.managementAccountId === "string" ? doc.managementAccountId : accounts[0]?.id;
  if (!accounts.some((a) => a.id === management))
    throw bad(`managementAccountId ${String(management)} is not in accounts`);
  return {
    organizationId: typeof doc.organizationId === "string" ? doc.organizationId : "o-planexample1",
    rootId,
    managementAccountId: management as string,
    organizationalUnits: ous,
    accounts,
  };
}
