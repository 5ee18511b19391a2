// The hub's coverage keys: what the coverage function does when the organization changes.
import { configError, PROJECT, readMatching, type ConfigSource } from "../../common/config";
import { TRIGGERS, type TriggerConfig, type TriggerKind } from "../../handler/coverage/triggers";

export interface CoverageConfig extends TriggerConfig {
  /** The Secrets Manager secret with the trigger's token; none for `none`. */
  tokenSecretArn?: string;
  deadlineMinutes: number;
}

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const HTTPS_URL = /^https:\/\/[A-Za-z0-9.-]+(:\d+)?(\/[A-Za-z0-9._~/-]*)?$/;
const PULUMI_ORG = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const REPOSITORY = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
const WORKFLOW = /^([A-Za-z0-9_.-]+\.ya?ml|\d+)$/;
const REF = /^[A-Za-z0-9_./-]{1,200}$/;

export function readCoverageConfig(cfg: ConfigSource): CoverageConfig {
  const kind = cfg.get("coverageTrigger") || "none";
  if (!(TRIGGERS as readonly string[]).includes(kind)) {
    throw configError("coverageTrigger", `"${kind}" is not one of ${TRIGGERS.join(", ")}.`);
  }
  const tokenSecretArn = readMatching(
    cfg,
    "coverageTokenSecretArn",
    SECRET_ARN,
    "a Secrets Manager secret ARN",
  );
  const rawDeadline = cfg.get("coverageDeadlineMinutes");
  const deadlineMinutes = rawDeadline ? Number(rawDeadline) : 30;
  if (!Number.isInteger(deadlineMinutes) || deadlineMinutes < 5 || deadlineMinutes > 24 * 60) {
    throw configError(
      "coverageDeadlineMinutes",
      `"${rawDeadline}" is not a whole number of minutes from 5 to 1440.`,
    );
  }
  const config: CoverageConfig = {
    kind: kind as TriggerKind,
    pulumiApiUrl: readMatching(cfg, "pulumiApiUrl", HTTPS_URL, "an https:// URL") ?? "https://api.pulumi.com",
    pulumiOrganization:
      readMatching(cfg, "pulumiOrganization", PULUMI_ORG, "a Pulumi organization name") ?? "",
    project: PROJECT,
    githubApiUrl: readMatching(cfg, "githubApiUrl", HTTPS_URL, "an https:// URL") ?? "https://api.github.com",
    githubRepository: readMatching(cfg, "githubRepository", REPOSITORY, "owner/name") ?? "",
    githubWorkflow:
      readMatching(cfg, "githubWorkflow", WORKFLOW, "a workflow file name (spoke-up.yml) or ID") ??
      "spoke-up.yml",
    githubRef: readMatching(cfg, "githubRef", REF, "a branch name") ?? "main",
    deadlineMinutes,
    ...(tokenSecretArn ? { tokenSecretArn } : {}),
  };
  if (config.kind === "none") return config;
  if (!tokenSecretArn) {
    throw configError(
      "coverageTokenSecretArn",
      `coverageTrigger ${kind} needs the ARN of the Secrets Manager secret that holds its token (docs/deploy.md, "Coverage that follows the organization").`,
    );
  }
  if (config.kind === "pulumi-deployments" && !config.pulumiOrganization) {
    throw configError(
      "pulumiOrganization",
      "coverageTrigger pulumi-deployments needs the Pulumi organization of the spoke stacks.",
    );
  }
  if (config.kind === "github-actions" && !config.githubRepository) {
    throw configError(
      "githubRepository",
      "coverageTrigger github-actions needs the repository (owner/name) whose workflow deploys the spokes.",
    );
  }
  return config;
}
