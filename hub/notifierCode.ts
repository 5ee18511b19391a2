// The notifier's code, bundled and minified before Pulumi serializes it. The archive must stay small
// (it is uploaded on every change and loaded on every cold start). Closure serialization copies each
// captured function separately, each wrapped in its own `with` scope; handing it one function whose
// body is the whole bundle keeps the archive close to the minified size and the code free of `with`
// lookups. The AWS SDK stays external: the Lambda runtime provides it.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildSync, type BuildOptions } from "esbuild";
import { minify_sync } from "terser";

export type NotifierHandler = (event: unknown, context?: unknown) => Promise<unknown>;

export const NOTIFIER_ENTRY = path.join(__dirname, "..", "handler", "lambda.ts");

/** How the notifier is bundled; the benchmark builds with the same options to break the size down. */
export function notifierBuildOptions(entry: string = NOTIFIER_ENTRY): BuildOptions & { write: false } {
  return {
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    // ESM output needs none of esbuild's CommonJS export helpers (about 150 bytes zipped).
    format: "esm",
    target: "node22",
    minify: true,
    write: false,
    external: ["@aws-sdk/*"],
    logLevel: "silent",
  };
}

/** esbuild's `require` shim in ESM output; `require` is in scope where the bundle runs. */
const REQUIRE_SHIM = /var ([\w$]+)=\([\w$]+=>typeof require<"u"\?require:.*?is not supported'\)\}\);/;

/** An ESM import of a Node built-in (the coverage function's shard hash uses node:crypto). */
const NODE_IMPORT = /import\s*\{([^}]*)\}\s*from\s*"(node:[\w/]+)";?/g;

/** `import{a as b}from"node:x"` as `const{a:b}=require("node:x");`: the body runs where `require` is. */
export function requireNodeBuiltins(bundle: string): string {
  return bundle.replace(NODE_IMPORT, (_all, specs: string, mod: string) => {
    const fields = specs
      .split(",")
      .map((spec) => spec.trim().split(/\s+as\s+/))
      .filter(([name]) => name)
      .map(([name, local]) => (local ? `${name}:${local}` : name));
    return `const{${fields.join(",")}}=require(${JSON.stringify(mod)});`;
  });
}

/**
 * The bundle as an ES module: esbuild bundles and minifies, its `require` shim becomes `require`
 * (left as is if it ever differs), then terser minifies the whole again (about 450 bytes zipped
 * less, for about half a second).
 */
export function minifiedNotifierSource(entry: string = NOTIFIER_ENTRY): string {
  const result = buildSync(notifierBuildOptions(entry));
  const file = result.outputFiles[0];
  if (!file) throw new Error(`esbuild produced no output for ${entry}`);
  const out = minify_sync(requireNodeBuiltins(file.text.replace(REQUIRE_SHIM, "var $1=require;")), {
    module: true,
  });
  if (!out.code) throw new Error(`terser produced no output for ${entry}`);
  return out.code;
}

type NotifierModule = () => { handler?: unknown };

/** The ES module bundle as a function body that returns its exports: `export{a as b}` becomes `return{b:a}`. */
export function notifierModuleBody(bundle: string): string {
  const tail = /export\s*\{([^}]*)\};?\s*$/.exec(bundle);
  if (!tail)
    throw new Error("the notifier bundle does not end with its exports: the minifiers' output changed");
  const exported = (tail[1] ?? "")
    .split(",")
    .map((spec) => spec.trim().split(/\s+as\s+/))
    .map(([local, name]) => `${name ?? local}:${local}`);
  return bundle.slice(0, tail.index) + `return{${exported.join(",")}};`;
}

/**
 * Loads the bundle as the body of one function that returns the module's exports, from a file
 * written for it. `require` stays free, so in Lambda it is `__index.js`'s own and finds the
 * runtime's AWS SDK; here the file rebinds it to resolve from the entry's folder.
 */
function compileNotifierModule(entry: string): NotifierModule {
  const source =
    `require = require("node:module").createRequire(${JSON.stringify(entry)});\n` +
    'module.exports = function notifierModule() {\n"use strict";\n' +
    notifierModuleBody(minifiedNotifierSource(entry)) +
    "\n};\n";
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ram-notifier-"));
  const file = path.join(dir, "__notifier.min.js");
  try {
    fs.writeFileSync(file, source);
    return require(file) as NotifierModule;
  } finally {
    // Out of the require cache, or closure serialization would capture it as `require(file)`.
    delete require.cache[file];
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The notifier's handler, ready for CallbackFunction. The module body runs on the first invocation,
 * once per container; a load error fails that invocation, so SQS redelivers the batch.
 */
export function loadNotifierHandler(entry: string = NOTIFIER_ENTRY): NotifierHandler {
  const notifierModule = compileNotifierModule(entry);
  const handler = notifierModule().handler;
  if (typeof handler !== "function") throw new Error(`${entry} does not export a handler function`);
  const loaded: { handler?: NotifierHandler } = {};
  return (event, context) => (loaded.handler ??= notifierModule().handler as NotifierHandler)(event, context);
}
