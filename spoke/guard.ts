// The guard in the organization: one service control policy (common/guardPolicy.ts) and its
// attachments to the targets the plan found room on. Created with the stack's own credentials
// (management account, or a delegated administrator for Organizations policies).
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { guardPolicyText, SCP_TYPE } from "../common/guardPolicy";
import type { GuardTarget } from "./guardPlan";

export interface GuardArgs {
  policyName: string;
  partition: string;
  memberRoleName: string;
  /** The stack's own principal, when it runs from a member account (delegated administrator). */
  alsoExempt: string[];
  targets: GuardTarget[];
}

export class MonitorGuard extends pulumi.ComponentResource {
  readonly policy: aws.organizations.Policy;

  constructor(name: string, args: GuardArgs, opts?: pulumi.ComponentResourceOptions) {
    super("root-activity-monitor:index:Guard", name, {}, opts);
    this.policy = new aws.organizations.Policy(
      `${name}-policy`,
      {
        name: args.policyName,
        type: SCP_TYPE,
        description:
          "root-activity-monitor: only the deploy role may change the monitor's forwarding rules and roles",
        content: guardPolicyText(args.partition, args.memberRoleName, args.alsoExempt),
      },
      { parent: this },
    );
    for (const t of args.targets) {
      new aws.organizations.PolicyAttachment(
        `${name}-${t.id}`,
        { policyId: this.policy.id, targetId: t.id },
        { parent: this },
      );
    }
    this.registerOutputs({});
  }
}
