// Every GitHub Actions workflow, Pulumi Deployments settings file and ESC example must parse and
// have the documented shape, strictly: an unknown key is an error, so a typo (deployComits, run-on)
// fails here instead of being silently ignored by the tool that reads the file.
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { projectFile } from "../../common/configKeys";
import { loadStackConfig } from "../../scripts/shared/stackConfig";
import { spokeStackNames, stackNames } from "../../scripts/shared/stackFiles";
import { TESTS_DIR } from "../../testkit/paths";

const ROOT = path.resolve(TESTS_DIR, "..");
const read = (rel: string): string => fs.readFileSync(path.join(ROOT, rel), "utf8");
const yamlOf = (rel: string): any => parse(read(rel));
const tmpDirs: string[] = [];
afterAll(() => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

// ---- A strict shape checker ------------------------------------------------------------------

type Shape =
  | { kind: "string"; pattern?: RegExp }
  | { kind: "boolean" }
  | { kind: "integer" }
  | { kind: "null" }
  | { kind: "list"; of: Shape; nonEmpty?: boolean }
  | { kind: "map"; of: Shape }
  | { kind: "object"; fields: Record<string, Shape>; required: string[] }
  | { kind: "oneOf"; options: Shape[] };

const str = (pattern?: RegExp): Shape => (pattern ? { kind: "string", pattern } : { kind: "string" });
const bool: Shape = { kind: "boolean" };
const int: Shape = { kind: "integer" };
const nil: Shape = { kind: "null" };
const list = (of: Shape, nonEmpty = false): Shape => ({ kind: "list", of, nonEmpty });
const map = (of: Shape): Shape => ({ kind: "map", of });
const obj = (fields: Record<string, Shape>, required: string[] = []): Shape => ({
  kind: "object",
  fields,
  required,
});
const oneOf = (...options: Shape[]): Shape => ({ kind: "oneOf", options });
const scalar = oneOf(str(), bool, int);

function typeOf(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "list" : typeof v;
}

/** Every way `value` departs from `shape`, as "path: problem". */
function check(value: unknown, shape: Shape, at: string): string[] {
  switch (shape.kind) {
    case "string":
      if (typeof value !== "string") return [`${at}: expected a string, got ${typeOf(value)}`];
      return shape.pattern && !shape.pattern.test(value)
        ? [`${at}: "${value}" does not match ${shape.pattern}`]
        : [];
    case "boolean":
      return typeof value === "boolean" ? [] : [`${at}: expected true or false, got ${typeOf(value)}`];
    case "integer":
      return Number.isInteger(value) ? [] : [`${at}: expected an integer, got ${typeOf(value)}`];
    case "null":
      return value === null ? [] : [`${at}: expected nothing, got ${typeOf(value)}`];
    case "list":
      if (!Array.isArray(value)) return [`${at}: expected a list, got ${typeOf(value)}`];
      if (shape.nonEmpty && value.length === 0) return [`${at}: must not be empty`];
      return value.flatMap((v, i) => check(v, shape.of, `${at}[${i}]`));
    case "map":
      if (typeOf(value) !== "object") return [`${at}: expected a mapping, got ${typeOf(value)}`];
      return Object.entries(value as object).flatMap(([k, v]) => check(v, shape.of, `${at}.${k}`));
    case "object": {
      if (typeOf(value) !== "object") return [`${at}: expected a mapping, got ${typeOf(value)}`];
      const v = value as Record<string, unknown>;
      const allowed = Object.keys(shape.fields);
      return [
        ...Object.keys(v)
          .filter((k) => !allowed.includes(k))
          .map((k) => `${at}: unknown key "${k}" (allowed: ${allowed.join(", ")})`),
        ...shape.required.filter((k) => !(k in v)).map((k) => `${at}: missing required key "${k}"`),
        ...Object.entries(v)
          .filter(([k]) => allowed.includes(k))
          .flatMap(([k, x]) => check(x, shape.fields[k] as Shape, `${at}.${k}`)),
      ];
    }
    case "oneOf": {
      const attempts = shape.options.map((o) => check(value, o, at));
      return attempts.some((a) => a.length === 0)
        ? []
        : (attempts.sort((a, b) => a.length - b.length)[0] ?? []);
    }
  }
}

// ---- Pulumi Deployments settings (Pulumi.<stack>.deploy.yaml) --------------------------------
// The keys of `pulumi deployment settings init|pull|push`: apitype.DeploymentSettings of the Pulumi
// CLI (yaml tags), under the file's top-level `settings:` key.

const SECRET_VALUE = oneOf(str(), obj({ secret: str() }), obj({ ciphertext: str() }));
const GO_DURATION = /^(\d+h)?(\d+m)?(\d+s)?$/;
const DEPLOY_FILE: Shape = obj(
  {
    settings: obj(
      {
        tag: str(),
        agentPoolID: str(),
        executorContext: obj({
          workingDirectory: str(),
          executorImage: oneOf(
            str(),
            obj({ reference: str(), credentials: map(SECRET_VALUE) }, ["reference"]),
          ),
        }),
        sourceContext: obj(
          {
            git: obj(
              {
                repoUrl: str(/^https:\/\/\S+\.git$/),
                branch: str(),
                repoDir: str(),
                commit: str(),
                gitAuth: map(map(SECRET_VALUE)),
              },
              ["repoUrl", "branch"],
            ),
          },
          ["git"],
        ),
        gitHub: obj(
          {
            repository: str(/^[\w.-]+\/[\w.-]+$/),
            pullRequestTemplate: bool,
            deployCommits: bool,
            previewPullRequests: bool,
            deployPullRequest: int,
            paths: list(str(), true),
          },
          ["repository"],
        ),
        operationContext: obj({
          oidc: obj({
            aws: obj(
              {
                roleArn: str(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/),
                sessionName: str(/^[\w+=,.@-]{2,64}$/),
                duration: str(GO_DURATION),
                policyArns: list(str()),
              },
              ["roleArn", "sessionName"],
            ),
          }),
          preRunCommands: list(str(), true),
          environmentVariables: map(SECRET_VALUE),
          options: obj({
            skipInstallDependencies: bool,
            skipIntermediateDeployments: bool,
            shell: str(),
            deleteAfterDestroy: bool,
            remediateIfDriftDetected: bool,
          }),
        }),
      },
      ["sourceContext", "gitHub", "operationContext"],
    ),
  },
  ["settings"],
);

const DEPLOY_FILES = fs
  .readdirSync(ROOT)
  .filter((f) => /^Pulumi\..+\.deploy(-template)?\.yaml$/.test(f))
  .sort();

function durationSeconds(d: string): number {
  const m = GO_DURATION.exec(d);
  return (
    Number(m?.[1]?.slice(0, -1) ?? 0) * 3600 +
    Number(m?.[2]?.slice(0, -1) ?? 0) * 60 +
    Number(m?.[3]?.slice(0, -1) ?? 0)
  );
}

/** Path filter semantics of Pulumi Deployments: a glob that must match the whole repo-relative path. */
function globRegExp(glob: string): RegExp {
  const re = glob
    .split("**")
    .map((part) =>
      part
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, "[^/]*")
        .replace(/\?/g, "[^/]"),
    )
    .join(".*");
  return new RegExp(`^${re}$`);
}

