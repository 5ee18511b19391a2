// Statistics and number formats of the benchmark and its report.

/** Median, p90 (interpolated), min and max of `values`. */
export function summarize(values: number[]) {
  const s = [...values].sort((a, b) => a - b);
  const q = (p: number): number => {
    const pos = (s.length - 1) * p;
    const lo = s[Math.floor(pos)] ?? NaN;
    return lo + ((s[Math.ceil(pos)] ?? NaN) - lo) * (pos - Math.floor(pos));
  };
  return { n: s.length, median: q(0.5), p90: q(0.9), min: s[0] ?? NaN, max: s[s.length - 1] ?? NaN };
}

export const median = (values: number[]): number => summarize(values).median;
export const int = (n: number): string => n.toLocaleString("en-US");
export const ms = (v: number, digits = 1): string => `${v.toFixed(digits)} ms`;
export const ms2 = (v: number): string => ms(v, 2);
export const seconds = (v: number): string => `${(v / 1000).toFixed(1)} s`;
export const ratio = (v: number): string => `${v.toFixed(2)}x`;
export const mib = (bytes: number): string =>
  bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(2)} GiB` : `${(bytes / 1024 ** 2).toFixed(0)} MiB`;

/** The median, with min, max and n when there is more than one value. */
export const spread = (values: number[], fmt: (v: number) => string, s = summarize(values)): string =>
  s.n > 1 ? `${fmt(s.median)} (min ${fmt(s.min)}, max ${fmt(s.max)}, n=${s.n})` : fmt(s.median);
