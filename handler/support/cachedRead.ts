// A value read at run time and kept for a while (the notifier's webhook URL, the coverage function's
// API token), so that a rotated secret takes effect without a deploy.

/** A kept read: its promise, and when it started (ms since the epoch). */
export interface CachedRead<T> {
  value: Promise<T>;
  readAt: number;
}

/**
 * `holder[key]`'s value when it was read less than `ttlMs` ago, else a new `read()` kept there.
 * Concurrent callers share one read; a failed read is not kept, so the next call tries again.
 */
export function cachedRead<K extends string, T>(
  holder: { [P in K]?: CachedRead<T> },
  key: K,
  ttlMs: number,
  read: () => Promise<T>,
): Promise<T> {
  const nowMs = Date.now();
  const kept = holder[key];
  if (kept && nowMs - kept.readAt < ttlMs) return kept.value;
  const value = read();
  holder[key] = { value, readAt: nowMs };
  value.catch(() => {
    if (holder[key]?.value === value) delete holder[key];
  });
  return value;
}