function repoFiles(dir = ROOT, prefix = ""): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if ([".git", "node_modules", ".tools", "bin"].includes(e.name)) return [];
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    return e.isDirectory() ? repoFiles(path.join(dir, e.name), rel) : [rel];
  });
}

/** The repo's TypeScript files a module loads, following relative imports (except into `skip`). */
function importClosure(entry: string, skip: (file: string) => boolean = () => false): Set<string> {
  const seen = new Set<string>();
  const queue = [entry];
  const spec = /(?:from\s+|import\s*\(\s*|require\(\s*|import\s+)["'](\.{1,2}\/[^"']+)["']/g;
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const m of read(file).matchAll(spec)) {
      const base = path.posix.join(path.posix.dirname(file), m[1] as string);
      const found = [`${base}.ts`, `${base}/index.ts`, base].find((c) => fs.existsSync(path.join(ROOT, c)));
      if (found && found.endsWith(".ts") && !skip(found)) queue.push(found);
    }
  }
  return seen;
}

describe("Pulumi Deployments settings files", () => {
  it("exist for the hub and as a template for the spokes", () => {
    expect(DEPLOY_FILES).toEqual(["Pulumi.hub.deploy.yaml", "Pulumi.spoke.deploy-template.yaml"]);
  });

  it("catches a misspelt key (the checker is strict)", () => {
    const doc = yamlOf("Pulumi.hub.deploy.yaml");
    expect(check(doc, DEPLOY_FILE, "hub")).toEqual([]);
    doc.settings.gitHub.deployComits = doc.settings.gitHub.deployCommits;
    delete doc.settings.gitHub.deployCommits;
    doc.settings.operationContext.oidc.aws.durationSeconds = 3600;
    expect(check(doc, DEPLOY_FILE, "hub")).toEqual([
      expect.stringMatching(/^hub\.settings\.gitHub: unknown key "deployComits"/),
      expect.stringMatching(/^hub\.settings\.operationContext\.oidc\.aws: unknown key "durationSeconds"/),
    ]);
    expect(
      check({ settings: { gitHub: { repository: "a/b", paths: "hub/**" } } }, DEPLOY_FILE, "x"),
    ).toContain("x.settings.gitHub.paths: expected a list, got string");
  });

  for (const file of DEPLOY_FILES) {
    describe(file, () => {
      const doc = yamlOf(file);
      const s = doc?.settings;
      const spoke = file.startsWith("Pulumi.spoke");

      it("has the documented shape", () => {
        expect(check(doc, DEPLOY_FILE, file)).toEqual([]);
      });

      it("deploys main on push, previews pull requests, from this repository's root", () => {
        expect(s.sourceContext.git.branch).toBe("main");
        expect(s.sourceContext.git.repoDir).toBe(".");
        expect(s.sourceContext.git.repoUrl.endsWith(`/${s.gitHub.repository.split("/")[1]}.git`)).toBe(true);
        expect(s.gitHub.deployCommits).toBe(true);
        expect(s.gitHub.previewPullRequests).toBe(true);
      });

      it("limits push-to-deploy to the files the stack is built from", () => {
        const patterns = (s.gitHub.paths as string[]).map((p) => ({
          p,
          re: globRegExp(p.replace(/^!/, "")),
        }));
        const includes = patterns.filter(({ p }) => !p.startsWith("!"));
        const matches = (f: string) =>
          includes.some(({ re }) => re.test(f)) &&
          !patterns.some(({ p, re }) => p.startsWith("!") && re.test(f));
        const files = repoFiles();
        // A misspelt filter never triggers: each must match something.
        for (const { p, re } of includes)
          expect(
            files.some((f) => re.test(f)),
            `path filter ${p}`,
          ).toBe(true);
        // Everything the program loads for this role, from the entry point down (index.ts imports
        // both roles' modules; the other role's only load).
        const other = spoke ? "hub/" : "spoke/";
        const closure = new Set([
          ...importClosure("index.ts", (f) => f.startsWith(other)),
          ...(spoke ? [] : importClosure("handler/lambda.ts")),
        ]);
        expect(closure.has(spoke ? "spoke/spoke.ts" : "hub/hub.ts")).toBe(true);
        for (const f of closure) {
          expect(matches(f), `${f} is part of the ${spoke ? "spoke" : "hub"} program`).toBe(true);
        }
        for (const f of [
          "Pulumi.yaml",
          "package.json",
          "package-lock.json",
          "scripts/install.sh",
          "scripts/node-env.sh",
        ]) {
          expect(matches(f), f).toBe(true);
        }
        expect(matches(spoke ? "Pulumi.spoke-1of8.yaml" : "Pulumi.hub.yaml")).toBe(true);
        // The hub's coverage function embeds the spoke stacks' selections and their shard hash.
        if (!spoke)
          for (const f of ["Pulumi.spoke-1of8.yaml", "spoke/config.ts", "spoke/shard.ts"])
            expect(matches(f), f).toBe(true);
        // Settings files are pushed with `pulumi deployment settings push`, not deployed.
        expect(matches(spoke ? "Pulumi.spoke-1of8.deploy.yaml" : "Pulumi.hub.deploy.yaml")).toBe(false);
        // ... and not docs, tests or the other role's code.
        for (const f of [
          "README.md",
          "docs/operations.md",
          "tests/hub/program.test.ts",
          "BENCHMARKS.md",
          spoke ? "hub/hub.ts" : "spoke/spoke.ts",
        ]) {
          expect(matches(f), f).toBe(false);
        }
      });

      it("gets AWS credentials through OIDC only, for at most 12 hours", () => {
        const aws = s.operationContext.oidc.aws;
        expect(aws.roleArn).toMatch(
          spoke ? /^arn:aws:iam::\d{12}:role\/.*spoke/ : /^arn:aws:iam::\d{12}:role\/.*hub/,
        );
        const seconds = durationSeconds(aws.duration);
        expect(seconds).toBeGreaterThanOrEqual(900);
        expect(seconds).toBeLessThanOrEqual(12 * 3600);
        const env = Object.keys(s.operationContext.environmentVariables ?? {});
        expect(
          env.filter((k) => /^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE)$/.test(k)),
        ).toEqual([]);
      });

      it("provisions Node 22 and runs npm ci before Pulumi, and Pulumi then runs on that Node", () => {
        const commands = s.operationContext.preRunCommands as string[];
        expect(commands[0]).toBe("bash scripts/install.sh");
        // The installer does what the settings rely on.
        const env = read("scripts/node-env.sh");
        const install = read("scripts/install.sh");
        expect(env).toMatch(/^NODE_MAJOR=22$/m);
        expect(env).toContain('LOCAL_NODE="$REPO_ROOT/.tools/node$NODE_MAJOR/node_modules/.bin"');
        expect(install).toContain('"node@$NODE_MAJOR"');
        expect(install).toMatch(/^npm ci\b/m);
        expect(commands).toContain('echo "PATH=$PWD/.tools/node22/node_modules/.bin:$PATH" >> "$PULUMI_ENV"');
        // Deployments' own install would run npm with the image's Node.
        expect(s.operationContext.options.skipInstallDependencies).toBe(true);
      });
    });
  }
});

