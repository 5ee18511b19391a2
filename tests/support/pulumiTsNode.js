// Preload that compiles TypeScript exactly as `pulumi up` does: Pulumi's own choice of ts-node and
// typescript, the project's tsconfig, the same compiler option defaults. The serialized notifier
// therefore matches what users deploy (esbuild-based loaders emit different CommonJS).
"use strict";
const path = require("path");
const tsutils = require("@pulumi/pulumi/tsutils");

const project = path.join(__dirname, "..", "..", "tsconfig.json");
const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
const compilerOptions = tsutils.loadTypeScriptCompilerOptions(project);
require(tsnodeRequire).register({
  compiler: typescriptRequire,
  // Pulumi type-checks by default; the suite runs `tsc --noEmit` separately, and the emitted code is the same.
  transpileOnly: true,
  project,
  skipProject: false,
  compilerOptions: {
    target: "ES2020",
    module: "nodenext",
    moduleResolution: "nodenext",
    sourceMap: "true",
    ...compilerOptions,
  },
});
