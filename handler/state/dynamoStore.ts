// StateStore on one DynamoDB table (pk, sk strings; TTL attribute expiresAt), in four parts: event
// claims, activity notes, digest buckets and root sessions. Conditional writes make claims and
// bucket closing safe across concurrent notifier invocations.
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { activityNotes } from "./activityNotes";
import { digestBuckets } from "./digestBuckets";
import { dynamoTable } from "./dynamoTable";
import { eventClaims } from "./eventClaims";
import { rootSessions } from "./rootSessions";
import type { StateStore } from "./stateStore";

export function createDynamoStore(tableName: string, client: DynamoDBClient): StateStore {
  const table = dynamoTable(tableName, client);
  return { ...eventClaims(table), ...activityNotes(table), ...digestBuckets(table), ...rootSessions(table) };
}
