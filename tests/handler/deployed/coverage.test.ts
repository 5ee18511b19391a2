// The coverage function users deploy: the `__index.js` the real hub program builds, run in a fresh
// Node process that can resolve only the AWS SDK (as in Lambda), against local endpoints: the AWS
// fakes for SNS, SQS and Secrets Manager, dynalite for the state table, and a local server standing
// in for the Pulumi Cloud REST API and GitHub's.
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { embedSelections, type SpokeSelection } from "../../../handler/coverage/selection";
import { DEFAULT_REGIONS } from "../../../spoke/config";
import { shardOf } from "../../../spoke/shard";
import { fakeAwsEnv, startFakeAws, type FakeAws } from "../../../testkit/fakeAws";
import { startFakeDynamo, type FakeDynamo } from "../../../testkit/fakeDynamo";
import { startFakeHttpApi, type FakeHttpApi } from "../../../testkit/fakeHttpApi";
import { createSandbox, sqsBatch, type Sandbox } from "../../../testkit/lambdaSandbox";
import { runProgram } from "../../../testkit/program";
import { TESTS_DIR } from "../../../testkit/paths";

const DIR = path.join(TESTS_DIR, "fixtures", "lifecycle");
const load = (f: string): Record<string, any> => JSON.parse(fs.readFileSync(path.join(DIR, f), "utf8"));
const TOPIC_ARN = "arn:aws:sns:us-east-1:222222222222:root-activity-hub-alerts-abc1234";
const SECRET_ARN =
  "arn:aws:secretsmanager:us-east-1:222222222222:secret:root-activity-monitor/pulumi-token-AbCdEf";
const TOKEN = "pul-0123456789abcdef0123456789abcdef01234567";
const NEW_ACCOUNT = "444455556666";
const PROD_OU = "ou-a1b2-prodwork1";
const STACKS: SpokeSelection[] = [
  { stack: "spoke-1of2", shard: [1, 2], exclude: ["999999999999"], regions: DEFAULT_REGIONS },
  { stack: "spoke-2of2", shard: [2, 2], exclude: ["999999999999"], regions: DEFAULT_REGIONS },
  { stack: "spoke-prod", organizationalUnits: [PROD_OU], regions: ["us-east-1", "eu-south-2"] },
];
/** The shard stack that selects the new account, by the spoke's own hash. */
const SHARD_STACK = `spoke-${shardOf(NEW_ACCOUNT, 2)}of2`;

let sandbox: Sandbox;
let fake: FakeAws;
let dynamo: FakeDynamo;
let api: FakeHttpApi;
let table = 0;
let tableName = "";
let deployments: Record<string, string>;
/** The queue at the fake's address, as the SDK sends to a queue URL's own host. */
const queueUrl = () => `${fake.url}/222222222222/root-activity-hub-lifecycle-events-abc1234`;

const baseEnv = (): Record<string, string> => ({
  ...fakeAwsEnv(fake.url),
  AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
  TOPIC_ARN,
  COVERAGE_QUEUE_URL: queueUrl(),
  STATE_TABLE: tableName,
  SPOKE_STACKS: embedSelections(STACKS, DEFAULT_REGIONS),
  DEADLINE_MINUTES: "30",
});
const deploymentsEnv = (): Record<string, string> => ({
  ...baseEnv(),
  COVERAGE_TRIGGER: "pulumi-deployments",
  TOKEN_SECRET_ARN: SECRET_ARN,
  PULUMI_API_URL: api.url,
  PULUMI_ORGANIZATION: "acme",
  PULUMI_PROJECT: "root-activity-monitor",
});
const publishes = () => fake.requests.filter((r) => r.service === "sns" && r.operation === "Publish");
const followUps = () =>
  fake.requests
    .filter((r) => r.service === "sqs" && r.operation === "SendMessage")
    .map((r) => ({ delay: r.params.DelaySeconds, body: JSON.parse(String(r.params.MessageBody)) }));
const posts = () => api.requests.filter((r) => r.method === "POST");
const attribute = (p: { params: Record<string, unknown> }, name: string): string | undefined => {
  // Query protocol: MessageAttributes.entry.N.Name / .Value.StringValue
  for (let i = 1; i < 20; i++)
    if (p.params[`MessageAttributes.entry.${i}.Name`] === name)
      return String(p.params[`MessageAttributes.entry.${i}.Value.StringValue`]);
  return undefined;
};

