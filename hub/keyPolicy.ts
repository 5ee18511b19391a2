// Key policy of the hub's customer-managed KMS key.
import * as pulumi from "@pulumi/pulumi";
import { policyDocument, sourceConditions, type Statement } from "../common/iamPolicy";
import { hubAccountRoot, hubAlarmArns, hubArn, type HubAccount } from "./parts";

// Explicit instead of kms:*: everything the account (and so Pulumi) needs to manage the key and
// to delegate use to IAM roles, nothing that a future KMS action would silently add.
export const KEY_ADMIN_ACTIONS = [
  "kms:CancelKeyDeletion",
  "kms:CreateGrant",
  "kms:Decrypt",
  "kms:DescribeKey",
  "kms:DisableKey",
  "kms:DisableKeyRotation",
  "kms:EnableKey",
  "kms:EnableKeyRotation",
  "kms:Encrypt",
  "kms:GenerateDataKey",
  "kms:GetKeyPolicy",
  "kms:GetKeyRotationStatus",
  "kms:ListGrants",
  "kms:ListKeyRotations",
  "kms:ListResourceTags",
  "kms:PutKeyPolicy",
  "kms:RetireGrant",
  "kms:RevokeGrant",
  "kms:RotateKeyOnDemand",
  "kms:ScheduleKeyDeletion",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:UpdateKeyDescription",
];

export function hubKeyPolicy(a: HubAccount, eventBusName: string): pulumi.Output<string> {
  return policyDocument([
    {
      // Without this the key can become unmanageable; IAM policies then decide who uses it.
      Sid: "AccountManagesKey",
      Effect: "Allow",
      Principal: { AWS: hubAccountRoot(a) },
      Action: KEY_ADMIN_ACTIONS,
      Resource: "*",
    },
    // EventBridge must encrypt what it puts on the encrypted queues, or delivery fails silently.
    serviceMayUseKey(
      "HubRulesEncryptForQueues",
      "events.amazonaws.com",
      sourceConditions(a.accountId, hubArn(a, "events", `rule/${eventBusName}/*`)),
    ),
    // Alarms publish to the encrypted topic; without this grant they fire into the void.
    serviceMayUseKey(
      "AlarmsEncryptForTopic",
      "cloudwatch.amazonaws.com",
      sourceConditions(a.accountId, hubAlarmArns(a)),
    ),
  ]);
}

function serviceMayUseKey(sid: string, service: string, condition: Statement["Condition"]): Statement {
  return {
    Sid: sid,
    Effect: "Allow",
    Principal: { Service: service },
    Action: ["kms:GenerateDataKey", "kms:Decrypt"],
    Resource: "*",
    Condition: condition,
  };
}
