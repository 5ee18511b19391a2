// What every command-line script here shares: the error class for exit code 2, strict flag parsing,
// and the entry point that turns main()'s result into the process exit code.
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { errorMessage } from "../../common/errors";

/** A problem with the arguments, the config or the outputs: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** node:util parseArgs in strict mode; an unknown or malformed flag is a UsageError. */
export function parseFlags<const T extends ParseArgsOptionsConfig>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, strict: true }).values;
  } catch (err) {
    throw new UsageError(errorMessage(err));
  }
}

/**
 * The flags, or the exit code when there is nothing to run: `--help` prints the usage (0), a bad flag
 * prints why, with the usage (2).
 */
export function flagsOrExit<const T extends ParseArgsOptionsConfig & { help: { type: "boolean" } }>(
  argv: string[],
  options: T,
  usage: string,
  required: (keyof T & string)[] = [],
): ReturnType<typeof parseFlags<T>> | number {
  let values;
  try {
    values = parseFlags(argv, options);
  } catch (err) {
    console.error(`${errorMessage(err)}\n\n${usage}`);
    return 2;
  }
  const given = values as Record<string, unknown>;
  if (given.help) {
    console.log(usage);
    return 0;
  }
  const missing = required.find((flag) => given[flag] === undefined);
  if (missing) {
    console.error(`--${missing} is required.\n\n${usage}`);
    return 2;
  }
  return values;
}

/** Messages about the arguments themselves: they are printed with the usage. */
export function isAboutArguments(message: string): boolean {
  return /^(--|Give |Unknown option|Option)/.test(message);
}

/** Prints why the script could not run, with the usage when the arguments were the problem: exit code 2. */
export function cannotRun(
  err: unknown,
  usage: string,
  withUsage = isAboutArguments(errorMessage(err)),
): number {
  console.error(`${errorMessage(err)}${withUsage ? `\n\n${usage}` : ""}`);
  return 2;
}

/**
 * A report's parse-then-run step: `--help` prints the usage (exit code 0), a failure of either step
 * prints why (exit code 2); otherwise the options and the result.
 */
export async function parseAndRun<O, R>(
  argv: string[],
  parse: (argv: string[]) => O | "help",
  run: (opts: O) => Promise<R>,
  usage: string,
): Promise<{ opts: O; result: R } | number> {
  try {
    const opts = parse(argv);
    if (opts === "help") {
      console.log(usage);
      return 0;
    }
    return { opts, result: await run(opts) };
  } catch (err) {
    return cannotRun(err, usage);
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
