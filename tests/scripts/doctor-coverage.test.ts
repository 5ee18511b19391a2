// `npm run doctor -- --stack <hub>` with a coverage trigger: the token's secret exists (described,
// never read), every spoke stack the repository's files name exists and was deployed as its file
// says, and the deployed hub embeds exactly those files' selections; each failure with its fix.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { readSpokeSelections } from "../../hub/coverage/spokeStacks";
import { FakeAwsError, fakeAwsEnv, startFakeAws, type FakeAws } from "../../testkit/fakeAws";
import { REPO } from "../../testkit/program";
import { runScript } from "../../testkit/runScript";
import { useScratch } from "../../testkit/scratch";
import { writeStackFile } from "../../testkit/stackFile";

const { running, tmpDir } = useScratch("doctor-coverage");
const TOPIC = "arn:aws:sns:us-east-1:222222222222:root-activity-hub-alerts-abc1234";
const DLQ = "https://sqs.us-east-1.amazonaws.com/222222222222/root-activity-hub-dead-letters-abc1234";
const LOGS = "/aws/lambda/root-activity-hub-notifier-abc1234";
const ADDRESS = "secops@acme.test";
const SECRET_ARN =
  "arn:aws:secretsmanager:us-east-1:222222222222:secret:root-activity-monitor/pulumi-token-AbCdEf";
const TRIGGER = {
  coverageTrigger: "pulumi-deployments",
  coverageTokenSecretArn: SECRET_ARN,
  pulumiOrganization: "acme",
};

