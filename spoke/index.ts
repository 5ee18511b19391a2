import * as pulumi from "@pulumi/pulumi";
import type { ConfigSource } from "../common/config";
import { stackProfile, stackRegion } from "../common/awsRegion";
import { readSpokeConfig, type HubLocation } from "./config";
import { discoverAccounts } from "./discovery";
import { RootActivitySpoke } from "./spoke";

/** A plain string when configured; an Output only when it has to be read from the hub stack. */
function hubBusArn(hub: HubLocation): pulumi.Input<string> {
  if ("hubEventBusArn" in hub) return hub.hubEventBusArn;
  return new pulumi.StackReference(hub.hubStack).requireOutput("eventBusArn") as pulumi.Output<string>;
}

export async function deploySpoke(cfg: ConfigSource): Promise<Record<string, unknown>> {
  const config = readSpokeConfig(cfg);
  const region = stackRegion();
  const profile = stackProfile();
  const selection = await discoverAccounts({
    include: config.include,
    exclude: config.exclude,
    organizationalUnits: config.organizationalUnits,
    shard: config.shard,
    profile,
  });
  for (const warning of selection.warnings) void pulumi.log.warn(warning);

  const spoke = await RootActivitySpoke.create("root-activity-spoke", {
    hubEventBusArn: hubBusArn(config.hub),
    accounts: selection.selected,
    callerAccountId: selection.callerAccountId,
    regions: config.regions,
    memberRoleName: config.memberRoleName,
    includeReadOnlyEvents: config.includeReadOnlyEvents,
    providerRegion: region,
    profile,
  });

  return {
    role: "spoke",
    callerAccountId: selection.callerAccountId,
    shard: config.shard ? `${config.shard.index}/${config.shard.count}` : "1/1",
    coverage: selection.selected.map((a) => ({ id: a.id, name: a.name, regions: config.regions })),
    skipped: selection.skipped,
    counts: {
      accounts: selection.selected.length,
      regions: config.regions.length,
      rules: spoke.ruleCount,
      skipped: selection.skipped.length,
      otherShards: selection.otherShards,
    },
  };
}
