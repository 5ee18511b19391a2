// Preload that compiles TypeScript exactly as `pulumi up` does (pulumiHost.js): Pulumi's own choice
// of ts-node and typescript, the project's tsconfig, the same compiler option defaults, the same
// decision to type-check or not. The serialized notifier therefore matches what users deploy
// (esbuild-based loaders emit different CommonJS).
"use strict";
const path = require("path");
const { pulumiTsNode } = require("./pulumiHost");

// The host's decision from the project's own settings (tsconfig.json, PULUMI_NODEJS_* variables),
// so the suite compiles as users' `pulumi preview` does: transpile-only, as shipped (docs/development.md).
const { tsnodeRequire, options } = pulumiTsNode(path.join(__dirname, ".."));
require(tsnodeRequire).register(options);
