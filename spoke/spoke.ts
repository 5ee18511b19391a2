// A spoke: in every selected account and region, a rule on the default bus forwards root events
// straight to the hub bus (EventBridge delivers bus-to-bus in one hop only).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { rootEventPattern, rootRuleState } from "../handler/rootEvent";
import { policyDocument, serviceTrustPolicy } from "../common/iamPolicy";

export interface SpokeAccount {
  id: string;
  name: string;
}

export interface SpokeArgs {
  hubEventBusArn: pulumi.Input<string>;
  accounts: SpokeAccount[];
  /** The account whose credentials run the stack: reached directly, without assuming a role. */
  callerAccountId: string;
  regions: string[];
  memberRoleName: string;
  includeReadOnlyEvents: boolean;
  /** Region for the per-account providers; each resource names its own region. */
  providerRegion: string;
  /** The stack's `aws:profile`, so assume-role providers start from the same credentials. */
  profile?: string;
}

export const SESSION_NAME = "root-activity-monitor";
/** Spoke-to-hub delivery: retry for a day (the maximum). */
export const FORWARD_RETRY = { maximumEventAgeInSeconds: 86_400, maximumRetryAttempts: 185 };

export class RootActivitySpoke extends pulumi.ComponentResource {
  readonly ruleCount: number;

  constructor(name: string, args: SpokeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("root-activity-monitor:index:Spoke", name, {}, opts);
    const pattern = JSON.stringify(rootEventPattern());
    const state = rootRuleState(args.includeReadOnlyEvents);
    let rules = 0;

    for (const account of args.accounts) {
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
                    roleArn: `arn:aws:iam::${account.id}:role/${args.memberRoleName}`,
                    sessionName: SESSION_NAME,
                  },
                ],
              },
              { parent: this },
            );
      const inAccount: pulumi.CustomResourceOptions = { parent: this, provider };

      const role = new aws.iam.Role(
        `forwarder-${account.id}`,
        {
          description: "root-activity-monitor: lets EventBridge forward root events to the hub bus",
          assumeRolePolicy: serviceTrustPolicy("events.amazonaws.com", account.id),
          inlinePolicies: [
            {
              name: "put-events-to-hub",
              // Only the hub bus, only PutEvents: the one thing forwarding needs.
              policy: policyDocument([
                {
                  Sid: "ForwardToHubBus",
                  Effect: "Allow",
                  Action: "events:PutEvents",
                  Resource: args.hubEventBusArn,
                },
              ]),
            },
          ],
        },
        inAccount,
      );

      for (const region of args.regions) {
        const rule = new aws.cloudwatch.EventRule(
          `forward-${account.id}-${region}`,
          {
            region,
            description: "root-activity-monitor: forward root-user activity to the hub bus",
            eventPattern: pattern,
            state,
          },
          inAccount,
        );
        new aws.cloudwatch.EventTarget(
          `forward-${account.id}-${region}`,
          {
            region,
            rule: rule.name,
            arn: args.hubEventBusArn,
            roleArn: role.arn,
            retryPolicy: FORWARD_RETRY,
          },
          inAccount,
        );
        rules++;
      }
    }
    this.ruleCount = rules;
    this.registerOutputs({});
  }
}
