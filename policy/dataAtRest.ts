// Data at rest: topics and queues under a customer-managed key that rotates, logs kept for a while.
import { mandatoryPolicy, T } from "./documents";

export const topicsAndQueuesEncrypted = mandatoryPolicy(
  { name: "sns-sqs-encrypted-with-customer-key", severity: "high", types: [T.topic, T.queue] },
  "Every SNS topic and SQS queue is encrypted with a customer-managed KMS key (kmsMasterKeyId). AWS " +
    "managed keys (alias/aws/sns, alias/aws/sqs) are refused: their policies cannot grant EventBridge " +
    "or CloudWatch alarms, so deliveries to the topic or queue would fail silently.",
  (args, reportViolation) => {
    const key = args.props.kmsMasterKeyId;
    if (typeof key !== "string" || key.trim() === "") {
      reportViolation("is not encrypted: set kmsMasterKeyId to the hub's customer-managed KMS key");
    } else if (/^(arn:[^:]+:kms:[^:]*:[^:]*:)?alias\/aws\//.test(key)) {
      reportViolation(
        `uses the AWS managed key ${key}; use a customer-managed key whose policy grants the senders`,
      );
    }
  },
);

export const kmsKeyRotation = mandatoryPolicy(
  { name: "kms-key-rotation", severity: "medium", types: [T.key] },
  "Every customer-managed symmetric KMS key has automatic rotation enabled.",
  (args, reportViolation) => {
    const spec = args.props.customerMasterKeySpec ?? args.props.keySpec;
    if (spec !== undefined && spec !== null && spec !== "SYMMETRIC_DEFAULT") return;
    if (args.props.enableKeyRotation !== true)
      reportViolation("does not enable key rotation (enableKeyRotation)");
  },
);

export const logGroupRetention = mandatoryPolicy(
  { name: "log-group-retention", severity: "low", types: [T.logGroup] },
  "Every CloudWatch log group has a retention period (retentionInDays), so logs neither vanish nor pile up forever.",
  (args, reportViolation) => {
    const days = args.props.retentionInDays;
    if (typeof days !== "number" || !Number.isInteger(days) || days <= 0) {
      reportViolation("has no retention period: set retentionInDays");
    }
  },
);
