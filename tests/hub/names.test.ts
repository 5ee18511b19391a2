// How the hub names its resources: two hubs in one stack share no URN, no URN shows an email
// address, and a hub deployed before the hub was split into parts keeps every resource (each new
// URN's alias is its old one, recorded from that program in testkit/hubUrnsBeforeSplit.json).
// URNs here are the engine's (run.engineUrns): the mock monitor prefixes only the parent's own type.
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import before from "../../testkit/hubUrnsBeforeSplit.json";
import { ofType, runProgram, type EngineUrn, type ProgramRun } from "../../testkit/program";
import { TESTS_DIR } from "../../testkit/paths";

// The config the old URNs were recorded with: every kind of resource the hub can make.
const FULL_CONFIG = {
  organizationId: "o-exampleorg1",
  notificationEmails: ["security-oncall@example.com", "second@example.com"],
  subscriptions: [
    { protocol: "email", endpoint: "oncall@example.com", filterPolicy: { severity: ["critical"] } },
    { protocol: "sqs", endpoint: "arn:aws:sqs:us-east-1:333333333333:siem", rawMessageDelivery: true },
    { protocol: "https", endpoint: "https://global.sns-api.chatbot.amazonaws.com" },
  ],
  webhookUrl: "https://hooks.slack.com/services/T0/B0/x",
  webhookFormat: "teams",
};
const HUB_URN = "urn:pulumi:test::root-activity-monitor::root-activity-monitor:index:Hub";
const typeAndName = (urn: string) => {
  const [, , type = "", name = ""] = urn.split("::");
  return { type: type.split("$").pop() ?? "", name };
};

function fullRun(program?: string): Promise<ProgramRun> {
  return runProgram({
    stackFile: "Pulumi.hub.yaml",
    overrides: FULL_CONFIG,
    secretKeys: ["webhookUrl"],
    engineUrns: true,
    ...(program ? { program } : {}),
  });
}

function engineUrns(run: ProgramRun): EngineUrn[] {
  if (run.error || !run.engineUrns) throw new Error(`program failed: ${run.error}\n${run.stderr}`);
  return run.engineUrns;
}

