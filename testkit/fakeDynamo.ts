// A local DynamoDB (dynalite: the DynamoDB API, conditional expressions included, in memory) with the
// hub's state table, for the notifier's storm control and duplicate suppression.
import type { AddressInfo } from "node:net";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";

const dynalite = require("dynalite") as (opts: { createTableMs: number }) => {
  listen(port: number, cb: () => void): void;
  address(): AddressInfo;
  close(cb?: () => void): void;
  on(event: "request", listener: () => void): void;
};

export interface FakeDynamo {
  url: string;
  client: DynamoDBClient;
  /** Creates a table with the hub's key schema (pk, sk strings). */
  createTable(name: string): Promise<void>;
  /** HTTP requests served so far (one per DynamoDB API call, retries included). */
  requestCount(): number;
  close(): Promise<void>;
}

export async function startFakeDynamo(): Promise<FakeDynamo> {
  const server = dynalite({ createTableMs: 0 });
  let requests = 0;
  server.on("request", () => requests++);
  await new Promise<void>((resolve) => server.listen(0, resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  const client = new DynamoDBClient({
    endpoint: url,
    region: "us-east-1",
    credentials: { accessKeyId: "AKIAFAKE", secretAccessKey: "fake" },
  });
  return {
    url,
    client,
    async createTable(name) {
      await client.send(
        new CreateTableCommand({
          TableName: name,
          KeySchema: [
            { AttributeName: "pk", KeyType: "HASH" },
            { AttributeName: "sk", KeyType: "RANGE" },
          ],
          AttributeDefinitions: [
            { AttributeName: "pk", AttributeType: "S" },
            { AttributeName: "sk", AttributeType: "S" },
          ],
          BillingMode: "PAY_PER_REQUEST",
        }),
      );
    },
    requestCount: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        client.destroy();
        server.close(() => resolve());
      }),
  };
}
