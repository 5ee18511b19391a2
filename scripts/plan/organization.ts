// The organization the plan runs over, served as the spoke program would find it: the test kit's
// fake AWS endpoint answers Organizations and STS, built from an organization file or the example.
import { defaultOrg, FakeOrganization } from "../../testkit/fakeOrganization";
import type { OrgFile } from "./types";

export function organizationOf(file: OrgFile | undefined): FakeOrganization {
  if (!file) return defaultOrg();
  const org = new FakeOrganization({
    organizationId: file.organizationId,
    rootId: file.rootId,
    managementAccountId: file.managementAccountId,
  });
  // Parents before children, whatever order the file lists them in.
  const pending = [...file.organizationalUnits];
  while (pending.length > 0) {
    const i = pending.findIndex((o) => o.parent === file.rootId || org.ous.has(o.parent));
    if (i < 0) throw new Error(`organizational units form a cycle: ${pending.map((o) => o.id).join(", ")}`);
    const [ou] = pending.splice(i, 1);
    if (ou) org.addOu(ou.id, ou.name, ou.parent);
  }
  for (const a of file.accounts) {
    org.addAccount({ id: a.id, name: a.name, parentId: a.parent, status: a.status });
  }
  return org;
}