beforeAll(async () => {
  // The hub as the example stack file makes it (its own address in place of the placeholder).
  const run = await runProgram({
    stackFile: "Pulumi.hub.yaml",
    stack: "hub",
    overrides: { organizationId: "o-exampleorg1", notificationEmails: ["secops@acme.test"] },
  });
  const code = run.functions?.["root-activity-hub-coverage"]?.code;
  if (!code) throw new Error(`the hub program made no coverage function: ${run.error}\n${run.stderr}`);
  sandbox = createSandbox(code);
  [fake, dynamo, api] = await Promise.all([startFakeAws(), startFakeDynamo(), startFakeHttpApi()]);
}, 240_000);
afterAll(async () => {
  await Promise.all([fake?.close(), dynamo?.close(), api?.close()]);
});
beforeEach(async () => {
  // A table of its own per test: the claim window is the real hour.
  tableName = `state-${++table}`;
  await dynamo.createTable(tableName);
  fake.requests.length = 0;
  fake.on("secretsmanager:GetSecretValue", (params) => ({
    ARN: params.SecretId,
    Name: "root-activity-monitor/pulumi-token",
    SecretString: TOKEN,
  }));
  api.reset();
  deployments = {};
  let n = 0;
  api.handle((req) => {
    const start = /^\/api\/stacks\/acme\/root-activity-monitor\/([^/]+)\/deployments$/.exec(req.path);
    if (req.method === "POST" && start) {
      const id = `dep-${++n}`;
      deployments[id] = "not-started";
      return {
        status: 202,
        body: {
          id,
          consoleUrl: `https://app.pulumi.com/acme/root-activity-monitor/${start[1]}/deployments/${n}`,
          version: n,
        },
      };
    }
    const get = /^\/api\/stacks\/acme\/root-activity-monitor\/[^/]+\/deployments\/([^/]+)$/.exec(req.path);
    if (req.method === "GET" && get)
      return { status: 200, body: { id: get[1], status: deployments[get[1] as string] } };
    return undefined;
  });
});

