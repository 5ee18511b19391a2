// The CLI's config rules (common/cliConfig.ts), case by case against what pulumi/pulumi's
// workspace/project.go and config.go do, and the project's own Pulumi.yaml under them.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { applyProjectConfig, loadStackFile, type Decrypter } from "../../common/cliConfig";
import { loadProject } from "../../common/cliProject";
import { KEY_ROLES, PROJECT_FILE } from "../../common/configKeys";
import { useScratch } from "../../testkit/scratch";
import { REPO } from "../../testkit/program";
import { testCiphertext, testDecrypt } from "../../testkit/stackFile";
import { TESTS_DIR } from "../../testkit/paths";

const { tmpDir } = useScratch("cli-config");

function files(projectYaml: string, stackYaml: string, stack = "dev"): { project: string; stack: string } {
  const dir = tmpDir();
  const project = path.join(dir, "Pulumi.yaml");
  fs.writeFileSync(project, `name: proj\nruntime: nodejs\n${projectYaml}`);
  const file = path.join(dir, `Pulumi.${stack}.yaml`);
  fs.writeFileSync(file, stackYaml);
  return { project, stack: file };
}

function resolve(projectYaml: string, stackYaml: string, decrypt: Decrypter = testDecrypt) {
  const f = files(projectYaml, stackYaml);
  return applyProjectConfig("dev", loadProject(f.project), loadStackFile(f.stack), decrypt);
}

const projectError = (projectYaml: string): string => {
  try {
    loadProject(files(projectYaml, "").project);
    return "(accepted)";
  } catch (err) {
    return (err as Error).message;
  }
};
const stackError = (projectYaml: string, stackYaml: string): string => {
  try {
    resolve(projectYaml, stackYaml);
    return "(accepted)";
  } catch (err) {
    return (err as Error).message;
  }
};

describe("Project.Validate and the project schema", () => {
  it.each([
    [
      "default and value together",
      "config:\n  a:\n    type: string\n    default: x\n    value: y\n",
      "project config 'a' cannot have both a 'default' and 'value' attribute",
    ],
    [
      "an array without items",
      "config:\n  a:\n    type: array\n    default: []\n",
      "The configuration key 'a' declares an array but does not specify the underlying type via the 'items' attribute",
    ],
    [
      "a default of the wrong type",
      "config:\n  a:\n    type: integer\n    default: ten\n",
      "The default value specified for configuration key 'a' is not of the expected type 'integer'",
    ],
    [
      "an array default with items of the wrong type",
      "config:\n  a:\n    type: array\n    items:\n      type: string\n    default: [1]\n",
      "The default value specified for configuration key 'a' is not of the expected type 'array<string>'",
    ],
    [
      "a namespaced key with a type",
      "config:\n  aws:region:\n    type: string\n    value: us-east-1\n",
      "Configuration key 'aws:region' is not namespaced by the project and should not define a type",
    ],
    [
      "a namespaced key with a default",
      "config:\n  aws:region:\n    default: us-east-1\n",
      "Configuration key 'aws:region' is not namespaced by the project and should not define a default value. Did you mean to use the 'value' attribute instead of 'default'?",
    ],
    [
      "a namespaced key without a value",
      "config:\n  aws:region:\n    description: where\n",
      "Configuration key 'aws:region' is namespaced and must provide an attribute 'value'",
    ],
    [
      "an unknown attribute",
      "config:\n  a:\n    type: string\n    defualt: x\n",
      "#/config/a: additionalProperties 'defualt' not allowed",
    ],
    ["an unknown type", "config:\n  a:\n    type: object\n", "#/config/a/type: value must be one of"],
  ])("refuses %s", (_label, yaml, message) => {
    expect(projectError(yaml)).toContain(message);
  });

  it("accepts false, an empty string and an empty list as defaults", () => {
    const r = resolve(
      "config:\n  a:\n    type: boolean\n    default: false\n  b:\n    type: string\n    default: ''\n  c:\n    type: array\n    items:\n      type: string\n    default: []\n",
      "config: {}\n",
    );
    expect(r.values).toEqual({ "proj:a": "false", "proj:b": "", "proj:c": "[]" });
  });

  it("expands shorthand: a default for the project's keys, a value for other namespaces", () => {
    const r = resolve("config:\n  size: t3.micro\n  count: 3\n  aws:region: us-west-2\n", "config: {}\n");
    expect(r.values).toEqual({ "proj:size": "t3.micro", "proj:count": "3", "aws:region": "us-west-2" });
    const overridden = resolve("config:\n  aws:region: us-west-2\n", "config:\n  aws:region: eu-west-1\n");
    expect(overridden.values["aws:region"]).toBe("eu-west-1");
  });
});

