// A DynamoDB client that answers late: for tests of the notifier's deadlines and round trips.
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";

/**
 * The real client, but every call answers `delayMs` late while `slow` is on. Like the SDK, an
 * aborted call rejects at once and never reaches the table.
 */
export function slowClient(client: DynamoDBClient, delayMs: number) {
  const ctl = { slow: false, calls: 0, abortedCalls: 0 };
  const send = async (command: unknown, options?: { abortSignal?: AbortSignal }) => {
    ctl.calls++;
    if (ctl.slow) {
      const signal = options?.abortSignal;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, delayMs);
        signal?.addEventListener("abort", () => {
          clearTimeout(timer);
          ctl.abortedCalls++;
          reject(Object.assign(new Error("Request aborted"), { name: "AbortError" }));
        });
      });
    }
    return (client.send as (c: unknown, o?: unknown) => Promise<unknown>)(command, options);
  };
  // Still a DynamoDBClient (the SDK's paginators check), with the slow `send`.
  const wrapped = Object.assign(Object.create(client) as DynamoDBClient, { send });
  return { client: wrapped, ctl };
}
