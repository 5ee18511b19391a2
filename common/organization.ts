// Asks AWS Organizations which organization the stack's credentials belong to.
import type { OrganizationsClient } from "@aws-sdk/client-organizations";

export interface OrganizationInfo {
  id: string;
  managementAccountId?: string;
}

/** Any account of an organization may call DescribeOrganization. */
export async function describeOrganization(
  client?: OrganizationsClient,
  profile?: string,
): Promise<OrganizationInfo> {
  const orgs = require("@aws-sdk/client-organizations") as typeof import("@aws-sdk/client-organizations");
  const c = client ?? new orgs.OrganizationsClient({ region: "us-east-1", profile });
  try {
    const out = await c.send(new orgs.DescribeOrganizationCommand({}));
    const id = out.Organization?.Id;
    if (!id) throw new Error("DescribeOrganization returned no organization ID");
    return { id, managementAccountId: out.Organization?.MasterAccountId };
  } catch (err) {
    const name = (err as { name?: string }).name ?? "Error";
    throw new Error(
      `Could not discover the AWS Organization (${name}: ${(err as Error).message}). ` +
        "Run with credentials of an account in the organization, or set root-activity-monitor:organizationId " +
        "(for example o-a1b2c3d4e5; see `aws organizations describe-organization`).",
      { cause: err },
    );
  } finally {
    if (!client) c.destroy();
  }
}