// ---- Pulumi ESC example ----------------------------------------------------------------------

describe("Pulumi ESC example", () => {
  const ESC: Shape = obj(
    {
      imports: list(str()),
      values: obj(
        {
          aws: obj({
            login: obj(
              {
                "fn::open::aws-login": obj(
                  {
                    oidc: obj(
                      {
                        roleArn: str(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/),
                        sessionName: str(/^[\w+=,.@-]{2,64}$/),
                        duration: str(GO_DURATION),
                        policyArns: list(str()),
                        subjectAttributes: list(str()),
                      },
                      ["roleArn", "sessionName"],
                    ),
                  },
                  ["oidc"],
                ),
              },
              ["fn::open::aws-login"],
            ),
          }),
          environmentVariables: map(str()),
          pulumiConfig: map(scalar),
        },
        ["aws", "environmentVariables"],
      ),
    },
    ["values"],
  );

  it("logs in to AWS with OIDC and exports only the temporary credentials", () => {
    const doc = yamlOf("deploy/esc-environment.example.yaml");
    expect(check(doc, ESC, "esc")).toEqual([]);
    expect(doc.values.environmentVariables).toEqual({
      AWS_ACCESS_KEY_ID: "${aws.login.accessKeyId}",
      AWS_SECRET_ACCESS_KEY: "${aws.login.secretAccessKey}",
      AWS_SESSION_TOKEN: "${aws.login.sessionToken}",
    });
  });

  it("is imported by the example stack file, which the scripts can still read", () => {
    const doc = yamlOf("deploy/Pulumi.hub.esc-example.yaml");
    expect(
      check(
        doc,
        obj({ environment: list(str(/^[\w.-]+\/[\w.-]+$/), true), config: map(oneOf(scalar, list(str()))) }, [
          "environment",
          "config",
        ]),
        "stack",
      ),
    ).toEqual([]);
    const stack = loadStackConfig("hub.esc-example", path.join(ROOT, "deploy"));
    expect(stack.environments).toEqual(["root-activity-monitor/hub-aws"]);
    expect(stack.source.get("role")).toBe("hub");
  });
});

