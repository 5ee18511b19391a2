// The notifier's code, minified before Pulumi serializes it. The archive must stay small (it is
// uploaded on every change and loaded on every cold start), and closure serialization copies
// function text as compiled; minifying it first keeps the handler readable in handler/ and small
// in Lambda. The AWS SDK stays external: the Lambda runtime provides it.
import * as path from "node:path";
import Module from "node:module";
import { buildSync } from "esbuild";

export type NotifierHandler = (event: unknown, context?: unknown) => Promise<unknown>;

export const NOTIFIER_ENTRY = path.join(__dirname, "..", "handler", "lambda.ts");

export function minifiedNotifierSource(entry: string = NOTIFIER_ENTRY): string {
  const result = buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node22",
    minify: true,
    write: false,
    external: ["@aws-sdk/*"],
    logLevel: "silent",
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error(`esbuild produced no output for ${entry}`);
  return file.text;
}

/** Loads the minified notifier as a module and returns its `handler`, ready for CallbackFunction. */
export function loadNotifierHandler(entry: string = NOTIFIER_ENTRY): NotifierHandler {
  const filename = path.join(path.dirname(entry), "__notifier.min.js");
  const mod = new Module(filename, module);
  mod.filename = filename;
  mod.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(
    path.dirname(entry),
  );
  (mod as unknown as { _compile(code: string, file: string): void })._compile(
    minifiedNotifierSource(entry),
    filename,
  );
  const handler = (mod.exports as { handler?: unknown }).handler;
  if (typeof handler !== "function") throw new Error(`${entry} does not export a handler function`);
  return handler as NotifierHandler;
}
