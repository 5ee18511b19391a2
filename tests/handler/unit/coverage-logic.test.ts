// The coverage function's parts on their own: which spoke stacks an account concerns (the spoke's own
// shard hash), the claims that make a start happen at most once per account, stack and window (also
// when the SDK retries a write whose first attempt landed), the embedded selections, and reading the
// spoke stack files as the hub does when it deploys.
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import * as Dynamo from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLAIM_WINDOW_MS, createClaims } from "../../../handler/coverage/claims";
import {
  embedSelections,
  parseSelections,
  stacksFor,
  type SpokeSelection,
} from "../../../handler/coverage/selection";
import { readCoverageConfig } from "../../../hub/coverage/config";
import { readSpokeSelections } from "../../../hub/coverage/spokeStacks";
import { DEFAULT_REGIONS } from "../../../spoke/config";
import { inShard } from "../../../spoke/shard";
import { startFakeDynamo, type FakeDynamo } from "../../../testkit/fakeDynamo";
import { TESTS_DIR } from "../../../testkit/paths";

const REPO = path.join(TESTS_DIR, "..");
const ids = Array.from({ length: 200 }, (_, i) => String(100000000000 + i * 7919));

describe("which spoke stacks an account concerns", () => {
  const shards: SpokeSelection[] = [1, 2, 3].map((k) => ({
    stack: `spoke-${k}of3`,
    shard: [k, 3],
    regions: [],
  }));

  it("picks exactly the shard the spoke itself would put the account in", () => {
    for (const id of ids) {
      const picked = stacksFor({ accountId: id }, shards).map((c) => c.stack);
      expect(picked).toEqual(
        shards.filter((s) => inShard(id, { index: s.shard![0], count: 3 })).map((s) => s.stack),
      );
      expect(picked).toHaveLength(1);
    }
  });

  it("leaves out excluded accounts, takes included ones, and OU stacks unless ruled out", () => {
    const stacks: SpokeSelection[] = [
      { stack: "all", exclude: ["111111111111"], regions: [] },
      { stack: "listed", include: ["222222222222"], regions: [] },
      { stack: "prod", organizationalUnits: ["ou-a1b2-prodwork1"], regions: [] },
    ];
    expect(stacksFor({ accountId: "111111111111" }, stacks)).toEqual([{ stack: "prod", certain: false }]);
    expect(stacksFor({ accountId: "222222222222" }, stacks)).toEqual([
      { stack: "all", certain: true },
      { stack: "listed", certain: true },
      { stack: "prod", certain: false },
    ]);
    expect(stacksFor({ accountId: "333333333333", parentIds: ["ou-a1b2-prodwork1"] }, stacks)).toContainEqual(
      {
        stack: "prod",
        certain: true,
      },
    );
    // An unknown account: every stack may be concerned.
    expect(stacksFor({}, stacks).map((c) => c.stack)).toEqual(["all", "listed", "prod"]);
  });

  it("embeds the selections compactly and reads them back", () => {
    const stacks: SpokeSelection[] = [
      { stack: "a", shard: [1, 2], regions: DEFAULT_REGIONS },
      { stack: "b", shard: [2, 2], regions: ["us-east-1", "af-south-1"] },
    ];
    const text = embedSelections(stacks, DEFAULT_REGIONS);
    expect(text.match(/eu-west-1/g)).toHaveLength(1);
    expect(parseSelections(text)).toEqual(stacks);
    expect(parseSelections(undefined)).toEqual([]);
    expect(() => parseSelections("[]")).toThrow(/defaultRegions/);
  });
});