describe("deployed coverage function, Pulumi Deployments", () => {
  it("starts each concerned spoke stack once for a new account, as the REST API asks, and tells people", async () => {
    // One new account makes two records: CreateAccountResult, then AccountJoinedOrganization.
    const batch = sqsBatch([
      load("org-createaccountresult-succeeded.json"),
      load("org-accountjoined-created.json"),
    ]);
    const [first] = await sandbox.invoke([batch], deploymentsEnv());
    expect(first).toMatchObject({ ok: { batchItemFailures: [] } });

    // The shard stack that holds it, and the OU stack (its OU is unknown at creation): once each.
    expect(
      posts()
        .map((r) => r.path)
        .sort(),
    ).toEqual(
      [SHARD_STACK, "spoke-prod"]
        .map((s) => `/api/stacks/acme/root-activity-monitor/${s}/deployments`)
        .sort(),
    );
    for (const r of posts()) {
      expect(r.headers.authorization).toBe(`token ${TOKEN}`);
      expect(r.headers["content-type"]).toBe("application/json");
      expect(r.headers.accept).toBe("application/vnd.pulumi+8");
      expect(JSON.parse(r.body)).toEqual({ operation: "update" });
    }
    // The token was read from its secret, by ARN.
    const reads = fake.requests.filter((r) => r.operation === "GetSecretValue");
    expect(reads.length).toBeGreaterThanOrEqual(1);
    expect(reads[0]?.params.SecretId).toBe(SECRET_ARN);

    // One notice, not two.
    const sent = publishes();
    expect(sent).toHaveLength(1);
    const notice = sent[0] as (typeof sent)[number];
    expect(notice.params.TopicArn).toBe(TOPIC_ARN);
    expect(String(notice.params.Subject)).toMatch(
      /^\[MEDIUM\] Account joined, not yet watched in 444455556666$/,
    );
    const message = String(notice.params.Message);
    expect(message).toContain(`not watched until stack ${SHARD_STACK}`);
    expect(message).toMatch(/deployment dep-\d started/);
    expect(message).toContain("https://app.pulumi.com/acme/root-activity-monitor/");
    expect(attribute(notice, "kind")).toBe("coverage");
    expect(attribute(notice, "coverage")).toBe("created");
    expect(attribute(notice, "accountId")).toBe(NEW_ACCOUNT);
    for (const p of sent) expect(JSON.stringify(p.params)).not.toContain(TOKEN);

    // A follow-up per deployment, delayed on its own queue.
    const later = followUps();
    expect(later).toHaveLength(2);
    for (const f of later) {
      expect(f.delay).toBe(60);
      expect(f.body.coverageFollowUp).toMatchObject({ deploymentId: expect.stringMatching(/^dep-\d$/) });
    }
    expect(
      fake.requests
        .filter((r) => r.operation === "SendMessage")
        .every((r) => r.params.QueueUrl === queueUrl()),
    ).toBe(true);

    // EventBridge delivers at least once: the same records again start nothing and say nothing.
    const calls = posts().length;
    const [again] = await sandbox.invoke([batch], deploymentsEnv());
    expect(again).toMatchObject({ ok: { batchItemFailures: [] } });
    expect(posts()).toHaveLength(calls);
    expect(publishes()).toHaveLength(1);
  });

  it("follows a deployment through running to succeeded: then the account is watched", async () => {
    await sandbox.invoke([sqsBatch([load("ct-createmanagedaccount.json")])], deploymentsEnv());
    const [started] = followUps();
    const message = started?.body as { coverageFollowUp: { deploymentId: string } };
    const id = message.coverageFollowUp.deploymentId;
    fake.requests.length = 0;

    deployments[id] = "running";
    await sandbox.invoke([sqsBatch([message])], deploymentsEnv());
    expect(publishes()).toHaveLength(0);
    expect(followUps()).toHaveLength(1);
    expect(api.requests.at(-1)).toMatchObject({ method: "GET" });
    expect(api.requests.at(-1)?.path).toMatch(new RegExp(`/deployments/${id}$`));
    expect(api.requests.at(-1)?.headers.authorization).toBe(`token ${TOKEN}`);

    deployments[id] = "succeeded";
    fake.requests.length = 0;
    await sandbox.invoke([sqsBatch([message])], deploymentsEnv());
    expect(followUps()).toHaveLength(0);
    const [done] = publishes();
    expect(String(done?.params.Subject)).toMatch(
      /^\[LOW\] Account now watched in payments-staging \(666677778888\)$/,
    );
    expect(attribute(done as never, "coverage")).toBe("watched");
  });

  it("alerts high with the console link when the deployment fails", async () => {
    await sandbox.invoke([sqsBatch([load("org-moveaccount.json")])], deploymentsEnv());
    const message = followUps()[0]?.body as {
      coverageFollowUp: { deploymentId: string; consoleUrl: string };
    };
    deployments[message.coverageFollowUp.deploymentId] = "failed";
    fake.requests.length = 0;
    await sandbox.invoke([sqsBatch([message])], deploymentsEnv());
    const [alert] = publishes();
    expect(String(alert?.params.Subject)).toMatch(
      /^\[HIGH\] Spoke deployment failed, account unwatched in 555566667777$/,
    );
    expect(String(alert?.params.Message)).toContain(message.coverageFollowUp.consoleUrl);
    expect(String(alert?.params.Message)).toContain("still NOT watched");
  });

  it("alerts high when the deployment is still running at the deadline", async () => {
    deployments["dep-late"] = "running";
    const late = {
      coverageFollowUp: {
        stack: "spoke-1of2",
        deploymentId: "dep-late",
        consoleUrl: "https://app.pulumi.com/acme/root-activity-monitor/spoke-1of2/deployments/77",
        accountId: NEW_ACCOUNT,
        startedAt: new Date(Date.now() - 31 * 60_000).toISOString(),
        deadline: new Date(Date.now() - 60_000).toISOString(),
      },
    };
    await sandbox.invoke([sqsBatch([late])], deploymentsEnv());
    expect(followUps()).toHaveLength(0);
    const [alert] = publishes();
    expect(String(alert?.params.Subject)).toMatch(
      /^\[HIGH\] Spoke deployment timed out, account unwatched in 444455556666$/,
    );
    expect(String(alert?.params.Message)).toContain("dep-late");
    expect(String(alert?.params.Message)).toContain(late.coverageFollowUp.consoleUrl);
  });

  it("gives the claim back when Pulumi Cloud refuses, so SQS's retry starts the update", async () => {
    api.reset();
    api.handle((req) =>
      req.method === "POST" ? { status: 503, body: { message: "try later" } } : undefined,
    );
    const batch = sqsBatch([load("org-accountjoined-invited.json")]);
    const [failed] = await sandbox.invoke([batch], deploymentsEnv());
    expect(failed).toMatchObject({ ok: { batchItemFailures: [{ itemIdentifier: "msg-0" }] } });
    expect(publishes()).toHaveLength(0);

    api.reset();
    api.handle((req) =>
      req.method === "POST"
        ? { status: 202, body: { id: "dep-9", consoleUrl: "https://app.pulumi.com/x" } }
        : undefined,
    );
    const [retried] = await sandbox.invoke([batch], deploymentsEnv());
    expect(retried).toMatchObject({ ok: { batchItemFailures: [] } });
    expect(posts().length).toBeGreaterThan(0);
    expect(publishes()).toHaveLength(1);
  });

  it("starts the stacks that covered a departed account, so its rules and role go", async () => {
    await sandbox.invoke([sqsBatch([load("org-accountdeparted-removed.json")])], deploymentsEnv());
    const shard = `spoke-${shardOf("222233334444", 2)}of2`;
    expect(posts().map((r) => r.path)).toContain(
      `/api/stacks/acme/root-activity-monitor/${shard}/deployments`,
    );
    const [notice] = publishes();
    expect(String(notice?.params.Subject)).toMatch(/^\[LOW\] Account left the organization in 222233334444$/);
  });
});