// ---- GitHub Actions workflows ----------------------------------------------------------------

const SCOPES = [
  "actions",
  "attestations",
  "checks",
  "contents",
  "deployments",
  "discussions",
  "id-token",
  "issues",
  "models",
  "packages",
  "pages",
  "pull-requests",
  "repository-projects",
  "security-events",
  "statuses",
];
const PERMISSIONS = oneOf(
  str(/^(read-all|write-all)$/),
  obj(Object.fromEntries(SCOPES.map((s) => [s, str(/^(read|write|none)$/)]))),
);
const EXPR_OR = (s: Shape) => oneOf(s, str(/^\$\{\{.*\}\}$/));
const STEP = obj({
  name: str(),
  id: str(/^[A-Za-z_][\w-]*$/),
  uses: str(/^([\w.-]+\/[\w./-]+@[\w.-]+|\.\/\S+|docker:\/\/\S+)$/),
  run: str(),
  with: map(scalar),
  env: map(scalar),
  if: str(),
  shell: str(),
  "working-directory": str(),
  "continue-on-error": EXPR_OR(bool),
  "timeout-minutes": EXPR_OR(int),
});
const TRIGGER_FILTERS = obj({
  branches: list(str()),
  "branches-ignore": list(str()),
  paths: list(str()),
  "paths-ignore": list(str()),
  types: list(str()),
  tags: list(str()),
});
const WORKFLOW: Shape = obj(
  {
    name: str(),
    "run-name": str(),
    on: obj({
      pull_request: oneOf(nil, TRIGGER_FILTERS),
      push: oneOf(nil, TRIGGER_FILTERS),
      workflow_dispatch: oneOf(
        nil,
        obj({
          inputs: map(
            obj(
              {
                description: str(),
                required: bool,
                type: str(/^(string|boolean|number|choice|environment)$/),
                default: scalar,
                options: list(str()),
              },
              ["description", "type"],
            ),
          ),
        }),
      ),
      schedule: list(obj({ cron: str() }, ["cron"])),
    }),
    permissions: PERMISSIONS,
    concurrency: oneOf(str(), obj({ group: str(), "cancel-in-progress": EXPR_OR(bool) }, ["group"])),
    env: map(scalar),
    defaults: obj({ run: obj({ shell: str(), "working-directory": str() }) }),
    jobs: map(
      obj(
        {
          name: str(),
          "runs-on": oneOf(str(), list(str())),
          needs: oneOf(str(), list(str())),
          if: str(),
          permissions: PERMISSIONS,
          strategy: obj({
            matrix: oneOf(str(/^\$\{\{.*\}\}$/), map(oneOf(list(scalar), list(map(scalar))))),
            "fail-fast": EXPR_OR(bool),
            "max-parallel": EXPR_OR(int),
          }),
          steps: list(STEP, true),
          "timeout-minutes": EXPR_OR(int),
          outputs: map(str()),
          env: map(scalar),
          concurrency: oneOf(str(), obj({ group: str(), "cancel-in-progress": EXPR_OR(bool) }, ["group"])),
          environment: oneOf(str(), obj({ name: str(), url: str() }, ["name"])),
          defaults: obj({ run: obj({ shell: str(), "working-directory": str() }) }),
          "continue-on-error": EXPR_OR(bool),
        },
        ["runs-on", "steps"],
      ),
    ),
  },
  ["on", "jobs"],
);

