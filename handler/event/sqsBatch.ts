// The SQS batch: records are processed concurrently, and each record that fails is reported as a
// batch item failure, so SQS redelivers only those. A failed record without a messageId cannot be
// named: then the whole batch fails.
import type { SQSBatchItemFailure, SQSBatchResponse, SQSEvent } from "aws-lambda";
import { isObject } from "./objects";
import { errorText } from "../support/deadline";

/** An SQS event, as Lambda delivers it: `{ Records: [...] }`. Its records are still unchecked. */
export function isSqsEvent(event: unknown): event is SQSEvent {
  return isObject(event) && Array.isArray(event.Records);
}

/** A record's messageId, when it has a usable one. */
export function messageIdOf(record: unknown): string | undefined {
  return isObject(record) && typeof record.messageId === "string" ? record.messageId : undefined;
}

export async function processBatch(
  event: SQSEvent,
  processRecord: (record: unknown) => Promise<void>,
  log: (line: Record<string, unknown>) => void,
): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchItemFailure[] = [];
  let unidentifiedFailures = 0;
  await Promise.all(
    (event.Records as unknown[]).map(async (record) => {
      try {
        await processRecord(record);
      } catch (err) {
        const id = messageIdOf(record);
        if (id !== undefined && id !== "") batchItemFailures.push({ itemIdentifier: id });
        else unidentifiedFailures++;
        log({
          level: "error",
          msg: "record failed; SQS will redeliver it",
          sqsMessageId: id,
          error: errorText(err),
        });
      }
    }),
  );
  if (unidentifiedFailures > 0) {
    // Cannot name the failed record: fail the whole batch so SQS redelivers all of it.
    throw new Error(`${unidentifiedFailures} SQS record(s) without a messageId could not be published`);
  }
  return { batchItemFailures };
}
