// Pulumi starts the program transpile-only (tsconfig.json `noCheck`), while `npm run typecheck`
// (and so CI, .ci/run) still checks everything. docs/development.md.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { useScratch } from "../../testkit/scratch";
import { TESTS_DIR } from "../../testkit/paths";

const REPO = path.join(TESTS_DIR, "..");
const scratch = useScratch("typecheck");
const { pulumiTsNode } = require("../../testkit/pulumiHost.js") as {
  pulumiTsNode(
    dir: string,
    env: Record<string, string | undefined>,
  ): { options: { transpileOnly?: boolean; compilerOptions: Record<string, unknown> } };
};

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { cwd, env: { PATH: process.env.PATH ?? "" }, timeout: 120_000 },
      (err, out, errOut) =>
        resolve({ code: err ? Number((err as { code?: unknown }).code ?? -1) : 0, output: out + errOut }),
    );
  });
}

describe("how Pulumi compiles the program", () => {
  it("the shipped language host decides as testkit/pulumiHost.js does", () => {
    const runJs = fs
      .readFileSync(require.resolve("@pulumi/pulumi/cmd/run/run.js"), "utf8")
      .replace(/\s+/g, " ");
    for (const step of [
      'const tsConfigPath = process.env["PULUMI_NODEJS_TSCONFIG_PATH"] ?? defaultTsConfigPath;',
      "const skipProject = !fs.existsSync(tsConfigPath);",
      "const compilerOptions = tsutils.loadTypeScriptCompilerOptions(tsConfigPath);",
      'const transpileOnlyEnv = process.env["PULUMI_NODEJS_TRANSPILE_ONLY"]; if (transpileOnlyEnv) { transpileOnly = transpileOnlyEnv === "true"; }',
      "else { // @ts-ignore transpileOnly = compilerOptions.noCheck; }",
      'target: "ES2020", module: useNodeNext ? "nodenext" : "commonjs", moduleResolution: useNodeNext ? "nodenext" : "node", sourceMap: "true", ...compilerOptions,',
      "tsn.register(options);",
    ]) {
      expect(runJs).toContain(step);
    }
    // The ESM branch applies to `"type": "module"` projects only.
    expect(JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")).type).toBeUndefined();
  });

  it("starts the program transpile-only with the project's settings as shipped", () => {
    const shipped = pulumiTsNode(REPO, {}).options;
    expect(shipped.transpileOnly).toBe(true);
    expect(shipped.compilerOptions.noCheck).toBe(true);
    // The variable only says whether ts-node asks for diagnostics: with noCheck the compiler has none.
    expect(pulumiTsNode(REPO, { PULUMI_NODEJS_TRANSPILE_ONLY: "false" }).options.transpileOnly).toBe(false);
  });

  it("type-checks when tsconfig.json says noCheck: false (how to turn checking back on)", () => {
    const dir = scratch.tmpDir();
    fs.writeFileSync(
      path.join(dir, "tsconfig.json"),
      fs
        .readFileSync(path.join(REPO, "tsconfig.json"), "utf8")
        .replace('"noCheck": true', '"noCheck": false'),
    );
    expect(pulumiTsNode(dir, {}).options.transpileOnly).toBe(false);
  });
});

describe("npm run typecheck", () => {
  it("still fails on a type error, although tsconfig.json has noCheck", async () => {
    // The project's own package.json and tsconfig.json, with one file that has a type error.
    const dir = scratch.tmpDir();
    for (const f of ["package.json", "tsconfig.json"]) fs.copyFileSync(path.join(REPO, f), path.join(dir, f));
    fs.symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"));
    fs.writeFileSync(path.join(dir, "broken.ts"), 'export const n: number = "not a number";\n');

    const typecheck = await run("npm", ["run", "--silent", "typecheck"], dir);
    expect(typecheck.code).not.toBe(0);
    expect(typecheck.output).toContain("broken.ts(1,14): error TS2322");
    // What tsc would say with the tsconfig alone: nothing, which is why the script overrides it.
    const plain = await run(path.join(REPO, "node_modules", ".bin", "tsc"), ["--noEmit", "-p", "."], dir);
    expect(plain.code).toBe(0);

    fs.writeFileSync(path.join(dir, "broken.ts"), "export const n: number = 1;\n");
    expect((await run("npm", ["run", "--silent", "typecheck"], dir)).code).toBe(0);
  }, 120_000);
});
