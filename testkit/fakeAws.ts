// A local HTTP endpoint that stands in for AWS services in tests. Point the SDK at it with
// AWS_ENDPOINT_URL_<SERVICE>. It speaks both protocols our clients use: JSON 1.1 (Organizations, Secrets Manager,
// EventBridge) and the query protocol (SNS, STS), and records every request it answers.
import { createHash } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  service: string;
  operation: string;
  /** JSON body for JSON services; flat form fields for query services. */
  params: Record<string, unknown>;
  at: number;
  /** Access key ID and region of the request's SigV4 credential scope, when signed. */
  accessKeyId?: string;
  region?: string;
}

export class FakeAwsError {
  constructor(
    readonly code: string,
    readonly message: string,
    readonly status = 400,
  ) {}
}

/** A JSON service returns an object; a query service returns the inner XML of `<OpResult>`. */
export type Responder = (params: Record<string, unknown>, req: RecordedRequest) => unknown | Promise<unknown>;

/** Keys are "service:Operation", e.g. "sns:Publish", "organizations:ListAccounts". */
export type Responders = Record<string, Responder>;

export interface FakeAws {
  url: string;
  requests: RecordedRequest[];
  on(key: string, responder: Responder): void;
  close(): Promise<void>;
}

const JSON_TARGET_PREFIXES: Record<string, string> = {
  AWSOrganizationsV20161128: "organizations",
  AWSEvents: "events",
  Logs_20140328: "logs",
  AmazonSQS: "sqs",
  AmazonSSM: "ssm",
  secretsmanager: "secretsmanager",
};

function serviceFromAuth(header: string | undefined): string | undefined {
  // Authorization: AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sns/aws4_request, ...
  const m = /Credential=[^/]+\/\d+\/[^/]+\/([^/]+)\//.exec(header ?? "");
  return m?.[1];
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export const defaultResponders: Responders = {
  "sns:Publish": () => `<MessageId>${Math.random().toString(16).slice(2)}</MessageId>`,
  // The SDK checks the body's MD5 in the answer.
  "sqs:SendMessage": (params) => ({
    MessageId: `msg-${Math.random().toString(16).slice(2)}`,
    MD5OfMessageBody: createHash("md5").update(String(params.MessageBody)).digest("hex"),
  }),
};

export async function startFakeAws(responders: Responders = {}): Promise<FakeAws> {
  const table: Responders = { ...defaultResponders, ...responders };
  const requests: RecordedRequest[] = [];

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        const target = req.headers["x-amz-target"];
        let service: string;
        let operation: string;
        let params: Record<string, unknown>;
        const isJson = typeof target === "string";
        if (isJson) {
          const [prefix, op] = target.split(".");
          service =
            JSON_TARGET_PREFIXES[prefix ?? ""] ?? serviceFromAuth(req.headers.authorization) ?? "unknown";
          operation = op ?? "unknown";
          params = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
        } else {
          const form = new URLSearchParams(raw);
          params = Object.fromEntries(form.entries());
          operation = String(params.Action ?? "unknown");
          service = serviceFromAuth(req.headers.authorization) ?? "unknown";
        }
        const record: RecordedRequest = { service, operation, params, at: Date.now() };
        const scope = /Credential=([^/]+)\/\d+\/([^/]+)\//.exec(req.headers.authorization ?? "");
        if (scope) {
          record.accessKeyId = scope[1];
          record.region = scope[2];
        }
        requests.push(record);
        const responder = table[`${service}:${operation}`];
        try {
          if (!responder)
            throw new FakeAwsError("UnknownOperationException", `fake has no ${service}:${operation}`);
          const result = await responder(params, record);
          if (isJson) {
            res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
            res.end(JSON.stringify(result ?? {}));
          } else {
            res.writeHead(200, { "content-type": "text/xml" });
            res.end(
              `<${operation}Response xmlns="https://${service}.amazonaws.com/doc/"><${operation}Result>${String(result ?? "")}</${operation}Result>` +
                `<ResponseMetadata><RequestId>fake-request</RequestId></ResponseMetadata></${operation}Response>`,
            );
          }
        } catch (err) {
          const e = err instanceof FakeAwsError ? err : new FakeAwsError("InternalFailure", String(err), 500);
          if (isJson) {
            res.writeHead(e.status, {
              "content-type": "application/x-amz-json-1.1",
              "x-amzn-errortype": e.code,
            });
            res.end(JSON.stringify({ __type: e.code, message: e.message }));
          } else {
            res.writeHead(e.status, { "content-type": "text/xml" });
            res.end(
              `<ErrorResponse><Error><Type>Sender</Type><Code>${e.code}</Code><Message>${xmlEscape(e.message)}</Message></Error>` +
                `<RequestId>fake-request</RequestId></ErrorResponse>`,
            );
          }
        }
      })();
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    on(key, responder) {
      table[key] = responder;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Environment that aims every SDK client we use at the fake, with dummy credentials. */
export function fakeAwsEnv(url: string, region = "us-east-1"): Record<string, string> {
  return {
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: "AKIAFAKEFAKEFAKEFAKE",
    AWS_SECRET_ACCESS_KEY: "fake-secret",
    AWS_SESSION_TOKEN: "fake-token",
    AWS_ENDPOINT_URL_SNS: url,
    AWS_ENDPOINT_URL_ORGANIZATIONS: url,
    AWS_ENDPOINT_URL_STS: url,
    AWS_ENDPOINT_URL_EVENTBRIDGE: url,
    AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: url,
    AWS_ENDPOINT_URL_SQS: url,
    AWS_ENDPOINT_URL_SSM: url,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: url,
    AWS_ENDPOINT_URL_CLOUDTRAIL: url,
    AWS_ENDPOINT_URL_IAM: url,
    AWS_EC2_METADATA_DISABLED: "true",
  };
}