describe("spoke stack files, as the hub reads them when it deploys", () => {
  it("reads each spoke's shard, OUs, include, exclude and regions, and skips hubs and templates", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ram-spokes-"));
    fs.copyFileSync(path.join(REPO, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    for (const f of ["Pulumi.hub.yaml", "Pulumi.spoke-template.yaml", "Pulumi.spoke.deploy-template.yaml"])
      fs.copyFileSync(path.join(REPO, f), path.join(dir, f));
    const spoke = (extra: string) =>
      `config:\n  root-activity-monitor:role: spoke\n  aws:region: us-east-1\n  root-activity-monitor:hubStack: acme/root-activity-monitor/hub\n${extra}`;
    fs.writeFileSync(
      path.join(dir, "Pulumi.spoke-1of2.yaml"),
      spoke('  root-activity-monitor:shard: "1/2"\n'),
    );
    fs.writeFileSync(
      path.join(dir, "Pulumi.spoke-prod.yaml"),
      spoke(
        "  root-activity-monitor:organizationalUnits: [ou-a1b2-prodwork1]\n" +
          '  root-activity-monitor:accounts:\n    include: ["222222222222"]\n    exclude: ["111111111111"]\n' +
          "  root-activity-monitor:regions: [us-east-1, eu-south-2]\n",
      ),
    );
    try {
      expect(readSpokeSelections(dir)).toEqual([
        { stack: "spoke-1of2", shard: [1, 2], regions: DEFAULT_REGIONS },
        {
          stack: "spoke-prod",
          organizationalUnits: ["ou-a1b2-prodwork1"],
          include: ["222222222222"],
          exclude: ["111111111111"],
          regions: ["us-east-1", "eu-south-2"],
        },
      ]);
      // A broken spoke file fails the hub's deploy, naming the file.
      fs.writeFileSync(
        path.join(dir, "Pulumi.spoke-bad.yaml"),
        spoke('  root-activity-monitor:shard: "3/2"\n'),
      );
      expect(() => readSpokeSelections(dir)).toThrow(/Pulumi\.spoke-bad\.yaml.*shard/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("finds no spoke stack in the repository as shipped (only templates)", () => {
    expect(readSpokeSelections(REPO)).toEqual([]);
  });
});

describe("coverage config", () => {
  const cfg = (values: Record<string, string>) => ({ get: (k: string) => values[k] });
  const ARN =
    "arn:aws:secretsmanager:us-east-1:222222222222:secret:root-activity-monitor/pulumi-token-AbCdEf";

  it("defaults to none, and says what a trigger needs", () => {
    expect(readCoverageConfig(cfg({}))).toMatchObject({ kind: "none", deadlineMinutes: 30 });
    expect(() => readCoverageConfig(cfg({ coverageTrigger: "pulumi-deployments" }))).toThrow(
      /coverageTokenSecretArn.*Secrets Manager/,
    );
    expect(() =>
      readCoverageConfig(cfg({ coverageTrigger: "pulumi-deployments", coverageTokenSecretArn: ARN })),
    ).toThrow(/pulumiOrganization/);
    expect(() =>
      readCoverageConfig(cfg({ coverageTrigger: "github-actions", coverageTokenSecretArn: ARN })),
    ).toThrow(/githubRepository/);
    expect(() => readCoverageConfig(cfg({ coverageTrigger: "webhook" }))).toThrow(/not one of/);
    expect(() => readCoverageConfig(cfg({ coverageTokenSecretArn: "pul-abc123" }))).toThrow(/secret ARN/);
    expect(() => readCoverageConfig(cfg({ pulumiApiUrl: "http://api.example.com" }))).toThrow(/https/);
    expect(
      readCoverageConfig(
        cfg({
          coverageTrigger: "pulumi-deployments",
          coverageTokenSecretArn: ARN,
          pulumiOrganization: "acme",
        }),
      ),
    ).toMatchObject({
      kind: "pulumi-deployments",
      tokenSecretArn: ARN,
      pulumiApiUrl: "https://api.pulumi.com",
    });
  });
});

describe("claims in the state table", () => {
  let dynamo: FakeDynamo;
  let proxy: http.Server;
  let proxyUrl = "";
  /** PutItem requests the proxy let through; the first one's answer it throws away. */
  let puts = 0;
  let dropNextPutAnswer = false;

  beforeAll(async () => {
    dynamo = await startFakeDynamo();
    await dynamo.createTable("claims");
    // In front of dynalite: forwards everything, and can lose a PutItem's answer after the write
    // landed, as a connection reset does; the SDK then retries the same request.
    proxy = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const isPut = String(req.headers["x-amz-target"]).endsWith(".PutItem");
        if (isPut) puts++;
        const upstream = http.request(
          `${dynamo.url}${req.url}`,
          { method: req.method, headers: req.headers },
          (up) => {
            const body: Buffer[] = [];
            up.on("data", (c: Buffer) => body.push(c));
            up.on("end", () => {
              if (isPut && dropNextPutAnswer) {
                dropNextPutAnswer = false;
                req.socket.destroy();
                return;
              }
              res.writeHead(up.statusCode ?? 500, up.headers);
              res.end(Buffer.concat(body));
            });
          },
        );
        upstream.end(Buffer.concat(chunks));
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    proxy?.closeAllConnections();
    await new Promise<void>((resolve) => proxy?.close(() => resolve()));
    await dynamo?.close();
  });

  const client = () =>
    new Dynamo.DynamoDBClient({
      endpoint: proxyUrl,
      region: "us-east-1",
      credentials: { accessKeyId: "AKIAFAKE", secretAccessKey: "fake" },
      maxAttempts: 3,
    });
  const now = new Date("2026-11-30T09:14:00Z");

  it("lets one event claim an account and stack per window, and sees its own claim again", async () => {
    const claims = createClaims("claims", client(), Dynamo);
    const key = { accountId: "444455556666", stack: "spoke-1of2", now };
    expect(await claims.claim(key, "event-a")).toEqual({ status: "claimed" });
    // A second event for the same account: another's claim.
    expect(await claims.claim(key, "event-b")).toEqual({ status: "taken" });
    // The same event again (redelivery) before it started anything: carry on.
    expect(await claims.claim(key, "event-a")).toEqual({ status: "resumed" });
    await claims.started(key, "event-a", "dep-1");
    expect(await claims.claim(key, "event-a")).toEqual({ status: "done", deploymentId: "dep-1" });
    expect(await claims.claim(key, "event-b")).toEqual({ status: "taken", deploymentId: "dep-1" });
    // The next window is a new one.
    const later = { ...key, now: new Date(now.getTime() + CLAIM_WINDOW_MS) };
    expect(await claims.claim(later, "event-b")).toEqual({ status: "claimed" });
  });

  it("recognises its own token when the SDK retries a conditional write that had landed", async () => {
    const claims = createClaims("claims", client(), Dynamo);
    const key = { accountId: "777788889999", stack: "spoke-2of2", now };
    puts = 0;
    dropNextPutAnswer = true;
    const result = await claims.claim(key, "event-c");
    // The first attempt wrote the claim; its answer was lost; the retry's condition failed on our own
    // item, and the claim is still ours (not another event's).
    expect(puts).toBe(2);
    expect(result).toEqual({ status: "resumed" });
    expect(await claims.claim(key, "event-d")).toEqual({ status: "taken" });
  });

  it("gives a claim back only to its owner", async () => {
    const claims = createClaims("claims", client(), Dynamo);
    const key = { accountId: "121212121212", stack: "spoke-prod", now };
    expect(await claims.claim(key, "event-e")).toEqual({ status: "claimed" });
    await claims.release(key, "event-f");
    expect(await claims.claim(key, "event-f")).toEqual({ status: "taken" });
    await claims.release(key, "event-e");
    expect(await claims.claim(key, "event-f")).toEqual({ status: "claimed" });
  });

  it("lets exactly one of many concurrent events win", async () => {
    const claims = createClaims("claims", client(), Dynamo);
    const key = { accountId: "565656565656", stack: "spoke-1of2", now };
    const results = await Promise.all(["1", "2", "3", "4", "5"].map((t) => claims.claim(key, `event-${t}`)));
    expect(results.filter((r) => r.status === "claimed")).toHaveLength(1);
    expect(results.filter((r) => r.status === "taken")).toHaveLength(4);
  });
});