describe("the hub of the program, with every kind of resource", () => {
  let urns: EngineUrn[];
  beforeAll(async () => {
    urns = engineUrns(await fullRun());
  }, 240_000);

  it("puts every resource under the Hub, in one of its parts", () => {
    const [hub, ...rest] = urns.filter((u) => u.urn.startsWith(HUB_URN));
    expect(hub?.urn).toBe(`${HUB_URN}::root-activity-hub`);
    expect(rest).toHaveLength(urns.length - 1);
    const parts = rest.filter((u) => !u.urn.includes("$aws:")).map((u) => typeAndName(u.urn).type);
    expect(parts.sort()).toEqual([
      "root-activity-monitor:hub:Alerting",
      "root-activity-monitor:hub:Coverage",
      "root-activity-monitor:hub:Ingest",
      "root-activity-monitor:hub:Notifier",
      "root-activity-monitor:hub:Observability",
    ]);
    for (const u of rest) {
      expect(u.urn).toMatch(
        /^[^$]*:index:Hub\$root-activity-monitor:hub:[A-Za-z]+(\$aws:[^$]+)?::root-activity-hub/,
      );
    }
  });

  it("shows no email address in any URN", () => {
    for (const u of urns) expect(u.urn).not.toContain("@");
    const subs = urns.filter((u) => u.urn.includes("$aws:sns/topicSubscription:"));
    expect(subs.map((u) => typeAndName(u.urn).name)).toEqual(
      subs.map(() => expect.stringMatching(/^root-activity-hub-sub-(email|sqs|https)-[0-9a-f]{12}$/)),
    );
  });

  it("aliases every resource of the pre-split hub to its old URN, so an update replaces none", () => {
    const now = new Set(urns.map((u) => u.urn));
    const aliased = new Map<string, string>();
    for (const u of urns) {
      for (const alias of u.aliases) {
        expect(aliased.get(alias), `${alias} aliased twice`).toBeUndefined();
        expect(now.has(alias), `${alias} is also a live URN`).toBe(false);
        aliased.set(alias, u.urn);
      }
    }
    const mapping = before.urns.map((old) => [old, now.has(old) ? old : aliased.get(old)]);
    expect(mapping.filter(([, to]) => to === undefined)).toEqual([]);
    // Each old resource maps to a new one of its own type; the resources that hold state among them.
    for (const [old, to] of mapping)
      expect(typeAndName(to as string).type).toBe(typeAndName(old as string).type);
    const stateful = mapping.filter(([old]) =>
      /\$aws:(dynamodb\/table|sqs\/queue|kms\/key):/.test(old as string),
    );
    expect(
      stateful.map(([old, to]) => [typeAndName(old as string).name, typeAndName(to as string).name]),
    ).toEqual(
      expect.arrayContaining([
        ["state", "root-activity-hub-state"],
        ["events", "root-activity-hub-events"],
        ["dead-letters", "root-activity-hub-dead-letters"],
        ["key", "root-activity-hub-key"],
      ]),
    );
    expect(stateful).toHaveLength(4);
    // Nothing new but the parts themselves, and the coverage part (new since the split) with its own.
    const added = urns.filter((u) => !before.urns.includes(u.urn) && u.aliases.length === 0);
    const coverage = added.filter((u) => u.urn.includes(":hub:Coverage$"));
    expect(coverage.length).toBeGreaterThan(10);
    expect(
      added
        .filter((u) => !coverage.includes(u))
        .map((u) => typeAndName(u.urn).type)
        .sort(),
    ).toEqual([
      "root-activity-monitor:hub:Alerting",
      "root-activity-monitor:hub:Coverage",
      "root-activity-monitor:hub:Ingest",
      "root-activity-monitor:hub:Notifier",
      "root-activity-monitor:hub:Observability",
    ]);
  });
});

describe("two hubs in one stack", () => {
  it("share no URN and no alias", async () => {
    const run = await fullRun(path.join(TESTS_DIR, "..", "testkit", "twoHubs.ts"));
    const urns = engineUrns(run);
    const all = urns.map((u) => u.urn);
    expect(new Set(all).size).toBe(all.length);
    const of = (hub: string) => urns.filter((u) => u.urn.endsWith(`::${hub}`) || u.urn.includes(`::${hub}-`));
    const [a, b] = [of("hub-a"), of("hub-b")];
    expect(a.length).toBeGreaterThan(25);
    expect(a.length + b.length).toBe(urns.length);
    expect(b.length).toBe(a.length);
    // Only the hub that may hold pre-split resources claims their URNs, and none is live.
    expect(b.flatMap((u) => u.aliases)).toEqual([]);
    const aliases = a.flatMap((u) => u.aliases);
    expect(aliases.length).toBe(before.urns.length - 1);
    for (const alias of aliases) expect(all).not.toContain(alias);
    // Nor the names AWS wants unique that a hub sets itself; the first keeps the stack-wide ones.
    const set: [string, string, string[]][] = [
      [
        "aws:cloudwatch/dashboard:Dashboard",
        "dashboardName",
        ["root-activity-monitor-test", "root-activity-monitor-test-hub-b"],
      ],
      [
        "aws:ssm/parameter:Parameter",
        "name",
        ["/root-activity-monitor/test/hub-b/webhook-url", "/root-activity-monitor/test/webhook-url"],
      ],
      ["aws:cloudwatch/eventBus:EventBus", "name", ["root-activity-a", "root-activity-b"]],
    ];
    for (const [type, key, names] of set)
      expect(
        ofType(run, type)
          .map((r) => r.inputs[key])
          .sort(),
      ).toEqual(names);
  });
});
