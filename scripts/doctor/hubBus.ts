// The doctor's last check: the hub bus exists, and its policy lets the organization put events on it.
import { DescribeEventBusCommand, type EventBridgeClient } from "@aws-sdk/client-eventbridge";
import type { STSClient } from "@aws-sdk/client-sts";
import { accountRootArn, errorName, parseBusArn, roleArn } from "../../common/awsNames";
import type { AccountSelection } from "../../spoke/discovery";
import { errorMessage, errorText } from "../../common/errors";
import { assumeRole, type Assumed, type AwsCredentialIdentity } from "../shared/access";
import { outputsFileHint, PulumiCliError } from "../shared/pulumiCli";
import { pulumiStackOutputs, requireStringOutput } from "../shared/stackOutputs";
import { policyAdmitsOrganization } from "./busPolicy";
import { SESSION_NAME, type CheckResult, type DoctorOptions, type DoctorRow } from "./types";
import { readFailure, readFix } from "../shared/readFailure";

/** The hub stack's eventBusArn output, read with the Pulumi CLI in `cwd`. */
export async function pulumiStackOutput(hubStack: string, cwd: string = process.cwd()): Promise<string> {
  const where = `the outputs of hub stack ${hubStack}`;
  return requireStringOutput(await pulumiStackOutputs(hubStack, cwd), "eventBusArn", where);
}

function row(result: CheckResult, detail: string, fix?: string, accountId = "-"): DoctorRow {
  const r: DoctorRow = { accountId, name: "hub", check: "hub bus", result, detail };
  if (fix) r.fix = fix;
  return r;
}

/** The bus ARN: given, configured, or read from the hub stack; a row when it cannot be had. */
async function hubBusArn(opts: DoctorOptions): Promise<string | DoctorRow> {
  const { config } = opts;
  if (opts.hubBusArn) return opts.hubBusArn;
  if ("hubEventBusArn" in config.hub) return config.hub.hubEventBusArn;
  const hubStack = config.hub.hubStack;
  try {
    return await (opts.resolveHubStack ?? ((s: string) => pulumiStackOutput(s)))(hubStack);
  } catch (err) {
    const noCli = err instanceof Error && err.cause instanceof PulumiCliError && err.cause.missing;
    return row(
      "fail",
      `cannot read output eventBusArn of hub stack ${hubStack}: ${errorMessage(err)}`,
      noCli
        ? `pass the hub's outputs as a file (${outputsFileHint(hubStack)}), or --hub-bus-arn <arn>`
        : `deploy the hub stack and log in to its backend (npx pulumi login), or set hubEventBusArn, ` +
            `or pass --outputs <hub outputs.json> or --hub-bus-arn <arn>`,
    );
  }
}

export async function checkHubBus(
  opts: DoctorOptions,
  selection: AccountSelection,
  sts: STSClient,
  assumed: Map<string, Assumed>,
  eventBridgeFactory: (region: string, credentials?: AwsCredentialIdentity) => EventBridgeClient,
): Promise<DoctorRow> {
  const { config } = opts;
  const busArn = await hubBusArn(opts);
  if (typeof busArn !== "string") return busArn;
  const where = parseBusArn(busArn);
  if (!where) {
    return row(
      "fail",
      `"${busArn}" is not an EventBridge bus ARN`,
      "set hubEventBusArn to the hub's eventBusArn output",
    );
  }

  let credentials: AwsCredentialIdentity | undefined;
  if (where.accountId !== selection.callerAccountId) {
    const arn = roleArn(where.partition, where.accountId, config.memberRoleName);
    const result = assumed.get(where.accountId) ?? (await assumeRole(sts, arn, SESSION_NAME));
    if (!result.ok) {
      return row(
        "fail",
        `${busArn}: cannot assume ${arn} to read the bus: ${errorText(result.error)}`,
        `create role ${config.memberRoleName} in the hub account ${where.accountId} trusting ` +
          `${accountRootArn(where.partition, selection.callerAccountId)} (the hub account needs spoke rules too)`,
        where.accountId,
      );
    }
    credentials = result.credentials;
  }

  let policy: string | undefined;
  try {
    const bus = await eventBridgeFactory(where.region, credentials).send(
      new DescribeEventBusCommand({ Name: busArn }),
    );
    policy = bus.Policy;
  } catch (err) {
    if (errorName(err) === "ResourceNotFoundException") {
      return row(
        "fail",
        `${busArn} does not exist (${errorMessage(err)})`,
        "deploy the hub stack first (pulumi up on the hub), or correct hubEventBusArn / hubStack",
        where.accountId,
      );
    }
    return row(
      "fail",
      `events:DescribeEventBus on ${busArn} failed: ${errorText(err)}`,
      readFailure(err) === "access-denied"
        ? `allow events:DescribeEventBus to role ${config.memberRoleName} in ${where.accountId}, and check the ARN`
        : readFix(err, "events:DescribeEventBus"),
      where.accountId,
    );
  }

  if (!selection.organizationId) {
    return row(
      "fail",
      `${busArn} exists, but its policy cannot be checked: organizations:DescribeOrganization was denied`,
      "allow organizations:DescribeOrganization to the stack's credentials",
      where.accountId,
    );
  }
  const verdict = policyAdmitsOrganization(policy, selection.organizationId, busArn);
  return verdict.ok
    ? row("ok", `${busArn}: ${verdict.reason}`, undefined, where.accountId)
    : row(
        "fail",
        `${busArn}: ${verdict.reason}, so spoke rules cannot deliver to it`,
        `update the hub stack (its bus policy must allow events:PutEvents with aws:PrincipalOrgID ` +
          `${selection.organizationId}), then run pulumi up on the hub`,
        where.accountId,
      );
}
