// The doctor on a hub's coverage trigger (issue 23): the token's secret exists (described, never
// read), the repository has spoke stack files, every spoke stack they name exists and was deployed
// as its file says (role spoke, the same shard), and the deployed hub embeds exactly those files'
// selections. With coverageTrigger none, only the files and the hub's copy of them are checked.
import { DescribeSecretCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { errorName } from "../../common/awsNames";
import { PROJECT } from "../../common/config";
import { errorText } from "../../common/errors";
import type { SpokeSelection } from "../../handler/coverage/selection";
import type { CoverageConfig } from "../../hub/coverage/config";
import { readSpokeSelections } from "../../hub/coverage/spokeStacks";
import { readFix } from "../shared/readFailure";
import type { StackOutputs } from "../shared/stackOutputs";
import type { DoctorRow } from "./types";

export interface CoverageDoctorDeps {
  /** The project directory: its Pulumi.<stack>.yaml files are what the hub embeds. */
  dir: string;
  secrets: SecretsManagerClient;
  /** A spoke stack's outputs by the name the trigger uses; throws when it cannot be read. */
  spokeOutputs(stack: string): Promise<StackOutputs>;
}

function row(check: string, result: DoctorRow["result"], detail: string, fix?: string): DoctorRow {
  return { accountId: "-", name: "hub", check, result, detail, ...(fix ? { fix } : {}) };
}

const shardText = (s: SpokeSelection) => (s.shard ? `${s.shard[0]}/${s.shard[1]}` : "1/1");

/** The name the trigger starts a stack by: org/project/stack for Pulumi Deployments. */
export function triggerStackName(c: CoverageConfig, stack: string): string {
  return c.kind === "pulumi-deployments" ? `${c.pulumiOrganization}/${PROJECT}/${stack}` : stack;
}

async function secretRow(c: CoverageConfig, secrets: SecretsManagerClient): Promise<DoctorRow> {
  const arn = c.tokenSecretArn as string;
  const create = `aws secretsmanager create-secret --name root-activity-monitor/pulumi-token --secret-string file:///dev/stdin (paste the token, Ctrl-D), then set coverageTokenSecretArn to its ARN`;
  try {
    const out = await secrets.send(new DescribeSecretCommand({ SecretId: arn }));
    if (out.DeletedDate)
      return row(
        "trigger token",
        "fail",
        `${arn} is scheduled for deletion`,
        `restore it: aws secretsmanager restore-secret --secret-id ${arn}`,
      );
    return row("trigger token", "ok", `secret ${out.Name ?? arn} exists (its value is not read here)`);
  } catch (err) {
    if (errorName(err) === "ResourceNotFoundException")
      return row("trigger token", "fail", `no secret ${arn}`, create);
    return row(
      "trigger token",
      "fail",
      `${arn}: ${errorText(err)}`,
      readFix(err, "secretsmanager:DescribeSecret on the secret to these credentials"),
    );
  }
}

async function stackRow(c: CoverageConfig, s: SpokeSelection, deps: CoverageDoctorDeps): Promise<DoctorRow> {
  const name = triggerStackName(c, s.stack);
  let outputs: StackOutputs;
  try {
    outputs = await deps.spokeOutputs(name);
  } catch (err) {
    return row(
      `spoke ${s.stack}`,
      "fail",
      `${name} cannot be read: ${errorText(err)}`,
      `create and deploy it (npx pulumi stack init ${name} && npx pulumi up --stack ${name}); the trigger cannot start a stack that does not exist`,
    );
  }
  const fix = `npx pulumi up --stack ${name}`;
  if (outputs.role !== "spoke")
    return row(
      `spoke ${s.stack}`,
      "fail",
      `${name} exists but is not a deployed spoke (role ${String(outputs.role)})`,
      fix,
    );
  if (outputs.shard !== shardText(s))
    return row(
      `spoke ${s.stack}`,
      "fail",
      `${name} was deployed with shard ${String(outputs.shard)}; Pulumi.${s.stack}.yaml says ${shardText(s)}`,
      fix,
    );
  return row(
    `spoke ${s.stack}`,
    "ok",
    `${name} exists, deployed as its stack file says (shard ${shardText(s)})`,
  );
}

/** The hub's copy of the selections (output coverageSpokeStacks) against the files. */
function embeddedRow(stacks: SpokeSelection[], hubOutputs: StackOutputs | undefined): DoctorRow[] {
  if (!hubOutputs) return [];
  const embedded = hubOutputs.coverageSpokeStacks;
  if (embedded === undefined)
    return [
      row(
        "spoke selections",
        "warn",
        "the deployed hub predates the coverage function",
        "npx pulumi up --stack <hub>",
      ),
    ];
  if (JSON.stringify(embedded) === JSON.stringify(stacks))
    return [
      row("spoke selections", "ok", "the deployed hub embeds exactly the spoke stack files' selections"),
    ];
  const had = Array.isArray(embedded)
    ? embedded.map((e: { stack?: unknown }) => String(e.stack)).join(", ")
    : "?";
  return [
    row(
      "spoke selections",
      "fail",
      `the deployed hub embeds other selections (${had || "none"}) than the spoke stack files (${stacks.map((s) => s.stack).join(", ") || "none"})`,
      "npx pulumi up --stack <hub>, so the coverage function picks stacks from the files as they are",
    ),
  ];
}

export async function coverageRows(
  c: CoverageConfig,
  deps: CoverageDoctorDeps,
  hubOutputs?: StackOutputs,
): Promise<DoctorRow[]> {
  let stacks: SpokeSelection[];
  try {
    stacks = readSpokeSelections(deps.dir);
  } catch (err) {
    return [row("spoke stack files", "fail", errorText(err), "fix the spoke stack file the message names")];
  }
  const names = stacks.map((s) => s.stack).join(", ");
  if (c.kind === "none") {
    return [
      row(
        "coverage trigger",
        "ok",
        `none: a joining account gets a notice with the commands; ${stacks.length} spoke stack file(s)${names ? ` (${names})` : ""}`,
      ),
      ...embeddedRow(stacks, hubOutputs),
    ];
  }
  const rows: DoctorRow[] = [row("coverage trigger", "ok", `${c.kind}`), await secretRow(c, deps.secrets)];
  if (stacks.length === 0) {
    rows.push(
      row(
        "spoke stack files",
        "fail",
        `no Pulumi.<stack>.yaml with role spoke in ${deps.dir}: the coverage function would start nothing`,
        "commit the spoke stacks' files (the hub reads them when it deploys)",
      ),
    );
    return rows;
  }
  rows.push(row("spoke stack files", "ok", `${stacks.length}: ${names}`));
  for (const s of stacks) rows.push(await stackRow(c, s, deps));
  rows.push(...embeddedRow(stacks, hubOutputs));
  return rows;
}