/** Inputs of the actions used here (their action.yml); a key outside these is a typo. */
const ACTION_INPUTS: Record<string, string[]> = {
  "actions/checkout": [
    "repository",
    "ref",
    "token",
    "fetch-depth",
    "persist-credentials",
    "path",
    "submodules",
    "lfs",
  ],
  "aws-actions/configure-aws-credentials": [
    "aws-region",
    "role-to-assume",
    "role-session-name",
    "role-duration-seconds",
    "role-external-id",
    "role-skip-session-tagging",
    "role-chaining",
    "audience",
    "mask-aws-account-id",
    "inline-session-policy",
    "managed-session-policies",
    "output-credentials",
    "output-env-credentials",
    "unset-current-credentials",
    "disable-retry",
    "retry-max-attempts",
    "special-characters-workaround",
    "use-existing-credentials",
    "web-identity-token-file",
    "http-proxy",
    "allowed-account-ids",
    "force-skip-oidc",
    "action-timeout-s",
    "aws-access-key-id",
    "aws-secret-access-key",
    "aws-session-token",
  ],
  "pulumi/actions": [
    "command",
    "stack-name",
    "work-dir",
    "cloud-url",
    "github-token",
    "comment-on-pr",
    "comment-on-pr-number",
    "comment-on-summary",
    "edit-pr-comment",
    "always-include-summary",
    "config-map",
    "diff",
    "refresh",
    "upsert",
    "remove",
    "expect-no-changes",
    "message",
    "parallel",
    "plan",
    "policyPacks",
    "policyPackConfigs",
    "replace",
    "target",
    "target-dependents",
    "exclude",
    "exclude-dependents",
    "secrets-provider",
    "suppress-outputs",
    "suppress-progress",
    "color",
    "pulumi-version",
    "pulumi-version-file",
    "retry-count",
  ],
};

const WORKFLOW_DIR = ".github/workflows";
const WORKFLOWS = fs.existsSync(path.join(ROOT, WORKFLOW_DIR))
  ? fs
      .readdirSync(path.join(ROOT, WORKFLOW_DIR))
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
  : [];

const actionOf = (step: any): string | undefined =>
  typeof step.uses === "string" ? step.uses.split("@")[0] : undefined;

