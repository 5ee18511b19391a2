// What the hub's parts share. Each part is a component named as its hub, and names its resources
// `<hub>-<part>`, so two hubs in one stack never share a URN. The parts are the names the hub gave
// its resources before it was split into parts: a hub from then aliases each resource to its old
// URN, so an update keeps it (the queues' messages, the state table, the key, the confirmed email
// subscriptions) instead of replacing it.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { accountRootArn, arn } from "../common/awsNames";

/** Where the hub is deployed: what its ARNs are built from, in any partition. */
export interface HubAccount {
  partition: pulumi.Output<string>;
  region: pulumi.Output<string>;
  accountId: pulumi.Output<string>;
}

export function hubAccount(parent: pulumi.Resource): HubAccount {
  const opts = { parent };
  const accountId = aws.getCallerIdentityOutput({}, opts).accountId;
  const region = aws.getRegionOutput({}, opts).region;
  return { partition: aws.getPartitionOutput({}, opts).partition, region, accountId };
}

/** An ARN in the hub's account and region. */
export function hubArn(a: HubAccount, service: string, resource: string): pulumi.Output<string> {
  return pulumi
    .all([a.partition, a.region, a.accountId])
    .apply(([p, r, id]) => arn(p, service, r, id, resource));
}

/** The hub account's root principal: the account itself, in a key policy. */
export function hubAccountRoot(a: HubAccount): pulumi.Output<string> {
  return pulumi.all([a.partition, a.accountId]).apply(([p, id]) => accountRootArn(p, id));
}

/** Every alarm of the hub's account and region: who may publish to the topic and use the key. */
export const hubAlarmArns = (a: HubAccount): pulumi.Output<string> => hubArn(a, "cloudwatch", "alarm:*");

export interface PartArgs {
  /** The Hub that held these resources directly, under their part names, before the split. */
  preSplitHub?: pulumi.Resource;
}

/** One concern of a hub, as a component. */
export class HubPart extends pulumi.ComponentResource {
  private readonly hubName: string;
  private readonly preSplitHub?: pulumi.Resource;

  constructor(type: string, name: string, args: PartArgs, opts?: pulumi.ComponentResourceOptions) {
    super(type, name, {}, opts);
    this.hubName = name;
    this.preSplitHub = args.preSplitHub;
  }

  /** The resource name of one part of this hub. */
  childName(part: string): string {
    return `${this.hubName}-${part}`;
  }

  /** Options for that resource: this parent, and the alias to its pre-split URN (`oldName`). */
  childOpts(
    part: string,
    extra: pulumi.CustomResourceOptions = {},
    oldName: string = part,
  ): pulumi.CustomResourceOptions {
    const aliases = this.preSplitHub ? [{ name: oldName, parent: this.preSplitHub }] : [];
    return { ...extra, parent: this, ...(aliases.length ? { aliases } : {}) };
  }

  /**
   * What names that AWS wants unique and that are set, not generated (the dashboard, the webhook
   * parameter), are scoped to: the stack for its first hub, as always; the stack and the hub else.
   */
  physicalScope(): string {
    return this.preSplitHub ? pulumi.getStack() : `${pulumi.getStack()}/${this.hubName}`;
  }
}
