import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { isSecretConfig, PROJECT, type ConfigSource } from "../common/config";
import { stackProfile, stackRegion } from "../common/awsRegion";
import { describeOrganization } from "../common/organization";
import { readHubConfig } from "./config";
import { readSpokeSelections } from "./coverage/spokeStacks";
import { RootActivityHub } from "./hub";

/** The project directory: where the spoke stack files are. */
const PROJECT_DIR = path.join(__dirname, "..");

/** `spokeStackDir`: where to read the spoke stack files (tests); default the project directory. */
export async function deployHub(
  cfg: ConfigSource,
  spokeStackDir: string = PROJECT_DIR,
): Promise<Record<string, unknown>> {
  const config = readHubConfig(cfg, isSecretConfig);
  const region = stackRegion();
  const organizationId = config.organizationId ?? (await describeOrganization(undefined, stackProfile())).id;
  const webhookUrl = config.webhook ? new pulumi.Config(PROJECT).requireSecret("webhookUrl") : undefined;
  const spokeStacks = readSpokeSelections(spokeStackDir);
  const hub = new RootActivityHub("root-activity-hub", {
    ...config,
    organizationId,
    ...(webhookUrl ? { webhookUrl } : {}),
    // The stacks this program made before the hub was split hold its resources by those URNs.
    preSplitUrns: true,
    spokeStacks,
  });
  return {
    role: "hub",
    region,
    organizationId,
    eventBusArn: hub.eventBusArn,
    eventBusName: hub.eventBusName,
    topicArn: hub.topicArn,
    notifierFunctionName: hub.notifierName,
    notifierLogGroupName: hub.notifierLogGroupName,
    stateTableName: hub.stateTableName,
    eventQueueUrl: hub.eventQueueUrl,
    deadLetterQueueUrl: hub.deadLetterQueueUrl,
    deadLetterQueueArn: hub.deadLetterQueueArn,
    eventQueueArn: hub.eventQueueArn,
    ruleState: hub.ruleState,
    coverageFunctionName: hub.coverageFunctionName,
    coverageTrigger: config.coverage.kind,
    // What the coverage function embeds; the doctor compares it with the spoke stack files.
    coverageSpokeStacks: spokeStacks,
  };
}
