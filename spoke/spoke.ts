// A spoke: in every selected account and region, a rule on the default bus forwards root events
// straight to the hub bus (EventBridge delivers bus-to-bus in one hop only).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { rootEventPattern, rootRuleState, type RuleState } from "../handler/classify/rootEvent";
import { callerDeployer, deploySessionArn, withTamper } from "../handler/classify/tamperEvent";
import { partitionOf, roleArn } from "../common/awsNames";
import { lifecycleRules, type HubRule } from "./lifecycleRules";
import { DEPLOY_SESSION_NAME, FORWARD_RULE_NAME, FORWARDER_ROLE_NAME } from "../common/monitorNames";
import { policyDocument, sourceConditions, type Statement } from "../common/iamPolicy";

export interface SpokeAccount {
  id: string;
  name: string;
}

export interface SpokeArgs {
  /**
   * The hub bus. Pass the ARN as a plain string when it is known (config `hubEventBusArn`): every
   * role policy and target then holds a plain value, with nothing to resolve per resource. An
   * Output (a StackReference) works too.
   */
  hubEventBusArn: pulumi.Input<string>;
  accounts: SpokeAccount[];
  /** The account whose credentials run the stack: reached directly, without assuming a role. */
  callerAccountId: string;
  /** Who runs the stack (GetCallerIdentity): its changes in its own account are not tamper alerts. */
  callerArn?: string;
  regions: string[];
  memberRoleName: string;
  includeReadOnlyEvents: boolean;
  /** Region for the per-account providers; each resource names its own region. */
  providerRegion: string;
  /** Where Organizations' lifecycle events arrive (spoke/lifecycleRules.ts). */
  managementAccountId?: string;
  controlTowerHomeRegion?: string;
  /** The stack's `aws:profile`, so assume-role providers start from the same credentials. */
  profile?: string;
}

export const SESSION_NAME = DEPLOY_SESSION_NAME;
/** Spoke-to-hub delivery: retry for a day (the maximum). */
export const FORWARD_RETRY = { maximumEventAgeInSeconds: 86_400, maximumRetryAttempts: 185 };

const POLICY_VERSION = "2012-10-17";

/**
 * A policy document as a plain JSON string when no value in it is an Output or a promise, else
 * as an Output (`policyDocument`). Both give the same text.
 */
function policyJson(statements: Statement[]): pulumi.Input<string> {
  const plain = (v: unknown): boolean =>
    v === null || typeof v !== "object"
      ? true
      : !pulumi.Output.isInstance(v) && !(v instanceof Promise) && Object.values(v).every(plain);
  return statements.every(plain)
    ? JSON.stringify({ Version: POLICY_VERSION, Statement: statements })
    : policyDocument(statements);
}

/**
 * The forwarding role's trust: EventBridge, only on behalf of this account. The same document as
 * `serviceTrustPolicy("events.amazonaws.com", accountId)` (common/iamPolicy.ts), built as a plain
 * string: the account ID is always known, so there is no Output to resolve per account.
 */
function eventsTrustPolicy(accountId: string): pulumi.Input<string> {
  return policyJson([
    {
      Sid: "TrustedServiceForThisAccountOnly",
      Effect: "Allow",
      Principal: { Service: "events.amazonaws.com" },
      Action: "sts:AssumeRole",
      Condition: sourceConditions(accountId),
    },
  ]);
}

/** The account's forwarding rule in `region`: root activity and changes to this monitor. */
function forwardRule(accountId: string, region: string, eventPattern: string, state: RuleState): HubRule {
  return {
    resourceName: `forward-${accountId}-${region}`,
    region,
    name: FORWARD_RULE_NAME,
    description:
      "root-activity-monitor: forward root-user activity, and changes to this monitor, to the hub bus",
    eventPattern,
    state,
  };
}

/** `value`, one turn of the event loop later. */
function nextTurn<T>(value: T): Promise<T> {
  return new Promise((resolve) => setImmediate(resolve, value));
}

/** What every account's resources share. */
interface Shared {
  args: SpokeArgs;
  partition: string;
  /** The caller's own account's pattern: its tamper branch leaves the caller out. */
  callerPattern: string;
  state: RuleState;
  forwardPolicy: pulumi.Input<string>;
}

export class RootActivitySpoke extends pulumi.ComponentResource {
  /** Forwarding rules created (accounts x regions). */
  ruleCount = 0;
  /** Lifecycle rules created (spoke/lifecycleRules.ts): one per account, in us-east-1 (and the Control Tower home region of the management account). */
  lifecycleRuleCount = 0;

