import * as pulumi from "@pulumi/pulumi";
import type { ConfigSource } from "../common/config";
import { stackProfile, stackRegion } from "../common/awsRegion";
import { readSpokeConfig, type HubLocation } from "./config";
import { discoverAccounts } from "./discovery";
import { deployGuard } from "./guardDeploy";
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
  if (!selection.managementAccountId) {
    void pulumi.log.warn(
      "The management account is unknown (organizations:DescribeOrganization was denied): no rule forwards the organization's account changes, so new accounts wait for the next scheduled update.",
    );
  }

  const spoke = await RootActivitySpoke.create("root-activity-spoke", {
    hubEventBusArn: hubBusArn(config.hub),
    accounts: selection.selected,
    callerAccountId: selection.callerAccountId,
    callerArn: selection.callerArn,
    ...(selection.managementAccountId ? { managementAccountId: selection.managementAccountId } : {}),
    ...(config.controlTowerHomeRegion ? { controlTowerHomeRegion: config.controlTowerHomeRegion } : {}),
    regions: config.regions,
    memberRoleName: config.memberRoleName,
    includeReadOnlyEvents: config.includeReadOnlyEvents,
    providerRegion: region,
    profile,
  });

  const guard = await deployGuard(config, selection, region, profile);

  return {
    role: "spoke",
    guard,
    callerAccountId: selection.callerAccountId,
    shard: config.shard ? `${config.shard.index}/${config.shard.count}` : "1/1",
    coverage: selection.selected.map((a) => ({ id: a.id, name: a.name, regions: config.regions })),
    skipped: selection.skipped,
    counts: {
      accounts: selection.selected.length,
      regions: config.regions.length,
      rules: spoke.ruleCount,
      lifecycleRules: spoke.lifecycleRuleCount,
      skipped: selection.skipped.length,
      otherShards: selection.otherShards,
    },
  };
}
