// A local HTTP server standing in for a chat's incoming webhook: it records every body posted to it.
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface WebhookServer {
  /** A Slack-shaped URL on this server; `token` is its last path segment (the URL is the secret). */
  url: string;
  posts: string[];
  close(): Promise<void>;
}

export async function startWebhookServer(token: string): Promise<WebhookServer> {
  const posts: string[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      posts.push(body);
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T0/B0/${token}`,
    posts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
