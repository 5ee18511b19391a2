// Deadlines that cancel: the work gets an AbortSignal that fires at the cap, so SDK calls
// (`send(command, { abortSignal })`) stop there and no later step starts.
import { oneLine } from "./text";

export function errorText(err: unknown): string {
  return oneLine(err instanceof Error ? `${err.name}: ${err.message}` : String(err), 300);
}

/** Resolves with `work`, or rejects after `ms`, aborting `work` through its signal. */
export async function withDeadline<T>(
  ms: number,
  what: string,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new Error(`${what} did not finish within ${ms} ms`);
      controller.abort(err);
      reject(err);
    }, ms);
  });
  const running = work(controller.signal);
  // The loser of the race must not become an unhandled rejection (fatal in the Lambda runtime).
  running.catch(() => undefined);
  try {
    return await Promise.race([running, deadline]);
  } finally {
    clearTimeout(timer);
    // Whatever is still running (a sibling of a call that failed) stops too.
    controller.abort();
  }
}
