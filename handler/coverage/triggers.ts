// Starting a spoke stack's `pulumi up` from the hub: Pulumi Deployments' REST API, or a GitHub
// Actions workflow_dispatch. The token is passed in per call and never appears in an error or a
// log.

export const TRIGGERS = ["none", "pulumi-deployments", "github-actions"] as const;
export type TriggerKind = (typeof TRIGGERS)[number];

export interface TriggerConfig {
  kind: TriggerKind;
  /** Pulumi Cloud: https://api.pulumi.com, or a self-hosted service's API. */
  pulumiApiUrl: string;
  pulumiOrganization: string;
  project: string;
  githubApiUrl: string;
  /** owner/name */
  githubRepository: string;
  /** The workflow's file name (spoke-up.yml) or ID. */
  githubWorkflow: string;
  githubRef: string;
}

/** Pulumi Deployments statuses that end a deployment (not-started, accepted and running do not). */
export const FINAL_STATUSES = ["succeeded", "failed", "skipped"];

export interface Started {
  /** Pulumi Deployments' deployment ID; none for a workflow dispatch (GitHub returns 204, no body). */
  id?: string;
  consoleUrl?: string;
}

export interface HttpResponse {
  ok: boolean;
  status: number;
  text(): Promise<string>;
}
export type HttpFetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal },
) => Promise<HttpResponse>;

const PULUMI_ACCEPT = "application/vnd.pulumi+8";
const trim = (url: string) => url.replace(/\/+$/, "");
const seg = encodeURIComponent;

function deploymentsUrl(c: TriggerConfig, stack: string): string {
  return `${trim(c.pulumiApiUrl)}/api/stacks/${seg(c.pulumiOrganization)}/${seg(c.project)}/${seg(stack)}/deployments`;
}

/** The stack's console page, for notices when Deployments gave no link. */
export function stackConsoleUrl(c: TriggerConfig, stack: string): string | undefined {
  if (c.kind === "github-actions")
    return `https://github.com/${c.githubRepository}/actions/workflows/${seg(c.githubWorkflow)}`;
  if (c.kind !== "pulumi-deployments") return undefined;
  const api = trim(c.pulumiApiUrl);
  const app = api === "https://api.pulumi.com" ? "https://app.pulumi.com" : api;
  return `${app}/${seg(c.pulumiOrganization)}/${seg(c.project)}/${seg(stack)}/deployments`;
}

async function failure(what: string, res: HttpResponse): Promise<Error> {
  let body = "";
  try {
    body = (await res.text()).replace(/\s+/g, " ").slice(0, 300);
  } catch {
    // The status says enough.
  }
  return new Error(`${what} answered HTTP ${res.status}${body ? `: ${body}` : ""}`);
}

/** Starts an update of `stack` as the configured trigger does. */
export async function startUpdate(
  c: TriggerConfig,
  stack: string,
  token: string,
  fetch: HttpFetch,
  signal?: AbortSignal,
): Promise<Started> {
  if (c.kind === "pulumi-deployments") {
    const res = await fetch(deploymentsUrl(c, stack), {
      method: "POST",
      headers: {
        Authorization: `token ${token}`,
        "Content-Type": "application/json",
        // The header the Pulumi Cloud REST API asks of every request.
        Accept: PULUMI_ACCEPT,
      },
      // The stack's own deployment settings apply (inheritSettings defaults to true).
      body: JSON.stringify({ operation: "update" }),
      ...(signal ? { signal } : {}),
    });
    if (!res.ok) throw await failure(`Pulumi Deployments (POST deployments of ${stack})`, res);
    const out = JSON.parse(await res.text()) as { id?: unknown; consoleUrl?: unknown };
    return {
      ...(typeof out.id === "string" ? { id: out.id } : {}),
      ...(typeof out.consoleUrl === "string" ? { consoleUrl: out.consoleUrl } : {}),
    };
  }
  if (c.kind === "github-actions") {
    const [owner, repo] = c.githubRepository.split("/");
    const url = `${trim(c.githubApiUrl)}/repos/${seg(owner ?? "")}/${seg(repo ?? "")}/actions/workflows/${seg(c.githubWorkflow)}/dispatches`;
    const res = await fetch(url, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${token}`,
        Accept: "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
        "Content-Type": "application/json",
        "User-Agent": "root-activity-monitor",
      },
      body: JSON.stringify({ ref: c.githubRef, inputs: { stack } }),
      ...(signal ? { signal } : {}),
    });
    if (!res.ok) throw await failure(`GitHub (workflow dispatch of ${c.githubWorkflow})`, res);
    const link = stackConsoleUrl(c, stack);
    return link ? { consoleUrl: link } : {};
  }
  throw new Error(`trigger ${c.kind} starts nothing`);
}

/** A Pulumi deployment's status: not-started, accepted, running, succeeded, failed or skipped. */
export async function deploymentStatus(
  c: TriggerConfig,
  stack: string,
  id: string,
  token: string,
  fetch: HttpFetch,
  signal?: AbortSignal,
): Promise<string> {
  const res = await fetch(`${deploymentsUrl(c, stack)}/${seg(id)}`, {
    method: "GET",
    headers: { Authorization: `token ${token}`, Accept: PULUMI_ACCEPT },
    ...(signal ? { signal } : {}),
  });
  if (!res.ok) throw await failure(`Pulumi Deployments (GET deployment ${id} of ${stack})`, res);
  const out = JSON.parse(await res.text()) as { status?: unknown };
  if (typeof out.status !== "string") throw new Error(`deployment ${id} of ${stack} has no status`);
  return out.status;
}