describe("mergeConfig and validateStackConfigValue", () => {
  const required =
    "config:\n  b:\n    type: string\n  a:\n    type: string\n  c: {}\n  d:\n    type: string\n    default: x\n";

  it("names every missing key in the CLI's words, sorted", () => {
    expect(stackError(required, "config: {}\n")).toBe(
      "Stack 'dev' is missing configuration values 'a', 'b' and 'c'",
    );
    expect(stackError(required, "config:\n  proj:a: 1\n")).toBe(
      "Stack 'dev' is missing configuration values 'b' and 'c'",
    );
    expect(stackError(required, "config:\n  proj:a: 1\n  proj:b: 2\n")).toBe(
      "Stack 'dev' is missing configuration value 'c'",
    );
  });

  it("applies defaults as if the stack had set them, and keeps what the stack sets", () => {
    const r = resolve(
      "config:\n  n:\n    type: integer\n    default: 365\n  l:\n    type: array\n    items:\n      type: string\n    default: [a, b]\n  o:\n    default: {x: 1}\n",
      "config:\n  proj:n: 30\n",
    );
    expect(r.values).toEqual({ "proj:n": "30", "proj:l": '["a","b"]', "proj:o": '{"x":1}' });
  });

  it("refuses a typed secret key whose value is not encrypted, including a default the CLI applied", () => {
    const secret = "config:\n  k:\n    type: string\n    secret: true\n";
    expect(stackError(secret, "config:\n  proj:k: plain\n")).toBe(
      "Stack 'dev' with configuration key 'k' must be encrypted as it's secret",
    );
    expect(stackError(`${secret}    default: ''\n`, "config: {}\n")).toBe(
      "Stack 'dev' with configuration key 'k' must be encrypted as it's secret",
    );
    const ok = resolve(secret, `config:\n  proj:k:\n    secure: ${testCiphertext("s3cret")}\n`);
    expect(ok.values["proj:k"]).toBe("s3cret");
    expect(ok.secretKeys).toEqual(["proj:k"]);
    // The secret check is inside IsExplicitlyTyped: an untyped key is not checked.
    expect(stackError("config:\n  k:\n    secret: true\n    default: ''\n", "config: {}\n")).toBe(
      "(accepted)",
    );
  });

  it.each([
    ["integer", "'42'", true],
    ["integer", "-7", true],
    ["integer", "4x", false],
    ["integer", "1.5", false],
    ["integer", "[1]", false],
    ["boolean", "'true'", true],
    ["boolean", "false", true],
    ["boolean", "yes", false],
    // yaml.v3 reads the scalar as written: True is the string "True", not a boolean.
    ["boolean", "True", false],
    ["string", "123", true],
    ["string", "[a]", false],
    ["array\n    items:\n      type: string", "[a, b]", true],
    ["array\n    items:\n      type: string", "[a, 1]", false],
    ["array\n    items:\n      type: string", "a", false],
    ["array\n    items:\n      type: integer", "[1, 2]", true],
  ])("type %s with stack value %s: accepted %s", (type, value, accepted) => {
    const message = stackError(
      `config:\n  k:\n    type: ${type}\n    default: null\n`,
      `config:\n  proj:k: ${value}\n`,
    );
    const name = type.startsWith("array") ? `array<${/type: (\w+)$/.exec(type)?.[1]}>` : type;
    expect(message).toBe(
      accepted ? "(accepted)" : `Stack 'dev' with configuration key 'k' must be of type '${name}'`,
    );
  });

  it("checks keys in sorted order and reports the first failure", () => {
    const yaml = "config:\n  z:\n    type: integer\n  a:\n    type: boolean\n";
    expect(stackError(yaml, "config:\n  proj:z: no\n  proj:a: no\n")).toBe(
      "Stack 'dev' with configuration key 'a' must be of type 'boolean'",
    );
  });

  it("refuses a stack key without a namespace, as config.ParseKey does", () => {
    expect(stackError("config: {}\n", "config:\n  region: us-east-1\n")).toContain(
      "could not parse region as a configuration key",
    );
  });

  it("reads an empty value as the empty string, as yaml.v3 decodes null into a string", () => {
    expect(resolve("config:\n  k:\n    type: string\n", "config:\n  proj:k:\n").values["proj:k"]).toBe("");
  });
});

describe("this project's Pulumi.yaml", () => {
  const project = loadProject(PROJECT_FILE);
  const stackOf = (file: string) => loadStackFile(path.join(REPO, file));

  it("failed before: the CLI's exact refusal of the hub example and the spoke template", () => {
    const before = loadProject(path.join(TESTS_DIR, "fixtures", "Pulumi.before-defaults.yaml"));
    expect(() => applyProjectConfig("hub", before, stackOf("Pulumi.hub.yaml"), testDecrypt)).toThrow(
      "Stack 'hub' is missing configuration values 'accounts', 'hubEventBusArn', 'hubStack', 'organizationId', 'organizationalUnits', 'regions', 'shard', 'subscriptions' and 'webhookUrl'",
    );
    expect(() =>
      applyProjectConfig("spoke-a", before, stackOf("Pulumi.spoke-template.yaml"), testDecrypt),
    ).toThrow(
      "Stack 'spoke-a' is missing configuration values 'accounts', 'hubEventBusArn', 'notificationEmails', 'organizationId', 'organizationalUnits', 'regions', 'shard', 'subscriptions' and 'webhookUrl'",
    );
  });

  it.each(["Pulumi.hub.yaml", "Pulumi.spoke-template.yaml", "deploy/Pulumi.hub.esc-example.yaml"])(
    "accepts %s as shipped",
    (file) => {
      const r = applyProjectConfig("example", project, stackOf(file), testDecrypt);
      expect(r.values["root-activity-monitor:role"]).toMatch(/^(hub|spoke)$/);
      // Every declared key reaches the program, set or defaulted.
      for (const key of Object.keys(project.config))
        expect(r.values).toHaveProperty(`root-activity-monitor:${key}`);
    },
  );

  it("gives every key but role a default, and no typed secret key", () => {
    for (const [key, decl] of Object.entries(project.config)) {
      if (key !== "role") expect(decl.default, key).not.toBeUndefined();
      expect(decl.secret === true && decl.type !== undefined, key).toBe(false);
    }
    expect(project.config.role?.default).toBeUndefined();
  });

  it("declares exactly the keys the program knows, each with the role that reads it", () => {
    expect(Object.keys(project.config).sort()).toEqual(Object.keys(KEY_ROLES).sort());
    for (const [key, role] of Object.entries(KEY_ROLES)) {
      const description = project.config[key]?.description ?? "";
      if (key === "role") continue;
      expect(description, key).toMatch(
        role === "both" ? /^Hub and spoke:/ : role === "hub" ? /^Hub:/ : /^Spoke:/,
      );
    }
  });
});