describe("GitHub Actions workflows", () => {
  it("include the pull-request workflow", () => {
    expect(WORKFLOWS).toContain("pull-request.yml");
  });

  it("catches a misspelt key (the checker is strict)", () => {
    const doc = yamlOf(`${WORKFLOW_DIR}/pull-request.yml`);
    doc.jobs.test["run-on"] = doc.jobs.test["runs-on"];
    delete doc.jobs.test["runs-on"];
    doc.jobs.test.steps[0].with = { "fetch-depht": 1 };
    doc.jobs.test.steps[1].uses = "actions/checkout@v5";
    const errors = check(doc, WORKFLOW, "wf");
    expect(errors).toContain('wf.jobs.test: missing required key "runs-on"');
    expect(errors).toContainEqual(expect.stringMatching(/^wf\.jobs\.test: unknown key "run-on"/));
    expect(stepProblems(doc.jobs.test.steps[0], "s0")).toEqual([
      's0: actions/checkout has no input "fetch-depht"',
    ]);
    expect(stepProblems(doc.jobs.test.steps[1], "s1")).toEqual(["s1: give exactly one of uses and run"]);
  });

  for (const file of WORKFLOWS) {
    describe(file, () => {
      const doc = yamlOf(`${WORKFLOW_DIR}/${file}`);

      it("has the documented shape, and every job's steps are well formed", () => {
        expect(check(doc, WORKFLOW, file)).toEqual([]);
        const jobs = Object.keys(doc.jobs);
        for (const [name, job] of Object.entries<any>(doc.jobs)) {
          const ids = job.steps.map((s: any) => s.id).filter(Boolean);
          expect(new Set(ids).size, `${name}: duplicate step ids`).toBe(ids.length);
          job.steps.forEach((step: any, i: number) =>
            expect(stepProblems(step, `${name}.steps[${i}]`)).toEqual([]),
          );
          for (const need of [job.needs ?? []].flat()) expect(jobs, `${name} needs ${need}`).toContain(need);
          // Outputs and expressions name steps and jobs that exist.
          const text = JSON.stringify(job);
          for (const m of text.matchAll(/steps\.([\w-]+)\.outputs/g))
            expect(ids, `${name}: steps.${m[1]}`).toContain(m[1]);
          for (const m of text.matchAll(/needs\.([\w-]+)\.outputs\.([\w-]+)/g)) {
            expect([job.needs].flat(), `${name}: needs.${m[1]}`).toContain(m[1]);
            expect(Object.keys(doc.jobs[m[1] as string]?.outputs ?? {}), `${m[1]} output ${m[2]}`).toContain(
              m[2],
            );
          }
        }
      });

      it("holds no long-lived AWS credentials and takes secrets only from secrets", () => {
        const text = read(`${WORKFLOW_DIR}/${file}`);
        expect(text).not.toMatch(/\b(AKIA|ASIA)[A-Z0-9]{16}\b/);
        expect(text).not.toMatch(/aws-(access-key-id|secret-access-key|session-token)\s*:/);
        expect(text).not.toMatch(/AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)/);
        expect(text).not.toMatch(/secrets\.AWS_/);
        // Least privilege at the top; a job asks for more itself.
        expect(doc.permissions).toEqual({ contents: "read" });
      });
    });
  }

  describe("pull-request.yml", () => {
    const doc = yamlOf(`${WORKFLOW_DIR}/pull-request.yml`);
    const steps = (job: string): any[] => doc.jobs[job].steps;

    it("runs on pull requests to main", () => {
      expect(Object.keys(doc.on)).toEqual(["pull_request"]);
      expect(doc.on.pull_request.branches).toEqual(["main"]);
    });

    it("runs the test suite exactly as the README says", () => {
      const readme = read("README.md");
      const first = (/```sh\n([^`]*)```/.exec(readme)?.[1] ?? "").split("\n");
      const commands = first.slice(0, 2).map((l) => `bash ${l.split(/\s+#/)[0]?.trim()}`);
      expect(commands).toEqual(["bash scripts/install.sh", "bash scripts/test.sh"]);
      const runs = steps("test")
        .filter((s) => s.run)
        .map((s) => s.run.trim());
      expect(runs.slice(0, 2)).toEqual(commands);
      expect(actionOf(steps("test")[0])).toBe("actions/checkout");
    });

    it("previews every stack with pulumi/actions, commenting on the pull request, with OIDC credentials", () => {
      const job = doc.jobs.preview;
      expect(job.permissions).toEqual({ contents: "read", "pull-requests": "write", "id-token": "write" });
      expect(job.if).toBe("github.event.pull_request.head.repo.full_name == github.repository");
      expect(job.strategy.matrix).toBe("${{ fromJSON(needs.stacks.outputs.matrix) }}");
      expect(job.strategy["fail-fast"]).toBe(false);

      const s = steps("preview");
      const at = (action: string) => s.findIndex((x) => actionOf(x) === action);
      const install = s.findIndex(
        (x) => typeof x.run === "string" && x.run.includes("bash scripts/install.sh"),
      );
      const creds = at("aws-actions/configure-aws-credentials");
      const pulumi = at("pulumi/actions");
      expect(install).toBeGreaterThan(at("actions/checkout"));
      expect(creds).toBeGreaterThan(install);
      expect(pulumi).toBeGreaterThan(creds);
      // The program runs on the Node 22 that install.sh provided.
      expect(s[install].run).toContain('echo "$PWD/.tools/node22/node_modules/.bin" >> "$GITHUB_PATH"');

      expect(s[creds].uses).toMatch(/^aws-actions\/configure-aws-credentials@v\d+$/);
      expect(s[creds].with["role-to-assume"]).toBe(
        "${{ matrix.role == 'hub' && vars.AWS_HUB_PREVIEW_ROLE_ARN || vars.AWS_SPOKE_PREVIEW_ROLE_ARN }}",
      );
      expect(s[creds].with["aws-region"]).toBe("${{ matrix.region }}");

      expect(s[pulumi].uses).toBe("pulumi/actions@v7");
      expect(s[pulumi].with).toMatchObject({ command: "preview", "comment-on-pr": true });
      expect(s[pulumi].with["stack-name"]).toContain("matrix.stack");
      expect(s[pulumi].env).toEqual({ PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}" });
    });

    it("runs the policy pack in every preview, after installing its locked dependencies", () => {
      const s = steps("preview");
      const pulumi = s.findIndex((x) => actionOf(x) === "pulumi/actions");
      expect(s[pulumi].with.policyPacks).toBe("policy");
      const install = s.findIndex((x) => typeof x.run === "string" && /npm ci --prefix policy\b/.test(x.run));
      expect(install).toBeGreaterThan(-1);
      expect(install).toBeLessThan(pulumi);
      expect(fs.existsSync(path.join(ROOT, "policy", "package-lock.json"))).toBe(true);
      expect(fs.existsSync(path.join(ROOT, "policy", "PulumiPolicy.yaml"))).toBe(true);
    });

    /** Runs the stacks job's script in `dir` as GitHub would and returns its matrix (or the failure). */
    function listStacks(dir: string): { include: { stack: string; role: string; region: string }[] } {
      const script = steps("stacks").find((x) => x.id === "list").run as string;
      // The output file lives outside `dir`: the repository itself is listed too.
      const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "ram-github-output-"));
      tmpDirs.push(outDir);
      const out = path.join(outDir, "github-output");
      fs.writeFileSync(out, "");
      execFileSync("bash", ["-e", "-c", script], {
        cwd: dir,
        env: { ...process.env, GITHUB_OUTPUT: out },
        stdio: "pipe",
      });
      const line = fs.readFileSync(out, "utf8").trim();
      expect(line.startsWith("matrix=")).toBe(true);
      return JSON.parse(line.slice("matrix=".length));
    }

    it("previews Pulumi.hub.yaml and every committed spoke stack, not templates or settings files", () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ram-workflow-"));
      tmpDirs.push(dir);
      for (const f of fs.readdirSync(ROOT).filter((f) => /^Pulumi\..*\.ya?ml$/.test(f))) {
        fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
      }
      fs.writeFileSync(
        path.join(dir, "Pulumi.spoke-1of2.yaml"),
        'config:\n  aws:region: "eu-west-1"\n  root-activity-monitor:role: spoke # shard 1\n',
      );
      fs.writeFileSync(
        path.join(dir, "Pulumi.spoke-2of2.yaml"),
        "config:\n  root-activity-monitor:role: 'spoke'\n",
      );
      fs.writeFileSync(
        path.join(dir, "Pulumi.spoke-1of2.deploy.yaml"),
        read("Pulumi.spoke.deploy-template.yaml"),
      );

      const matrix = listStacks(dir);
      expect(matrix.include).toEqual([
        { stack: "hub", role: "hub", region: "us-east-1" },
        { stack: "spoke-1of2", role: "spoke", region: "eu-west-1" },
        { stack: "spoke-2of2", role: "spoke", region: "us-east-1" },
      ]);
      // The same stacks that `npm run coverage -- --all` and the scripts consider stacks.
      expect(matrix.include.map((e) => e.stack)).toEqual(stackNames(dir));
      expect(matrix.include.filter((e) => e.role === "spoke").map((e) => e.stack)).toEqual(
        spokeStackNames(dir),
      );
      // In this repository: the hub.
      expect(listStacks(ROOT).include.map((e) => e.stack)).toContain("hub");

      // A stack file without a role cannot be previewed with the right credentials: the job fails.
      fs.writeFileSync(path.join(dir, "Pulumi.mystery.yaml"), "config: {}\n");
      expect(() => listStacks(dir)).toThrow(
        /Pulumi\.mystery\.yaml: set root-activity-monitor:role to hub or spoke/,
      );
    });
  });
});

