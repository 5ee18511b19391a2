// What every command-line script here shares: the error class for exit code 2, readable error
// text, strict flag parsing, and the entry point that turns main()'s result into the process exit code.
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";

/** A problem with the arguments, the config or the outputs: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** node:util parseArgs in strict mode; an unknown or malformed flag is a UsageError. */
export function parseFlags<const T extends ParseArgsOptionsConfig>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, strict: true }).values;
  } catch (err) {
    throw new UsageError(errorMessage(err));
  }
}

/** Runs `main` as the script's entry point: its result is the exit code; a crash exits 2. */
export function runMain(main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
      process.exitCode = 2;
    },
  );
}
