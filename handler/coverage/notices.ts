// The coverage function's notices, in the alerts' model (formats.ts renders them per protocol, as
// for root alerts), with the routing attribute `kind` = "coverage" so a filter policy can send them
// to their own channel.
import { DOC_SCHEMA, type AccountName, type Alert } from "../alerts/alertModel";
import * as part from "../alerts/alertParts";
import type { Severity } from "../records";
import { oneLine } from "../support/text";
import type { LifecycleChange } from "../classify/lifecycleEvent";
import type { Started, TriggerKind } from "./triggers";

export const COVERAGE_KIND = "coverage" as const;

/** Values of the `coverage` attribute: what the notice is about (a filter policy may test them). */
export const COVERAGE_EVENTS = [
  "created",
  "invited",
  "joined",
  "moved",
  "departed",
  "closed",
  "unselected",
  "region",
  "watched",
  "skipped",
  "failed",
  "timeout",
] as const;
export type CoverageEvent = (typeof COVERAGE_EVENTS)[number];

/** What became of one spoke stack for this change. */
export interface StackAction {
  stack: string;
  /** False: the stack selects by OU and the account's place is unknown; it was run to be sure. */
  certain: boolean;
  /** Started now. */
  started?: Started;
  /** Already started for this account within the window (by this event or an earlier one). */
  alreadyStarted?: boolean;
}

interface NoticeSpec {
  severity: Severity;
  /** Short, for the subject: "Account joined, not yet watched". */
  headline: string;
  /** The `coverage` attribute: joined, departed, region, watched, failed, ... */
  event: CoverageEvent;
  accountId?: string;
  accountName?: string;
  region?: string;
  eventName?: string;
  stack?: string;
  summary: string;
  rows: [string, string][];
  steps: string[];
  link?: string;
  envelopeId?: string;
  sqsMessageId?: string;
  now: Date;
}

function nameOf(accountName: string | undefined): AccountName {
  return accountName ? { ok: true, name: accountName } : { ok: false, reason: "not in the event" };
}

/** The one builder every coverage notice goes through. */
export function coverageNotice(n: NoticeSpec): Alert {
  const name = nameOf(n.accountName);
  const subject = part.buildSubject(n.severity, n.headline, n.accountId, n.accountName);
  const rows: [string, string][] = [["Account", part.accountLine(n.accountId, name)], ...n.rows];
  if (n.link) rows.push(["Link", n.link]);
  const text = [
    `${n.headline.toUpperCase()} (${n.severity.toUpperCase()})`,
    "",
    n.summary,
    "",
    part.lines(rows),
    "",
    ...(n.steps.length ? ["WHAT TO DO:", ...n.steps.map((s) => `- ${s}`), ""] : []),
    part.footer(n.now, n.envelopeId, n.sqsMessageId),
  ].join("\n");
  return {
    kind: COVERAGE_KIND,
    severity: n.severity,
    subject,
    text,
    doc: {
      schema: DOC_SCHEMA,
      kind: COVERAGE_KIND,
      coverage: n.event,
      severity: n.severity,
      title: subject,
      summary: oneLine(n.summary, 2000),
      account: part.accountDoc(n.accountId, name),
      facts: Object.fromEntries(n.rows.map(([k, v]) => [k, oneLine(v, 1000)])),
      nextSteps: n.steps,
      link: n.link ?? null,
      envelopeId: part.docValue(n.envelopeId, 100),
      sqsMessageId: part.docValue(n.sqsMessageId, 100),
      generatedAt: n.now.toISOString(),
    },
    chat: {
      title: subject,
      facts: rows,
      nextSteps: n.steps.slice(0, 5),
      keywords: part.keywords(COVERAGE_KIND, n.event, n.accountId),
      threadId: part.threadOf(n.accountId),
      ...(n.link ? { link: n.link } : {}),
    },
    attributes: part.attributesOf({
      kind: COVERAGE_KIND,
      severity: n.severity,
      accountId: n.accountId,
      name,
      eventName: n.eventName,
      region: n.region,
      more: { coverage: n.event, stack: n.stack },
    }),
  };
}

/** The `coverage` attribute of a change. */
function eventOf(kind: LifecycleChange["kind"]): CoverageEvent {
  return kind === "region-enabled" ? "region" : kind;
}

const HOW: Record<string, string> = {
  created: "created",
  invited: "invited",
  joined: "joined",
  moved: "moved",
};

