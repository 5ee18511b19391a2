// The notifier's code, bundled and minified before Pulumi serializes it. The archive must stay small
// (it is uploaded on every change and loaded on every cold start). Closure serialization copies each
// captured function separately, each wrapped in its own `with` scope; handing it one function whose
// body is the whole bundle keeps the archive close to the minified size and the code free of `with`
// lookups. The AWS SDK stays external: the Lambda runtime provides it.
import * as path from "node:path";
import Module from "node:module";
import { buildSync, type BuildOptions } from "esbuild";

export type NotifierHandler = (event: unknown, context?: unknown) => Promise<unknown>;

export const NOTIFIER_ENTRY = path.join(__dirname, "..", "handler", "lambda.ts");

/** How the notifier is bundled; the benchmark builds with the same options to break the size down. */
export function notifierBuildOptions(entry: string = NOTIFIER_ENTRY): BuildOptions & { write: false } {
  return {
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node22",
    minify: true,
    write: false,
    external: ["@aws-sdk/*"],
    logLevel: "silent",
  };
}

export function minifiedNotifierSource(entry: string = NOTIFIER_ENTRY): string {
  const result = buildSync(notifierBuildOptions(entry));
  const file = result.outputFiles[0];
  if (!file) throw new Error(`esbuild produced no output for ${entry}`);
  return file.text;
}

type NotifierModule = () => { handler?: unknown };

/**
 * Compiles the bundle as the body of one function that returns the module's exports. `require` stays
 * free, so in Lambda it is `__index.js`'s own and finds the runtime's AWS SDK.
 */
function compileNotifierModule(entry: string): NotifierModule {
  const filename = path.join(path.dirname(entry), "__notifier.min.js");
  // esbuild ends a CommonJS bundle with `0&&(module.exports={...})`, a hint for Node's export
  // scanner that names the exports as free variables; closure serialization would look them up.
  const body = minifiedNotifierSource(entry)
    .replace(/^"use strict";/, "")
    .replace(/0&&\(module\.exports=\{[\w$,]*\}\);\s*$/, "");
  const source =
    'module.exports = function notifierModule() {\n"use strict";\nvar module = { exports: {} }, exports = module.exports;\n' +
    body +
    "\nreturn module.exports;\n};\n";
  const mod = new Module(filename, module);
  mod.filename = filename;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(
    path.dirname(entry),
  );
  (mod as unknown as { _compile(code: string, file: string): void })._compile(source, filename);
  return mod.exports as NotifierModule;
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
