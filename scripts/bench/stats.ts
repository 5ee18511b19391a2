// Small statistics and formatting helpers for the benchmark.

export interface Summary {
  n: number;
  median: number;
  min: number;
  max: number;
  p90: number;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

export function summarize(values: number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: sorted.length,
    median: quantile(sorted, 0.5),
    min: sorted[0] ?? NaN,
    max: sorted[sorted.length - 1] ?? NaN,
    p90: quantile(sorted, 0.9),
  };
}

export function median(values: number[]): number {
  return summarize(values).median;
}

export function ms(v: number, digits = 1): string {
  return `${v.toFixed(digits)} ms`;
}

export function seconds(msValue: number): string {
  return `${(msValue / 1000).toFixed(1)} s`;
}

export function mib(bytes: number): string {
  return bytes >= 1024 ** 3
    ? `${(bytes / 1024 ** 3).toFixed(2)} GiB`
    : `${(bytes / 1024 ** 2).toFixed(0)} MiB`;
}

export function ratio(v: number): string {
  return `${v.toFixed(2)}x`;
}

export function verdict(pass: boolean): string {
  return pass ? "PASS" : "**FAIL**";
}
