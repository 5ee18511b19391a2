// Observability: the alarms on every way an event could be lost or stuck, to the alert topic, and
// the dashboard that shows root activity and the hub's health.
import type * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import { hubAlarms, type AlarmTargets } from "./alarms";
import { hubDashboard, type DashboardTargets } from "./dashboard";
import { HubPart, type PartArgs } from "./parts";

export interface ObservabilityArgs extends PartArgs, AlarmTargets, DashboardTargets {
  /** The alarms are created once the rule delivers to the queue: they watch that path. */
  ruleTarget: pulumi.Resource;
}

export class HubObservability extends HubPart {
  readonly alarms: aws.cloudwatch.MetricAlarm[];
  readonly dashboard: aws.cloudwatch.Dashboard;

  constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("root-activity-monitor:hub:Observability", name, args, opts);
    this.alarms = hubAlarms(args, this, { dependsOn: [args.ruleTarget] });
    this.dashboard = hubDashboard(args, this);
    this.registerOutputs({});
  }
}
