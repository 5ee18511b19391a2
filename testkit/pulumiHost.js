// How the Pulumi nodejs language host compiles a TypeScript program: its choice of ts-node and
// typescript and the options it registers them with. This is the CommonJS branch of
// @pulumi/pulumi cmd/run/run.js, step for step; tests/transpile-only.test.ts fails if the shipped
// run.js stops making the same decisions. Used by pulumiTsNode.js (the suite's preload) and the bench.
"use strict";
const fs = require("fs");
const path = require("path");
const tsutils = require("@pulumi/pulumi/tsutils");

/**
 * The host's ts-node registration for a project directory and environment. The tsconfig is
 * PULUMI_NODEJS_TSCONFIG_PATH or tsconfig.json; the program is compiled transpile-only when
 * PULUMI_NODEJS_TRANSPILE_ONLY is set to "true", type-checked when it is set to anything else, and
 * when unset per the tsconfig's own `noCheck` (read from that file alone, not from `extends`);
 * ts-node's default, with neither, is to type-check. Either way the tsconfig's compiler options,
 * `noCheck` among them, reach the compiler: with `noCheck: true` nothing is type-checked.
 */
function pulumiTsNode(projectDir, env = process.env) {
  const tsConfigPath = path.resolve(projectDir, env.PULUMI_NODEJS_TSCONFIG_PATH ?? "tsconfig.json");
  const compilerOptions = tsutils.loadTypeScriptCompilerOptions(tsConfigPath);
  const transpileOnlyEnv = env.PULUMI_NODEJS_TRANSPILE_ONLY;
  const transpileOnly = transpileOnlyEnv ? transpileOnlyEnv === "true" : compilerOptions.noCheck;
  const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
  const [major, minor] = require(typescriptRequire).version.split(".").map(Number);
  // `module: nodenext` from TypeScript 4.7 on; CommonJS before (the vendored TypeScript 3.8.3).
  const useNodeNext = major > 4 || (major === 4 && minor >= 7);
  return {
    tsnodeRequire,
    options: {
      compiler: typescriptRequire,
      transpileOnly,
      project: tsConfigPath,
      skipProject: !fs.existsSync(tsConfigPath),
      compilerOptions: {
        target: "ES2020",
        module: useNodeNext ? "nodenext" : "commonjs",
        moduleResolution: useNodeNext ? "nodenext" : "node",
        sourceMap: "true",
        ...compilerOptions,
      },
    },
  };
}

module.exports = { pulumiTsNode };
