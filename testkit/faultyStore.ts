// A state store (and flush scheduler) that fails where a test says: every call is numbered in the
// order the notifier makes it, and call number `at` stops there, before it reaches the table or
// after the table applied it, until the caller's deadline fires. With `lateMs` every call answers
// that late; with `down` every call fails at once. For the notifier's guarantees under faults.
import type { FlushRequest } from "../handler/records";
import type { StateStore } from "../handler/state/stateStore";

export interface Fault {
  /** The call to stop (0-based, over store calls and flush schedulings together). */
  at?: number;
  /** "before": the call never reaches the table; "after": it is applied, its answer never comes. */
  mode?: "before" | "after";
  /** Every call answers this late (after being applied). */
  lateMs?: number;
  /** Every call fails at once, as with the table unreachable. */
  down?: boolean;
}

export interface FaultLog {
  calls: { method: string; key: unknown }[];
  /** The call that was stopped, if the run reached it. */
  hit?: { method: string; key: unknown };
}

type Schedule = (request: FlushRequest, delaySeconds: number, signal?: AbortSignal) => Promise<void>;

const untilAborted = (signal: AbortSignal | undefined): Promise<never> =>
  new Promise((_, reject) => {
    if (!signal) return reject(new Error("stopped (no deadline to wait for)"));
    if (signal.aborted) return reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason));
  });

export function faulty(
  store: StateStore,
  schedule: Schedule,
  fault: Fault,
): { store: StateStore; schedule: Schedule; log: FaultLog } {
  const log: FaultLog = { calls: [] };
  const wrap =
    <A extends unknown[], R>(method: string, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const i = log.calls.length;
      log.calls.push({ method, key: args[0] });
      const last = args[args.length - 1];
      const signal = last instanceof AbortSignal ? last : undefined;
      if (fault.down) throw Object.assign(new Error("connect ECONNREFUSED"), { name: "Error" });
      if (i === fault.at) {
        log.hit = { method, key: args[0] };
        if (fault.mode === "after") await fn(...args);
        return untilAborted(signal);
      }
      const out = await fn(...args);
      if (fault.lateMs) await new Promise((r) => setTimeout(r, fault.lateMs));
      return out;
    };
  const wrapped = Object.fromEntries(
    Object.entries(store).map(([method, fn]) => [
      method,
      wrap(method, (fn as (...a: unknown[]) => Promise<unknown>).bind(store)),
    ]),
  ) as unknown as StateStore;
  return { store: wrapped, schedule: wrap("scheduleFlush", schedule), log };
}
