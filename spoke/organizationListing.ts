// Reads the organization's accounts: all of them, or those under some OUs and roots, with the SDK's
// paginators at the largest page the list APIs accept.
import {
  paginateListAccounts,
  paginateListAccountsForParent,
  paginateListChildren,
  type Account,
  type OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { DiscoveryError, ouListingError, wrap } from "./discoveryError";

/** Largest page the three list APIs accept. */
const MAX_RESULTS = 20;

export async function listAllAccounts(org: OrganizationsClient): Promise<Account[]> {
  const accounts: Account[] = [];
  try {
    for await (const page of paginateListAccounts({ client: org, pageSize: MAX_RESULTS }, {})) {
      accounts.push(...(page.Accounts ?? []));
    }
  } catch (err) {
    throw wrap("organizations:ListAccounts", err);
  }
  return accounts;
}

/** Every account under each OU or root, recursively. Each OU is read once even if listed twice or nested. */
export async function listAccountsUnder(
  org: OrganizationsClient,
  parents: string[],
): Promise<Map<string, Account>> {
  const found = new Map<string, Account>();
  const visited = new Set<string>();
  const paging = { client: org, pageSize: MAX_RESULTS };
  for (const configured of parents) {
    const queue: string[] = [configured];
    for (let next = 0; next < queue.length; next++) {
      const parent = queue[next] as string;
      if (visited.has(parent)) continue;
      visited.add(parent);
      const where =
        parent === configured
          ? `organizationalUnits: ${parent}`
          : `organizationalUnits: ${parent} (inside ${configured})`;
      const fail = (operation: string, err: unknown): DiscoveryError =>
        ouListingError(where, `${operation} for ${parent}`, err);

      try {
        for await (const page of paginateListAccountsForParent(paging, { ParentId: parent })) {
          for (const a of page.Accounts ?? []) if (a.Id) found.set(a.Id, a);
        }
      } catch (err) {
        throw fail("organizations:ListAccountsForParent", err);
      }
      try {
        const input = { ParentId: parent, ChildType: "ORGANIZATIONAL_UNIT" as const };
        for await (const page of paginateListChildren(paging, input)) {
          for (const c of page.Children ?? []) if (c.Id && !visited.has(c.Id)) queue.push(c.Id);
        }
      } catch (err) {
        throw fail("organizations:ListChildren", err);
      }
    }
  }
  return found;
}
