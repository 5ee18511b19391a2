import * as pulumi from "@pulumi/pulumi";
import { isSecretConfig, PROJECT, type ConfigSource } from "../common/config";
import { stackProfile, stackRegion } from "../common/awsRegion";
import { describeOrganization } from "../common/organization";
import { readHubConfig } from "./config";
import { RootActivityHub } from "./hub";

export async function deployHub(cfg: ConfigSource): Promise<Record<string, unknown>> {
  const config = readHubConfig(cfg, isSecretConfig);
  const region = stackRegion();
  const organizationId = config.organizationId ?? (await describeOrganization(undefined, stackProfile())).id;
  const webhookUrl = config.webhook ? new pulumi.Config(PROJECT).requireSecret("webhookUrl") : undefined;
  const hub = new RootActivityHub("root-activity-hub", {
    ...config,
    organizationId,
    ...(webhookUrl ? { webhookUrl } : {}),
    // The stacks this program made before the hub was split hold its resources by those URNs.
    preSplitUrns: true,
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
  };
}
