// A program with two hubs in one stack, from the stack's hub config, for tests/hub/names.test.ts:
// the hubs' names alone must keep their URNs apart. Only the first holds pre-split URNs.
import * as pulumi from "@pulumi/pulumi";
import { isSecretConfig, PROJECT, projectConfig } from "../common/config";
import { readHubConfig } from "../hub/config";
import { RootActivityHub } from "../hub/hub";

const TWO_HUBS = [
  { name: "hub-a", eventBusName: "root-activity-a", preSplitUrns: true },
  { name: "hub-b", eventBusName: "root-activity-b", preSplitUrns: false },
];

export = async (): Promise<Record<string, unknown>> => {
  const config = readHubConfig(projectConfig(), isSecretConfig);
  const webhookUrl = config.webhook ? new pulumi.Config(PROJECT).requireSecret("webhookUrl") : undefined;
  const hubs = TWO_HUBS.map(
    (h) =>
      new RootActivityHub(h.name, {
        ...config,
        organizationId: config.organizationId ?? "o-exampleorg1",
        eventBusName: h.eventBusName,
        preSplitUrns: h.preSplitUrns,
        ...(webhookUrl ? { webhookUrl } : {}),
      }),
  );
  return { topicArns: hubs.map((h) => h.topicArn) };
};
