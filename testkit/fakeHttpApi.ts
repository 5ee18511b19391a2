// A local HTTP server standing in for the Pulumi Cloud REST API and GitHub's, for the coverage
// function's tests: it records every request (method, path, headers, body) and answers from handlers.
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface ApiRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface ApiAnswer {
  status: number;
  body?: unknown;
}

export type ApiHandler = (req: ApiRequest) => ApiAnswer | undefined;

export interface FakeHttpApi {
  url: string;
  requests: ApiRequest[];
  /** The first handler that answers wins; 404 when none does. */
  handle(handler: ApiHandler): void;
  reset(): void;
  close(): Promise<void>;
}

export async function startFakeHttpApi(): Promise<FakeHttpApi> {
  const requests: ApiRequest[] = [];
  let handlers: ApiHandler[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const record: ApiRequest = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      requests.push(record);
      const answer = handlers.map((h) => h(record)).find((a) => a !== undefined) ?? { status: 404 };
      res.writeHead(answer.status, { "content-type": "application/json" });
      res.end(answer.body === undefined ? "" : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    handle: (h) => void handlers.push(h),
    reset() {
      requests.length = 0;
      handlers = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
