// `npm run posture` as a user runs it: exit codes, the --json file (checked against the schema other
// tools rely on), and clear errors for bad input.
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv from "ajv";
import { describe, expect, it, vi } from "vitest";
import { main } from "../../scripts/posture";
import { fakeAwsEnv, startFakeAws } from "../../testkit/fakeAws";
import { A, B, C, FakePosture, fakeDeps, MGMT, smallOrg, writeSpoke } from "../../testkit/fakePosture";
import { runScript } from "../../testkit/runScript";
import { useScratch } from "../../testkit/scratch";

const { running, tmpDir } = useScratch("posture-cli");

const nullableBool = { type: ["boolean", "null"] };
const finding = {
  type: "object",
  required: ["severity", "text", "fix"],
  additionalProperties: false,
  properties: {
    severity: { enum: ["critical", "high", "medium", "low"] },
    text: { type: "string", minLength: 1 },
    fix: { type: "string", minLength: 1 },
  },
};
/** The --json shape of issue 14: other tools read these names. */
const SCHEMA = {
  type: "object",
  required: ["organization", "accounts"],
  additionalProperties: false,
  properties: {
    organization: {
      type: "object",
      required: ["id", "rootCredentialsManagement", "rootSessions"],
      properties: {
        id: { type: ["string", "null"] },
        rootCredentialsManagement: nullableBool,
        rootSessions: nullableBool,
        findings: { type: "array", items: finding },
      },
    },
    accounts: {
      type: "array",
      items: {
        type: "object",
        required: [
          "id",
          "name",
          "trail",
          "trailDetail",
          "rootMfaEnabled",
          "rootAccessKeysPresent",
          "rootSigningCertificatesPresent",
          "findings",
        ],
        additionalProperties: false,
        properties: {
          id: { type: "string", pattern: "^\\d{12}$" },
          name: { type: "string" },
          trail: { enum: ["ok", "missing", "stopped", "write-only", "unknown"] },
          trailDetail: { type: "string" },
          rootMfaEnabled: nullableBool,
          rootAccessKeysPresent: nullableBool,
          rootSigningCertificatesPresent: nullableBool,
          findings: { type: "array", items: finding },
        },
      },
    },
  },
};

async function fake(setup: (p: FakePosture) => void) {
  const org = smallOrg();
  const posture = new FakePosture(org);
  setup(posture);
  const aws = await startFakeAws({ ...org.responders(), ...posture.responders() });
  running.push(aws);
  return fakeAwsEnv(aws.url);
}

const run = (args: string[], env: Record<string, string>) => runScript("scripts/posture.ts", args, env);

describe("posture CLI", () => {
  it("writes --json in the documented shape and exits 1 on a critical finding, 0 once fixed", async () => {
    const dir = tmpDir();
    writeSpoke(dir, "spoke-1of2", { shard: "1/2" });
    writeSpoke(dir, "spoke-2of2", { shard: "2/2" });
    const json = path.join(dir, "posture.json");
    const env = await fake((p) => {
      p.addTrail({ owner: MGMT, name: "org-trail", organization: true });
      p.summaries.set(A, { AccountAccessKeysPresent: 1 });
    });
    const bad = await run(["--all", "--dir", dir, "--json", json], env);
    expect(bad.stderr).toBe("");
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(new RegExp(`CRITICAL\\s+${A}\\s+alpha\\s+the root user has access keys`));

    const doc = JSON.parse(fs.readFileSync(json, "utf8")) as {
      accounts: { id: string; findings: unknown[] }[];
    };
    const validate = new Ajv({ allErrors: true }).compile(SCHEMA);
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    // Both shards together select every account; the role-less one is there, with nulls.
    expect(doc.accounts.map((a) => a.id)).toEqual([MGMT, A, B, C]);
    expect(doc.accounts.find((a) => a.id === C)).toMatchObject({ trail: "ok", rootMfaEnabled: null });

    // The schema is strict enough to fail: a renamed field is refused.
    const renamed = { ...doc, accounts: doc.accounts.map(({ id, ...rest }) => ({ accountId: id, ...rest })) };
    expect(validate(renamed)).toBe(false);

    const good = await run(
      ["--stack", "spoke-1of2", "--stack", "spoke-2of2", "--dir", dir, "--markdown"],
      await fake((p) => {
        p.addTrail({ owner: MGMT, name: "org-trail", organization: true });
      }),
    );
    expect(good.code).toBe(0);
    expect(good.stdout).toContain("### Root-activity monitor posture");
    expect(good.stdout).toContain("0 critical, 0 high, 1 medium");
  });

  it("exits 2 with a clear message when it cannot run", async () => {
    const dir = tmpDir();
    writeSpoke(dir, "spoke-test", {});
    const org = smallOrg();
    const aws = await startFakeAws({ ...org.responders(), ...new FakePosture(org).responders() });
    running.push(aws);
    const cases: [string[], string][] = [
      [[], "Give --stack <spoke stack> or --all."],
      [["--all", "--stack", "spoke-test"], "Give either --stack or --all, not both."],
      [["--stack", "spoke-test", "--nope"], "Unknown option '--nope'"],
      [["--stack", "ghost"], "No stack file"],
      [["--stack", "spoke-test", "--json", path.join(dir, "no", "such", "dir.json")], "Cannot write --json"],
    ];
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const logs = vi.spyOn(console, "log").mockImplementation(() => undefined);
    try {
      for (const [args, message] of cases) {
        errors.mockClear();
        expect(await main([...args, "--dir", dir], fakeDeps(aws.url)), args.join(" ")).toBe(2);
        expect(errors.mock.calls.map((c) => String(c[0])).join("\n"), args.join(" ")).toContain(message);
      }
      expect(logs).not.toHaveBeenCalled();
    } finally {
      errors.mockRestore();
      logs.mockRestore();
    }
    const empty = await run(["--all", "--dir", tmpDir()], fakeAwsEnv(aws.url));
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain("--all found no spoke stack file");
  });
});
