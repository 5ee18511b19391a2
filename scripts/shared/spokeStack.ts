// A spoke stack as the doctor and the reports read it: its file, its role checked first (as the
// program reads it), its config, and what discovery selects for it today.
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { STSClient } from "@aws-sdk/client-sts";
import { errorMessage } from "../../common/errors";
import { readSpokeConfig, type SpokeConfig } from "../../spoke/config";
import { discoverAccounts, type AccountSelection } from "../../spoke/discovery";
import { UsageError } from "./cli";
import { memoizeSend } from "./memoize";
import { loadStackConfig, requireSpoke } from "./stackConfig";

export interface LoadedStack {
  stack: string;
  config: SpokeConfig;
  region?: string;
  profile?: string;
}

/**
 * A spoke stack's file and config. A stack of another role is refused in one line naming `tool`; a
 * config error names the file, and the ESC environments whose values a script cannot see.
 */
export function loadSpoke(stack: string, dir: string, tool: string): LoadedStack {
  const file = loadStackConfig(stack, dir);
  requireSpoke(file, stack, tool);
  let config: SpokeConfig;
  try {
    config = readSpokeConfig(file.source);
  } catch (err) {
    const esc =
      file.environments.length > 0
        ? ` (values from the imported environments ${file.environments.join(", ")} are not visible to ${tool})`
        : "";
    throw new UsageError(`${file.file}: ${errorMessage(err)}${esc}`);
  }
  const loaded: LoadedStack = { stack, config };
  if (file.region) loaded.region = file.region;
  if (file.profile) loaded.profile = file.profile;
  return loaded;
}

/** Sets AWS_PROFILE from the stack's aws:profile, as `pulumi up` would use it, unless already set. */
export function useStackProfile(s: LoadedStack): void {
  if (s.profile && !process.env.AWS_PROFILE) process.env.AWS_PROFILE = s.profile;
}

export interface OrganizationClients {
  organizations: OrganizationsClient;
  sts: STSClient;
}

/**
 * The spoke stacks a report reads, in the region of the first (with its aws:profile), and clients
 * there whose answers are memoized: one listing of the organization serves every stack's discovery.
 */
export function openSpokes(
  names: string[],
  dir: string,
  tool: string,
  given: Partial<OrganizationClients> = {},
): { stacks: LoadedStack[]; region: string; clients: OrganizationClients } {
  const stacks = names.map((s) => loadSpoke(s, dir, tool));
  const first = stacks[0];
  if (!first) throw new UsageError("No spoke stack to report on.");
  const region = first.region ?? process.env.AWS_REGION ?? "us-east-1";
  useStackProfile(first);
  const clients = {
    organizations: memoizeSend(given.organizations ?? new OrganizationsClient({ region })),
    sts: memoizeSend(given.sts ?? new STSClient({ region })),
  };
  return { stacks, region, clients };
}

/** What the stack selects today, with its config; a discovery error names the stack. */
export async function discoverSpoke(
  s: LoadedStack,
  region: string,
  clients: OrganizationClients,
): Promise<AccountSelection> {
  try {
    return await discoverAccounts({
      include: s.config.include,
      exclude: s.config.exclude,
      organizationalUnits: s.config.organizationalUnits,
      shard: s.config.shard,
      region,
      clients,
    });
  } catch (err) {
    throw new UsageError(`Stack ${s.stack}: ${errorMessage(err)}`);
  }
}
