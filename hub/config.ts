// Hub stack config: who is told, which organization may send, how long logs are kept.
import { ORGANIZATION_ID } from "../common/awsNames";
import { configError, readBoolean, readMatching, readStringList, type ConfigSource } from "../common/config";
import { readCoverageConfig, type CoverageConfig } from "./coverage/config";
import {
  EMAIL,
  readSubscriptions,
  readWebhook,
  type Subscription,
  type WebhookConfig,
} from "./subscriptions";

export interface HubConfig {
  notificationEmails: string[];
  organizationId?: string;
  eventBusName: string;
  includeReadOnlyEvents: boolean;
  logRetentionDays: number;
  subscriptions: Subscription[];
  webhook?: WebhookConfig;
  /** What happens when the organization gains, moves or loses an account (hub/coverage/). */
  coverage: CoverageConfig;
}

const BUS_NAME = /^[A-Za-z0-9._-]{1,256}$/;
/** Values CloudWatch Logs accepts for retentionInDays. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

export function readHubConfig(
  cfg: ConfigSource,
  isSecret: (key: string) => boolean = () => false,
): HubConfig {
  const notificationEmails = readStringList(cfg, "notificationEmails") ?? [];
  const subscriptions = readSubscriptions(cfg);
  if (notificationEmails.length === 0 && subscriptions.length === 0) {
    throw configError(
      "notificationEmails",
      "no one would be told about root activity. Give at least one address (or a subscriptions entry): pulumi config set --path 'root-activity-monitor:notificationEmails[0]' security@example.com",
    );
  }
  const badEmails = notificationEmails.filter((e) => e.length > 254 || !EMAIL.test(e));
  if (badEmails.length > 0) {
    throw configError(
      "notificationEmails",
      `${badEmails.map((e) => JSON.stringify(e)).join(", ")} is not an email address.`,
    );
  }
  const dupEmails = notificationEmails.filter((e, i) => notificationEmails.indexOf(e) !== i);
  if (dupEmails.length > 0)
    throw configError("notificationEmails", `${dupEmails.join(", ")} is listed twice.`);

  const organizationId = readMatching(
    cfg,
    "organizationId",
    ORGANIZATION_ID,
    "an organization ID like o-a1b2c3d4e5",
  );

  const eventBusName =
    readMatching(cfg, "eventBusName", BUS_NAME, "a valid event bus name") ?? "root-activity";
  if (eventBusName === "default" || eventBusName.startsWith("aws.")) {
    throw configError(
      "eventBusName",
      `"${eventBusName}" is reserved; the hub needs a custom bus of its own.`,
    );
  }

  const retentionRaw = cfg.get("logRetentionDays");
  const logRetentionDays = retentionRaw === undefined || retentionRaw === "" ? 365 : Number(retentionRaw);
  if (!LOG_RETENTION_DAYS.includes(logRetentionDays)) {
    throw configError(
      "logRetentionDays",
      `"${retentionRaw}" is not one of ${LOG_RETENTION_DAYS.join(", ")}.`,
    );
  }

  const webhook = readWebhook(cfg, isSecret);
  const again = subscriptions.find((s) => s.protocol === "email" && notificationEmails.includes(s.endpoint));
  if (again) {
    throw configError(
      "subscriptions",
      `${again.endpoint} is in notificationEmails too; keep one of the two.`,
    );
  }
  return {
    notificationEmails,
    organizationId,
    eventBusName,
    includeReadOnlyEvents: readBoolean(cfg, "includeReadOnlyEvents", true),
    logRetentionDays,
    subscriptions,
    ...(webhook ? { webhook } : {}),
    coverage: readCoverageConfig(cfg),
  };
}
