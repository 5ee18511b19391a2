// The doctor, the coverage report and the self-test read stack files as `pulumi preview` does: the
// CLI's refusals in the CLI's words, the role checked first, and, where the Pulumi CLI itself cannot
// run, advice that works (an outputs file), not "log in".
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { fakeAwsEnv } from "../../testkit/fakeAws";
import { defaultOrg, startFakeOrganization } from "../../testkit/fakeOrganization";
import { REPO } from "../../testkit/program";
import { runScript } from "../../testkit/runScript";
import { useScratch } from "../../testkit/scratch";
import { writeStackFile } from "../../testkit/stackFile";

const { running, tmpDir } = useScratch("scripts-config");
const HUB_STACK = "acme/root-activity-monitor/hub";

/** A project directory with the shipped Pulumi.yaml and one stack file built from an example. */
function project(stack: string, example: string, set: Record<string, unknown>): string {
  const dir = tmpDir();
  fs.copyFileSync(path.join(REPO, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  writeStackFile(stack, { base: path.join(REPO, example), set }, dir);
  return dir;
}

/** A PATH whose `npx` behaves like the pulumi npm package on a machine that cannot download the CLI. */
function offlinePath(): string {
  const bin = tmpDir();
  fs.writeFileSync(
    path.join(bin, "npx"),
    '#!/bin/sh\necho "Downloading pulumi v3.265.0..." >&2\necho "pulumi: fetch failed" >&2\nexit 1\n',
    { mode: 0o755 },
  );
  return `${bin}:${process.env.PATH ?? ""}`;
}

const noAws = fakeAwsEnv("http://127.0.0.1:9");

describe("the doctor checks the role first", () => {
  it.each([
    [
      "a stack without role",
      "Pulumi.spoke-template.yaml",
      { role: null },
      "Stack 'hub-or-not' is missing configuration value 'role'",
    ],
    [
      "role: Spoke",
      "Pulumi.spoke-template.yaml",
      { role: "Spoke" },
      'root-activity-monitor:role: "Spoke" is not one of the allowed values: hub, spoke',
    ],
  ])("%s: one line, exit 2", async (_label, example, set, message) => {
    const dir = project("hub-or-not", example, set);
    const r = await runScript("scripts/doctor.ts", ["--stack", "hub-or-not", "--dir", dir], noAws);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toContain("hubStack");
  });

  it("refuses what the CLI refuses, and keys that would do nothing, in the same words as preview", async () => {
    const typed = project("spoke-a", "Pulumi.spoke-template.yaml", { includeReadOnlyEvents: "yes" });
    const r = await runScript("scripts/doctor.ts", ["--stack", "spoke-a", "--dir", typed], noAws);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "Stack 'spoke-a' with configuration key 'includeReadOnlyEvents' must be of type 'boolean'",
    );

    const typo = project("spoke-b", "Pulumi.spoke-template.yaml", { acounts: { exclude: ["555555555501"] } });
    const t = await runScript("scripts/doctor.ts", ["--stack", "spoke-b", "--dir", typo], noAws);
    expect(t.code).toBe(2);
    expect(t.stderr).toContain("Invalid config root-activity-monitor:acounts: this project has no such key");
    expect(t.stderr).toContain("Did you mean root-activity-monitor:accounts?");
  });
});

describe("the coverage report and the self-test read stack files through the CLI's rules", () => {
  it("coverage refuses a wrong type in the CLI's words", async () => {
    const dir = project("spoke-a", "Pulumi.spoke-template.yaml", { shard: ["1/2"] });
    const r = await runScript("scripts/coverage.ts", ["--stack", "spoke-a", "--dir", dir], noAws);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Stack 'spoke-a' with configuration key 'shard' must be of type 'string'");
  });

  it("the self-test refuses a spoke key on the hub, as preview would", async () => {
    const dir = project("hub", "Pulumi.hub.yaml", { regions: ["us-east-1"] });
    const r = await runScript("scripts/selftest.ts", ["--stack", "hub", "--dir", dir], noAws);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Invalid config root-activity-monitor:regions: only spoke stacks read it");
  });
});

describe("without the Pulumi CLI", () => {
  const offline = () => ({ ...noAws, PATH: offlinePath() });

  it("the self-test says the CLI is missing and how to pass an outputs file", async () => {
    // A real address: the example's placeholder is refused before the outputs are read.
    const dir = project("hub", "Pulumi.hub.yaml", { notificationEmails: ["secops@acme.test"] });
    const r = await runScript("scripts/selftest.ts", ["--stack", HUB_STACK, "--dir", dir], offline());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("the Pulumi CLI is not available here (npx pulumi: pulumi: fetch failed)");
    expect(r.stderr).toContain(
      `npx pulumi stack output --json --stack ${HUB_STACK} > hub.json, then --outputs hub.json`,
    );
    expect(r.stderr).not.toContain("log in");
  });

  it("coverage says the same", async () => {
    const { aws, env } = await startFakeOrganization(defaultOrg());
    running.push(aws);
    const dir = project("spoke-a", "Pulumi.spoke-template.yaml", {});
    const r = await runScript("scripts/coverage.ts", ["--stack", "spoke-a", "--dir", dir], {
      ...env,
      PATH: offlinePath(),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("the Pulumi CLI is not available here");
    expect(r.stderr).toContain("--outputs spoke-a.json");
    expect(r.stderr).not.toContain("log in");
  });

  it("the doctor fails the hub-bus check with the same advice, and reads --outputs", async () => {
    const { aws, env } = await startFakeOrganization(defaultOrg());
    running.push(aws);
    const dir = project("spoke-a", "Pulumi.spoke-template.yaml", { hubStack: HUB_STACK });
    const r = await runScript("scripts/doctor.ts", ["--stack", "spoke-a", "--dir", dir], {
      ...env,
      PATH: offlinePath(),
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("the Pulumi CLI is not available here");
    expect(r.stdout).toContain("--outputs hub.json");
    expect(r.stdout).not.toContain("log in");

    const outputs = path.join(tmpDir(), "hub.json");
    fs.writeFileSync(
      outputs,
      JSON.stringify({ eventBusArn: "arn:aws:events:us-east-1:222222222222:event-bus/root-activity" }),
    );
    const withFile = await runScript(
      "scripts/doctor.ts",
      ["--stack", "spoke-a", "--dir", dir, "--outputs", outputs],
      {
        ...env,
        PATH: offlinePath(),
      },
    );
    expect(withFile.stdout).not.toContain("the Pulumi CLI is not available here");
    expect(withFile.stdout).toMatch(/hub bus\s+OK/);
  });
});