/** "created", "invited", "moved into OU ou-..." */
function how(c: LifecycleChange): string {
  if (c.kind === "moved") return c.parentId ? `moved into ${c.parentId}` : "moved to another OU";
  return HOW[c.kind] ?? c.kind;
}

/** The commands that bring one stack up to date by hand (trigger `none`, or a failed trigger). */
export function manualSteps(stacks: string[]): string[] {
  return stacks.flatMap((s) => [`npx pulumi up --stack ${s}`, `npm run coverage -- --stack ${s}`]);
}

function stackLine(a: StackAction, trigger: TriggerKind): string {
  const maybe = a.certain ? "" : " (may select it: its OU could not be ruled out)";
  if (a.alreadyStarted)
    return `${a.stack}${maybe}: update already started for this account within the hour${a.started?.id ? ` (deployment ${a.started.id})` : ""}`;
  if (a.started?.id) return `${a.stack}${maybe}: deployment ${a.started.id} started`;
  if (a.started) return `${a.stack}${maybe}: ${trigger} run requested`;
  return `${a.stack}${maybe}: not started (trigger none)`;
}

export interface ChangeContext {
  change: LifecycleChange;
  actions: StackAction[];
  trigger: TriggerKind;
  now: Date;
  sqsMessageId?: string;
}

/** An account joined (created, invited) or moved: unwatched until its stacks update. */
export function joinedNotice(x: ChangeContext): Alert {
  const c = x.change;
  const who = c.accountId ?? "an account (the event did not say which)";
  const when = part.formatUtc(c.time);
  const stacks = x.actions.map((a) => a.stack);
  const base = `Account ${who}${c.accountName ? ` (${c.accountName})` : ""} ${c.kind === "moved" ? "was" : "joined the organization:"} ${how(c)} at ${when}.`;
  const spec = {
    accountId: c.accountId,
    accountName: c.accountName,
    eventName: c.eventName,
    envelopeId: c.envelopeId,
    sqsMessageId: x.sqsMessageId,
    now: x.now,
  };
  if (stacks.length === 0) {
    return coverageNotice({
      ...spec,
      severity: "high",
      headline: "Account joined, no spoke selects it",
      event: "unselected",
      summary: `${base} No spoke stack of the repository selects it, so its root activity will NOT be watched.`,
      rows: [
        ["Change", how(c)],
        ["Time (UTC)", when],
      ],
      steps: [
        "Add the account (accounts.include) or its OU (organizationalUnits) to a spoke stack file, or remove it from accounts.exclude, then deploy that stack.",
      ],
    });
  }
  const started = x.actions.filter((a) => a.started || a.alreadyStarted);
  const summary =
    x.trigger === "none"
      ? `${base} Root activity there is not watched until stack ${stacks.join(", ")} updates. Nothing was started (coverageTrigger none): run the commands below.`
      : `${base} Root activity there is not watched until stack ${stacks.join(", ")} updates; ${started.length} update(s) started. A notice follows when it is watched.`;
  const link = x.actions.find((a) => a.started?.consoleUrl)?.started?.consoleUrl;
  return coverageNotice({
    ...spec,
    severity: "medium",
    headline: c.kind === "moved" ? "Account moved, not yet watched" : "Account joined, not yet watched",
    event: eventOf(c.kind),
    stack: stacks.join(","),
    summary,
    rows: [
      ["Change", how(c)],
      ["Time (UTC)", when],
      ...x.actions.map((a): [string, string] => ["Stack", stackLine(a, x.trigger)]),
    ],
    steps: x.trigger === "none" ? manualSteps(stacks) : [],
    ...(link ? { link } : {}),
  });
}

