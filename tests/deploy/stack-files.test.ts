// The path a user's `pulumi preview` walks: the shipped example stack files, as shipped, through the
// CLI's config rules and then the real program; and keys that would do nothing, refused by name.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  defaultOrg,
  HUB_BUS_ARN,
  MANAGEMENT_ACCOUNT_ID,
  startFakeOrganization,
} from "../../testkit/fakeOrganization";
import type { FakeAws } from "../../testkit/fakeAws";
import { ofType, runProgram, type RunOptions } from "../../testkit/program";

let fake: { aws: FakeAws; env: Record<string, string> };
beforeAll(async () => {
  fake = await startFakeOrganization(defaultOrg());
});
afterAll(async () => {
  await fake.aws.close();
});

// The template's own placeholder, answered as if that hub stack existed.
const TEMPLATE_HUB_STACK = "my-org/root-activity-monitor/hub";
const hub = (overrides?: Record<string, unknown>, file = "Pulumi.hub.yaml") =>
  runProgram({ stackFile: file, stack: "hub", env: fake.env, overrides });
const spoke = (overrides?: Record<string, unknown>, extra: Partial<RunOptions> = {}) =>
  runProgram({
    stackFile: "Pulumi.spoke-template.yaml",
    stack: "spoke-example",
    callerAccountId: MANAGEMENT_ACCOUNT_ID,
    stackOutputs: { [TEMPLATE_HUB_STACK]: { eventBusArn: HUB_BUS_ARN } },
    env: fake.env,
    overrides,
    lightweight: true,
    ...extra,
  });

describe("the shipped example stack files, as shipped", () => {
  it.each(["Pulumi.hub.yaml", "deploy/Pulumi.hub.esc-example.yaml"])(
    "%s runs the hub to completion",
    async (file) => {
      const run = await hub(undefined, file);
      expect(run.error).toBeUndefined();
      expect(run.outputs?.eventBusArn).toMatch(/^arn:aws:events:us-east-1:\d{12}:event-bus\/root-activity$/);
      // organizationId is left at its default (""), so the hub discovered it.
      expect(fake.aws.requests.some((r) => r.operation === "DescribeOrganization")).toBe(true);
      expect(
        ofType(run, "aws:lambda/function:Function")
          .map((f) => f.name)
          .sort(),
      ).toEqual(["root-activity-hub-coverage", "root-activity-hub-notifier"]);
    },
  );

  it("Pulumi.spoke-template.yaml runs the spoke to completion over the default regions", async () => {
    const run = await spoke();
    expect(run.error).toBeUndefined();
    const rules = ofType(run, "aws:cloudwatch/eventRule:EventRule");
    expect(rules.length).toBeGreaterThan(0);
    // regions defaults to [], which means the 17 default regions; shard "1/1" means every account.
    expect(run.outputs?.counts?.regions).toBe(17);
    expect(run.outputs?.shard).toBe("1/1");
  });
});

describe("keys that would do nothing fail the preview", () => {
  it.each([
    ["acounts", { acounts: { exclude: ["555555555501"] } }, "accounts"],
    ["region", { region: "eu-west-1" }, "regions"],
    ["hubStackName", { hubStackName: "acme/root-activity-monitor/hub" }, "hubStack"],
  ])("a typo (%s) names the closest known key", async (key, overrides, closest) => {
    const run = await spoke(overrides);
    expect(run.error).toContain(`Invalid config root-activity-monitor:${key}: this project has no such key`);
    expect(run.error).toContain(`Did you mean root-activity-monitor:${closest}?`);
    expect(run.resources.filter((r) => r.type.startsWith("aws:"))).toHaveLength(0);
  });

  it.each([
    ["regions", ["us-east-1"]],
    ["hubStack", "acme/root-activity-monitor/hub"],
    ["shard", "1/2"],
  ])("a hub stack with the spoke key %s says which role reads it", async (key, value) => {
    const run = await hub({ [key]: value });
    expect(run.error).toContain(
      `Invalid config root-activity-monitor:${key}: only spoke stacks read it; this is a hub stack`,
    );
    expect(run.resources.filter((r) => r.type.startsWith("aws:"))).toHaveLength(0);
  });

  it.each([
    ["notificationEmails", ["ops@example.com"], []],
    ["webhookUrl", "https://hooks.example.com/x", ["webhookUrl"]],
    ["subscriptions", [{ protocol: "email", endpoint: "ops@example.com" }], []],
  ])("a spoke stack with the hub key %s says which role reads it", async (key, value, secretKeys) => {
    const run = await spoke({ [key]: value }, { secretKeys });
    expect(run.error).toContain(
      `Invalid config root-activity-monitor:${key}: only hub stacks read it; this is a spoke stack`,
    );
  });

  it("accepts keys both roles read, and another role's key left at its default", async () => {
    const run = await hub({ includeReadOnlyEvents: false, regions: [], shard: "1/1", hubStack: "" });
    expect(run.error).toBeUndefined();
    const s = await spoke({ includeReadOnlyEvents: false, notificationEmails: [], regions: ["us-east-1"] });
    expect(s.error).toBeUndefined();
  });
});
