// Text wrapped to a width, for tables read in a terminal: words kept whole, a word longer than the
// line (an ARN, a URL) cut where it must be.

/** `text` as lines of at most `width` characters. */
export function wrapText(text: string, width: number): string[] {
  const w = Math.max(10, width);
  const lines: string[] = [];
  let line = "";
  for (let word of text.split(/\s+/).filter(Boolean)) {
    while (word.length > w) {
      if (line) lines.push(line);
      lines.push(word.slice(0, w));
      word = word.slice(w);
      line = "";
    }
    if (!line) line = word;
    else if (line.length + 1 + word.length <= w) line = `${line} ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line || lines.length === 0) lines.push(line);
  return lines;
}

/** The width to wrap command output to: the terminal's, or COLUMNS; undefined (no wrapping) when piped. */
export function outputWidth(stream: NodeJS.WriteStream = process.stdout): number | undefined {
  if (stream.isTTY && stream.columns) return stream.columns;
  const columns = Number(process.env.COLUMNS);
  return Number.isInteger(columns) && columns > 0 ? columns : undefined;
}
