// What the self-test takes and gives: the hub it tests, the path the event takes, the clients, and
// one result per stage.
import type { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import type { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import type { STSClient } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity } from "../shared/access";
import type { StackOutputs } from "../shared/stackOutputs";

/** Static AWS credentials, as AssumeRole returns them. */
export type Credentials = AwsCredentialIdentity;

export interface ClientFactories {
  sts?: (region: string, credentials?: Credentials) => STSClient;
  eventBridge?: (region: string, credentials?: Credentials) => EventBridgeClient;
  logs?: (region: string, credentials?: Credentials) => CloudWatchLogsClient;
}

/** What the self-test needs from the hub stack's outputs. */
export interface HubTarget {
  eventBusArn: string;
  notifierLogGroupName: string;
  /** The hub's region: where the notifier's log group is. */
  region: string;
  topicArn?: string;
  deadLetterQueueUrl?: string;
  /** For the fix hints, e.g. "hub" or "acme/root-activity-monitor/hub". */
  stackName?: string;
}

export type SelfTestPath =
  | { via: "hub" }
  | {
      via: "spoke";
      /** Member account whose default bus receives the event. */
      accountId: string;
      region: string;
      /** Role assumed in the member account, and in the hub account to read the logs. */
      memberRoleName: string;
      spokeStack?: string;
    };

export interface SelfTestOptions {
  hub: HubTarget;
  path: SelfTestPath;
  timeoutMs: number;
  pollIntervalMs: number;
  clients?: ClientFactories;
  /** Default: a fresh "selftest-<UTC time>-<random>". */
  testId?: string;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export type StageName =
  "credentials" | "assume role" | "put events" | "notifier logs" | "received" | "published";

export interface StageResult {
  stage: StageName;
  ok: boolean;
  detail: string;
  /** What to check or do; set on every failed stage. */
  fix?: string;
}

export interface SelfTestReport {
  ok: boolean;
  testId: string;
  via: "hub" | "spoke";
  stages: StageResult[];
}

export interface CliDeps {
  /** Reads a stack's outputs when no --outputs file is given. Default: `npx pulumi stack output --json`. */
  stackOutputs?: (stack: string, dir: string) => Promise<StackOutputs>;
  clients?: SelfTestOptions["clients"];
}