/** An account left or was closed: the stacks that covered it were run so its rules and role go. */
export function departedNotice(x: ChangeContext): Alert {
  const c = x.change;
  const stacks = x.actions.map((a) => a.stack);
  const what = c.kind === "closed" ? "was closed" : "left the organization";
  const link = x.actions.find((a) => a.started?.consoleUrl)?.started?.consoleUrl;
  return coverageNotice({
    severity: "low",
    headline: c.kind === "closed" ? "Account closed" : "Account left the organization",
    event: eventOf(c.kind),
    accountId: c.accountId,
    accountName: c.accountName,
    eventName: c.eventName,
    stack: stacks.join(","),
    summary:
      `Account ${c.accountId ?? "(not named in the event)"} ${what} at ${part.formatUtc(c.time)}${c.method ? ` (${c.method})` : ""}. ` +
      (stacks.length === 0
        ? "No spoke stack selected it."
        : x.trigger === "none"
          ? `Update ${stacks.join(", ")} so its forwarding rules and role are removed.`
          : `Updates of ${stacks.join(", ")} were started to remove its forwarding rules and role.`),
    rows: x.actions.map((a): [string, string] => ["Stack", stackLine(a, x.trigger)]),
    steps: x.trigger === "none" ? manualSteps(stacks) : [],
    envelopeId: c.envelopeId,
    sqsMessageId: x.sqsMessageId,
    now: x.now,
    ...(link ? { link } : {}),
  });
}

/** An account opted into a region that none of its spoke stacks watches. */
export function regionNotice(c: LifecycleChange, stacks: string[], now: Date, sqsMessageId?: string): Alert {
  const region = c.region ?? "(region not named in the event)";
  return coverageNotice({
    severity: "medium",
    headline: `Region ${c.region ?? "?"} enabled, not watched`,
    event: "region",
    accountId: c.accountId,
    eventName: c.eventName,
    region: c.region,
    stack: stacks.join(","),
    summary: `Account ${c.accountId ?? "?"} opted into ${region} at ${part.formatUtc(c.time)}. No spoke stack watches ${region} for it, so root API calls there are not seen.`,
    rows: [["Region", region], ...stacks.map((s): [string, string] => ["Stack", s])],
    steps: [
      `Add ${region} to root-activity-monitor:regions in ${stacks.length ? stacks.map((s) => `Pulumi.${s}.yaml`).join(", ") : "the spoke stack file that selects the account"}, then deploy.`,
    ],
    envelopeId: c.envelopeId,
    sqsMessageId,
    now,
  });
}

/** The follow-up of one deployment, as the coverage queue carries it. */
export interface FollowUp {
  stack: string;
  deploymentId: string;
  consoleUrl?: string;
  accountId?: string;
  accountName?: string;
  /** ISO time after which a deployment still running is reported as timed out. */
  deadline: string;
  startedAt: string;
}

export type FollowUpEnd = "succeeded" | "failed" | "skipped" | "timeout";

export function followUpNotice(
  f: FollowUp,
  end: FollowUpEnd,
  status: string,
  now: Date,
  sqsMessageId?: string,
): Alert {
  const who = f.accountId ?? "the account";
  const rows: [string, string][] = [
    ["Stack", f.stack],
    ["Deployment", f.deploymentId],
    ["Status", status],
    ["Started (UTC)", part.formatUtc(f.startedAt)],
  ];
  const common = {
    accountId: f.accountId,
    accountName: f.accountName,
    stack: f.stack,
    rows,
    now,
    sqsMessageId,
    ...(f.consoleUrl ? { link: f.consoleUrl } : {}),
  };
  if (end === "succeeded") {
    return coverageNotice({
      ...common,
      severity: "low",
      headline: "Account now watched",
      event: "watched",
      summary: `Deployment ${f.deploymentId} of ${f.stack} succeeded: root activity in ${who} is now watched.`,
      steps: [`npm run coverage -- --stack ${f.stack}`],
    });
  }
  if (end === "skipped") {
    return coverageNotice({
      ...common,
      severity: "medium",
      headline: "Spoke deployment skipped",
      event: "skipped",
      summary: `Deployment ${f.deploymentId} of ${f.stack} was skipped (a newer deployment superseded it, or it waited too long). Check that the stack's latest deployment succeeded; until it has, ${who} may be unwatched.`,
      steps: manualSteps([f.stack]),
    });
  }
  const why =
    end === "failed"
      ? `Deployment ${f.deploymentId} of ${f.stack} failed`
      : `Deployment ${f.deploymentId} of ${f.stack} had not finished by ${part.formatUtc(f.deadline)} (status ${status})`;
  return coverageNotice({
    ...common,
    severity: "high",
    headline:
      end === "failed"
        ? "Spoke deployment failed, account unwatched"
        : "Spoke deployment timed out, account unwatched",
    event: end,
    summary: `${why}: root activity in ${who} is still NOT watched.`,
    steps: ["Open the deployment's log (link below) and fix the cause.", ...manualSteps([f.stack])],
  });
}
