// A DynamoDB endpoint whose answers come late: an HTTP proxy in front of dynalite that forwards each
// request at once (the write is applied) and holds only the answer back, as under throttling, a
// latency spike or a lost response. The SDK's own timeouts and retries run against it unchanged, so
// a retried conditional write meets the item its first attempt already wrote.
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface LateAnswer {
  /** The DynamoDB operation, e.g. "UpdateItem". */
  operation: string;
  /** The SDK's attempt number (header amz-sdk-request: attempt=N; max=M), 1 for the first. */
  attempt: number;
}

/** How long to hold an answer back, in ms. */
export type LatePolicy = (req: LateAnswer) => number;

export interface LateDynamo {
  url: string;
  /** Requests forwarded so far, retries included. */
  requests: LateAnswer[];
  policy: LatePolicy;
  close(): Promise<void>;
}

/** Every answer `ms` late. */
export const everyAnswerLate =
  (ms: number): LatePolicy =>
  () =>
    ms;

/** Only each request's first attempt answered `ms` late; the SDK's retry is answered at once. */
export const firstAttemptLate =
  (ms: number): LatePolicy =>
  (r) =>
    r.attempt === 1 ? ms : 0;

export async function startLateDynamo(target: string, policy: LatePolicy): Promise<LateDynamo> {
  const to = new URL(target);
  const requests: LateAnswer[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const target = String(req.headers["x-amz-target"] ?? "");
      const attempt = Number(/attempt=(\d+)/.exec(String(req.headers["amz-sdk-request"] ?? ""))?.[1] ?? 1);
      const answer: LateAnswer = { operation: target.split(".")[1] ?? "unknown", attempt };
      requests.push(answer);
      const upstream = http.request(
        {
          host: to.hostname,
          port: to.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: to.host },
        },
        (up) => {
          const parts: Buffer[] = [];
          up.on("data", (c: Buffer) => parts.push(c));
          up.on("end", () => {
            // The write is applied by now; only the answer waits.
            setTimeout(() => {
              if (res.destroyed) return;
              res.writeHead(up.statusCode ?? 500, up.headers);
              res.end(Buffer.concat(parts));
            }, handle.policy(answer));
          });
        },
      );
      upstream.on("error", () => {
        if (!res.destroyed) res.destroy();
      });
      upstream.end(body);
    });
    // The SDK gives up at its request timeout and closes the socket: nothing to answer then.
    res.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const handle: LateDynamo = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    policy,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return handle;
}