/** A project directory: the hub's stack file, two shard spoke files, the hub's and the spokes' outputs. */
function projectDir(
  hub: Record<string, unknown> = TRIGGER,
  spokes: Record<string, unknown> = {
    "spoke-1of2": { role: "spoke", shard: "1/2" },
    "spoke-2of2": { role: "spoke", shard: "2/2" },
  },
  embedded?: unknown,
): string {
  const dir = tmpDir();
  fs.copyFileSync(path.join(REPO, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  writeStackFile(
    "hub",
    { base: path.join(REPO, "Pulumi.hub.yaml"), set: { notificationEmails: [ADDRESS], ...hub } },
    dir,
  );
  for (const k of [1, 2]) {
    fs.writeFileSync(
      path.join(dir, `Pulumi.spoke-${k}of2.yaml`),
      `config:\n  root-activity-monitor:role: spoke\n  root-activity-monitor:hubStack: acme/root-activity-monitor/hub\n  root-activity-monitor:shard: "${k}/2"\n`,
    );
  }
  const outputs = path.join(dir, "outputs");
  fs.mkdirSync(outputs);
  for (const [stack, out] of Object.entries(spokes))
    fs.writeFileSync(path.join(outputs, `${stack}.json`), JSON.stringify(out));
  fs.writeFileSync(
    path.join(dir, "hub.json"),
    JSON.stringify({
      topicArn: TOPIC,
      deadLetterQueueUrl: DLQ,
      notifierLogGroupName: LOGS,
      coverageSpokeStacks: embedded ?? readSpokeSelections(dir),
    }),
  );
  return dir;
}

async function fakeHub(secret: "exists" | "missing" | "denied" = "exists"): Promise<FakeAws> {
  const aws = await startFakeAws({
    "sns:ListSubscriptionsByTopic": () =>
      `<Subscriptions><member><SubscriptionArn>${TOPIC}:1</SubscriptionArn><Owner>222222222222</Owner><Protocol>email</Protocol><Endpoint>${ADDRESS}</Endpoint><TopicArn>${TOPIC}</TopicArn></member></Subscriptions>`,
    "sqs:GetQueueAttributes": () => ({ Attributes: { ApproximateNumberOfMessages: "0" } }),
    "logs:FilterLogEvents": () => ({ events: [] }),
    "secretsmanager:DescribeSecret": (params) => {
      if (secret === "missing")
        throw new FakeAwsError(
          "ResourceNotFoundException",
          "Secrets Manager can't find the specified secret.",
        );
      if (secret === "denied") throw new FakeAwsError("AccessDeniedException", "not authorized", 400);
      return { ARN: params.SecretId, Name: "root-activity-monitor/pulumi-token" };
    },
    "secretsmanager:GetSecretValue": () => {
      throw new Error("the doctor must not read the token");
    },
  });
  running.push(aws);
  return aws;
}

const doctor = (dir: string, aws: FakeAws) =>
  runScript(
    "scripts/doctor.ts",
    [
      "--stack",
      "hub",
      "--dir",
      dir,
      "--outputs",
      path.join(dir, "hub.json"),
      "--outputs-dir",
      path.join(dir, "outputs"),
    ],
    fakeAwsEnv(aws.url),
  );

describe("the doctor on a hub's coverage trigger", () => {
  it("passes when the secret exists, every spoke stack exists as its file says, and the hub embeds the files", async () => {
    const aws = await fakeHub();
    const r = await doctor(projectDir(), aws);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/coverage trigger\s+OK\s+pulumi-deployments/);
    expect(r.stdout).toMatch(/trigger token\s+OK\s+secret root-activity-monitor\/pulumi-token exists/);
    expect(r.stdout).toMatch(/spoke stack files\s+OK\s+2: spoke-1of2, spoke-2of2/);
    expect(r.stdout).toMatch(
      /spoke spoke-1of2\s+OK\s+acme\/root-activity-monitor\/spoke-1of2 exists, deployed as its stack file says \(shard 1\/2\)/,
    );
    expect(r.stdout).toMatch(/spoke selections\s+OK\s+the deployed hub embeds exactly/);
    expect(r.code).toBe(0);
    expect(aws.requests.find((q) => q.operation === "DescribeSecret")?.params.SecretId).toBe(SECRET_ARN);
    expect(aws.requests.some((q) => q.operation === "GetSecretValue")).toBe(false);
  });

  it("fails a missing secret, a spoke stack that does not exist, one deployed with another shard, and a stale hub", async () => {
    const aws = await fakeHub("missing");
    const dir = projectDir(TRIGGER, { "spoke-1of2": { role: "spoke", shard: "1/3" } }, [
      { stack: "spoke-all", regions: [] },
    ]);
    const r = await doctor(dir, aws);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/trigger token\s+FAIL\s+no secret arn:aws:secretsmanager/);
    expect(r.stdout).toContain("aws secretsmanager create-secret --name root-activity-monitor/pulumi-token");
    expect(r.stdout).toMatch(
      /spoke spoke-1of2\s+FAIL\s+.*deployed with shard 1\/3; Pulumi\.spoke-1of2\.yaml says 1\/2/,
    );
    expect(r.stdout).toMatch(
      /spoke spoke-2of2\s+FAIL\s+acme\/root-activity-monitor\/spoke-2of2 cannot be read/,
    );
    expect(r.stdout).toContain("npx pulumi stack init acme/root-activity-monitor/spoke-2of2");
    expect(r.stdout).toMatch(
      /spoke selections\s+FAIL\s+the deployed hub embeds other selections \(spoke-all\)/,
    );
    expect(r.stdout).toContain("4 checks failed for stack hub.");
  });

  it("says which permission a refused secret check needs", async () => {
    const aws = await fakeHub("denied");
    const r = await doctor(projectDir(), aws);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("allow secretsmanager:DescribeSecret");
  });

  it("with coverageTrigger none, checks only the files against the hub's copy", async () => {
    const aws = await fakeHub("missing");
    const r = await doctor(projectDir({}, {}), aws);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /coverage trigger\s+OK\s+none: a joining account gets a notice with the commands; 2 spoke stack file\(s\)/,
    );
    expect(aws.requests.some((q) => q.operation === "DescribeSecret")).toBe(false);
  });
});