describe("spoke-up.yml (coverageTrigger github-actions)", () => {
  const doc = yamlOf(`${WORKFLOW_DIR}/spoke-up.yml`);
  const steps: any[] = doc.jobs.up.steps;
  const step = (action: string) => steps.find((s) => actionOf(s) === action);

  it("is what the coverage function dispatches by default: workflow_dispatch with the stack as its input", () => {
    expect(WORKFLOWS).toContain("spoke-up.yml");
    expect(projectFile().config.githubWorkflow?.default).toBe("spoke-up.yml");
    expect(Object.keys(doc.on)).toEqual(["workflow_dispatch"]);
    expect(doc.on.workflow_dispatch.inputs).toEqual({
      stack: expect.objectContaining({ required: true, type: "string" }),
    });
  });

  it("runs pulumi up of that stack only, one run per stack at a time, with OIDC credentials", () => {
    expect(doc.concurrency).toEqual({ group: "spoke-up-${{ inputs.stack }}", "cancel-in-progress": false });
    expect(doc.jobs.up.permissions).toEqual({ contents: "read", "id-token": "write" });
    expect(step("aws-actions/configure-aws-credentials")?.with).toMatchObject({
      "role-to-assume": "${{ vars.AWS_SPOKE_DEPLOY_ROLE_ARN }}",
      "aws-region": "${{ steps.stack.outputs.region }}",
    });
    const up = step("pulumi/actions");
    expect(up?.with.command).toBe("up");
    expect(up?.with["stack-name"]).toContain("inputs.stack");
    expect(up?.env).toMatchObject({ PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}" });
    // Credentials and install come before the update; the stack is checked before anything.
    const order = steps.map((s) => s.id ?? actionOf(s) ?? s.name);
    expect(order.indexOf("stack")).toBeLessThan(order.indexOf("aws-actions/configure-aws-credentials"));
    expect(order.indexOf("aws-actions/configure-aws-credentials")).toBeLessThan(
      order.indexOf("pulumi/actions"),
    );
  });

  it("never pastes the input into a script, and refuses anything but a committed spoke stack", () => {
    for (const s of steps) if (s.run) expect(s.run).not.toContain("${{");
    const check = steps.find((s) => s.id === "stack");
    expect(check.env).toEqual({ STACK: "${{ inputs.stack }}" });
    const run = (stack: string, files: Record<string, string>): { status: number; out: string } => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ram-spoke-up-"));
      tmpDirs.push(dir);
      for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, f), text);
      const output = path.join(dir, "github-output");
      const r = spawnSync("bash", ["-c", check.run], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? "", STACK: stack, GITHUB_OUTPUT: output },
        encoding: "utf8",
      });
      return {
        status: r.status ?? -1,
        out: fs.existsSync(output) ? fs.readFileSync(output, "utf8") : r.stdout,
      };
    };
    const spoke = 'config:\n  root-activity-monitor:role: "spoke"\n  aws:region: eu-west-1\n';
    expect(run("spoke-1of2", { "Pulumi.spoke-1of2.yaml": spoke })).toEqual({
      status: 0,
      out: "region=eu-west-1\n",
    });
    expect(
      run("spoke-1of2", { "Pulumi.spoke-1of2.yaml": "config:\n  root-activity-monitor:role: spoke\n" }),
    ).toEqual({
      status: 0,
      out: "region=us-east-1\n",
    });
    expect(run("hub", { "Pulumi.hub.yaml": read("Pulumi.hub.yaml") }).status).toBe(1);
    expect(run("spoke-9of9", {}).status).toBe(1);
    expect(run("x; rm -rf /", {}).status).toBe(1);
    expect(run("../Pulumi", {}).status).toBe(1);
  });
});