  /**
   * Builds the spoke: the component, then each account's provider, role, rules and targets.
   *
   * Between two accounts it gives the event loop one turn, so the registrations already issued
   * can complete and release their bookkeeping: until a resource is registered, Pulumi holds four
   * promises per output property, each with a formatted stack trace. Built in one synchronous
   * loop, the whole organization's pending registrations were alive at once (9 GiB at 1,000
   * accounts), and garbage collection made the time grow faster than the number of accounts
   * (BENCHMARKS.md). Names, parents, providers and inputs are the same either way.
   *
   * Each account is built by `addAccount` called straight from the microtask queue, not from
   * inside this async function: Pulumi formats a stack trace (through source maps) four times per
   * property of every resource, ten frames each, and the awaiting callers (deploySpoke, index.ts)
   * would be frames of every one of them. Called this way the stack under a constructor is one
   * frame of ours, and stack formatting, the program's largest cost, shrinks by a fifth
   * (BENCHMARKS.md, "Spoke profile"). The source position Pulumi records is the same line.
   */
  static async create(
    name: string,
    args: SpokeArgs,
    opts?: pulumi.ComponentResourceOptions,
  ): Promise<RootActivitySpoke> {
    const spoke = new RootActivitySpoke(name, opts);
    const shared: Shared = {
      args,
      partition: partitionOf(args.providerRegion),
      callerPattern: JSON.stringify(withTamper(rootEventPattern(), callerDeployer(args.callerArn))),
      state: rootRuleState(args.includeReadOnlyEvents),
      // Only the hub bus, only PutEvents: the one thing forwarding needs. One document for all roles.
      forwardPolicy: policyJson([
        {
          Sid: "ForwardToHubBus",
          Effect: "Allow",
          Action: "events:PutEvents",
          Resource: args.hubEventBusArn,
        },
      ]),
    };
    await new Promise<void>((resolve, reject) => {
      const next = (i: number): void => {
        if (i === args.accounts.length) resolve();
        else nextTurn(i).then(add).catch(reject);
      };
      const add = spoke.addAccount.bind(spoke, shared, next);
      next(0);
    });
    spoke.registerOutputs({});
    return spoke;
  }

  private constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("root-activity-monitor:index:Spoke", name, {}, opts);
  }

  /** Account `i`'s provider, role, rules and targets; then `next(i + 1)`. */
  private addAccount(shared: Shared, next: (i: number) => void, i: number): void {
    const { args } = shared;
    const account = args.accounts[i] as SpokeAccount;
    const provider =
      account.id === args.callerAccountId
        ? undefined
        : new aws.Provider(
            `account-${account.id}`,
            {
              region: args.providerRegion as aws.Region,
              profile: args.profile,
              assumeRoles: [
                {
                  roleArn: roleArn(partitionOf(args.providerRegion), account.id, args.memberRoleName),
                  sessionName: SESSION_NAME,
                },
              ],
            },
            { parent: this },
          );
    const inAccount: pulumi.CustomResourceOptions = { parent: this, provider };
    // Each member's rule leaves out exactly its own deploy session (an exact ARN, no wildcard).
    const pattern = provider
      ? JSON.stringify(
          withTamper(rootEventPattern(), deploySessionArn(shared.partition, account.id, args.memberRoleName)),
        )
      : shared.callerPattern;

    // Fixed names the guard can name (common/monitorNames.ts). Renaming from the old auto-names
    // replaces create-before-delete: the new names differ, so both exist until the new target is in.
    const role = new aws.iam.Role(
      `forwarder-${account.id}`,
      {
        name: FORWARDER_ROLE_NAME,
        description: "root-activity-monitor: lets EventBridge forward root events to the hub bus",
        assumeRolePolicy: eventsTrustPolicy(account.id),
        inlinePolicies: [{ name: "put-events-to-hub", policy: shared.forwardPolicy }],
      },
      inAccount,
    );

    const forwarding = args.regions.map((region) => forwardRule(account.id, region, pattern, shared.state));
    const lifecycle = lifecycleRules(args, account.id, args.regions);
    // Every rule forwards to the hub bus the same way: the account's role, a day of retries.
    for (const rule of [...forwarding, ...lifecycle]) {
      const { resourceName, region, name, description, eventPattern, state } = rule;
      const created = new aws.cloudwatch.EventRule(
        resourceName,
        { region, name, description, eventPattern, state },
        inAccount,
      );
      new aws.cloudwatch.EventTarget(
        resourceName,
        {
          region,
          rule: created.name,
          arn: args.hubEventBusArn,
          roleArn: role.arn,
          retryPolicy: FORWARD_RETRY,
        },
        inAccount,
      );
    }
    this.ruleCount += forwarding.length;
    this.lifecycleRuleCount += lifecycle.length;
    next(i + 1);
  }
}
