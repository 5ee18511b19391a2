// The one table printer of the scripts: columns two spaces apart, the short ones padded, the free-text
// ones (details, fixes) left as they are; and the escaping of a Markdown table cell.

/** One line per row; the first `padded` columns are padded to their widest cell, the rest are not. */
export function formatColumns(rows: string[][], padded: number): string[] {
  const widths = Array.from({ length: padded }, (_, i) =>
    Math.max(0, ...rows.map((r) => (r[i] ?? "").length)),
  );
  return rows.map((r) =>
    [...r.slice(0, padded).map((v, i) => v.padEnd(widths[i] as number)), ...r.slice(padded)]
      .join("  ")
      .trimEnd(),
  );
}

/** Text safe in a Markdown table cell: no pipe, backslash or line break breaks the row. */
export function markdownCell(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}