/** What is wrong with one workflow step, beyond its shape. */
function stepProblems(step: any, at: string): string[] {
  const problems: string[] = [];
  if ((step.uses === undefined) === (step.run === undefined))
    problems.push(`${at}: give exactly one of uses and run`);
  if (step.with !== undefined && step.uses === undefined) problems.push(`${at}: with: needs uses:`);
  if (step.shell !== undefined && step.run === undefined) problems.push(`${at}: shell: needs run:`);
  const action = actionOf(step);
  if (action && !action.startsWith("./")) {
    if (!/@v\d+(\.\d+){0,2}$|@[0-9a-f]{40}$/.test(step.uses))
      problems.push(`${at}: pin ${step.uses} to a version`);
    const inputs = ACTION_INPUTS[action];
    if (!inputs) problems.push(`${at}: unknown action ${action} (add its inputs to ACTION_INPUTS)`);
    for (const key of Object.keys(step.with ?? {})) {
      if (inputs && !inputs.includes(key)) problems.push(`${at}: ${action} has no input "${key}"`);
    }
  }
  return problems;
}

// ---- Every file: no long-lived AWS keys ------------------------------------------------------

describe("deployment and workflow files", () => {
  const files = [
    ...DEPLOY_FILES,
    ...WORKFLOWS.map((f) => `${WORKFLOW_DIR}/${f}`),
    ...fs.readdirSync(path.join(ROOT, "deploy")).map((f) => `deploy/${f}`),
  ];

  it("parse, and none holds an access key, a secret key or a static login", () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const f of files) {
      const text = read(f);
      expect(() => parse(text), f).not.toThrow();
      expect(text, f).not.toMatch(/\b(AKIA|ASIA)[A-Z0-9]{16}\b/);
      const values: [string, unknown][] = [];
      const walk = (v: unknown, key: string) => {
        if (Array.isArray(v)) v.forEach((x) => walk(x, key));
        else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, k);
        else values.push([key, v]);
      };
      walk(parse(text), "");
      for (const [key, value] of values) {
        if (/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)$/.test(key)) {
          // Only the temporary credentials an OIDC login produced.
          expect(value, `${f}: ${key}`).toMatch(
            /^\$\{aws\.login\.(accessKeyId|secretAccessKey|sessionToken)\}$/,
          );
        }
        expect(key, f).not.toBe("static");
      }
    }
  });
});
