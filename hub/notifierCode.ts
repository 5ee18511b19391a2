// The notifier's code, bundled and minified before Pulumi serializes it. The archive must stay small
// (it is uploaded on every change and loaded on every cold start). Closure serialization copies each
// captured function separately, each wrapped in its own `with` scope; handing it one function whose
// body is the whole bundle keeps the archive close to the minified size and the code free of `with`
// lookups. The AWS SDK stays external: the Lambda runtime provides it.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
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
 * Loads the bundle as the body of one function that returns the module's exports, from a file
 * written for it. `require` stays free, so in Lambda it is `__index.js`'s own and finds the
 * runtime's AWS SDK; here the file rebinds it to resolve from the entry's folder.
 */
function compileNotifierModule(entry: string): NotifierModule {
  // esbuild ends a CommonJS bundle with `0&&(module.exports={...})`, a hint for Node's export
  // scanner that names the exports as free variables; closure serialization would look them up.
  const body = minifiedNotifierSource(entry)
    .replace(/^"use strict";/, "")
    .replace(/0&&\(module\.exports=\{[\w$,]*\}\);\s*$/, "");
  const source =
    `require = require("node:module").createRequire(${JSON.stringify(entry)});\n` +
    'module.exports = function notifierModule() {\n"use strict";\nvar module = { exports: {} }, exports = module.exports;\n' +
    body +
    "\nreturn module.exports;\n};\n";
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