describe("deployed coverage function, other triggers", () => {
  it("dispatches the GitHub workflow with the stack as its input", async () => {
    api.handle((req) =>
      req.method === "POST" && req.path.includes("/dispatches") ? { status: 204 } : undefined,
    );
    const env = {
      ...baseEnv(),
      COVERAGE_TRIGGER: "github-actions",
      TOKEN_SECRET_ARN: SECRET_ARN,
      GITHUB_API_URL: api.url,
      GITHUB_REPOSITORY: "acme/root-activity-monitor",
      GITHUB_WORKFLOW: "spoke-up.yml",
      GITHUB_REF: "main",
    };
    const [result] = await sandbox.invoke([sqsBatch([load("org-createaccountresult-succeeded.json")])], env);
    expect(result).toMatchObject({ ok: { batchItemFailures: [] } });
    const dispatched = posts();
    expect(dispatched.map((r) => JSON.parse(r.body).inputs.stack).sort()).toEqual(
      [SHARD_STACK, "spoke-prod"].sort(),
    );
    for (const r of dispatched) {
      expect(r.path).toBe("/repos/acme/root-activity-monitor/actions/workflows/spoke-up.yml/dispatches");
      expect(r.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(r.headers.accept).toBe("application/vnd.github+json");
      expect(JSON.parse(r.body)).toMatchObject({ ref: "main" });
    }
    // No deployment ID from GitHub: nothing to follow.
    expect(followUps()).toHaveLength(0);
    expect(publishes()).toHaveLength(1);
  });

  it("with none, calls nothing and gives the exact commands", async () => {
    const [result] = await sandbox.invoke(
      [sqsBatch([load("org-createaccountresult-succeeded.json"), load("org-accountjoined-created.json")])],
      baseEnv(),
    );
    expect(result).toMatchObject({ ok: { batchItemFailures: [] } });
    expect(api.requests).toHaveLength(0);
    expect(fake.requests.filter((r) => r.operation === "GetSecretValue")).toHaveLength(0);
    const sent = publishes();
    expect(sent).toHaveLength(1);
    const message = String(sent[0]?.params.Message);
    expect(message).toContain(`npx pulumi up --stack ${SHARD_STACK}`);
    expect(message).toContain(`npm run coverage -- --stack ${SHARD_STACK}`);
    expect(message).toContain("coverageTrigger none");
  });

  it("names the key to change when an account opts into a region no spoke watches", async () => {
    const [result] = await sandbox.invoke(
      [sqsBatch([load("account-enableregion.json"), load("account-enableregion-formember.json")])],
      baseEnv(),
    );
    expect(result).toMatchObject({ ok: { batchItemFailures: [] } });
    // af-south-1 is in no spoke's regions; eu-south-2 is spoke-prod's, which may select 555566667777.
    const sent = publishes();
    expect(sent).toHaveLength(1);
    expect(String(sent[0]?.params.Subject)).toMatch(/Region af-south-1 enabled, not watched in 444455556666/);
    expect(String(sent[0]?.params.Message)).toContain("root-activity-monitor:regions");
    expect(attribute(sent[0] as never, "region")).toBe("af-south-1");
  });

  it("ignores a forged record that reached its queue", async () => {
    const forged = { ...load("org-createaccountresult-succeeded.json"), source: "acme.organizations" };
    const [result] = await sandbox.invoke([sqsBatch([forged])], deploymentsEnv());
    expect(result).toMatchObject({ ok: { batchItemFailures: [] } });
    expect(api.requests).toHaveLength(0);
    expect(publishes()).toHaveLength(0);
  });
});
