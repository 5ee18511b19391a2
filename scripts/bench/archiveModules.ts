// Where the notifier archive's bytes come from: for each handler module, the minified bytes it
// contributes and how many deflated bytes the bundle loses without them. The source map of the
// same esbuild build says which module each output character comes from.
import * as path from "node:path";
import * as zlib from "node:zlib";
import { buildSync } from "esbuild";
import { notifierBuildOptions } from "../../hub/notifierCode";

export interface ModuleShare {
  /** Path from the repository root. */
  module: string;
  minifiedBytes: number;
  /** Deflated size of the whole bundle minus that of the bundle without this module's characters. */
  deflatedBytes: number;
}

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** Decodes one source-map segment (base64 VLQ) into its numbers. */
function decodeSegment(segment: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const ch of segment) {
    const digit = BASE64.indexOf(ch);
    if (digit < 0) throw new Error(`not a source-map segment: ${segment}`);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
    } else {
      out.push(value & 1 ? -(value >> 1) : value >> 1);
      value = 0;
      shift = 0;
    }
  }
  return out;
}

/** For each character of `code` (per line), the index of the source it comes from, or -1. */
function sourceOfEachChar(code: string, mappings: string): number[][] {
  const lines = code.split("\n");
  let source = 0;
  return mappings.split(";").map((line, i) => {
    const length = lines[i]?.length ?? 0;
    const owner = new Array<number>(length).fill(-1);
    const points: [number, number][] = [];
    let column = 0;
    for (const segment of line ? line.split(",") : []) {
      const [dc = 0, ds] = decodeSegment(segment);
      column += dc;
      if (ds !== undefined) source += ds;
      points.push([column, ds !== undefined ? source : -1]);
    }
    points.forEach(([from, src], k) => owner.fill(src, from, points[k + 1]?.[0] ?? length));
    return owner;
  });
}

export function archiveModules(repo: string): ModuleShare[] {
  const result = buildSync({
    ...notifierBuildOptions(),
    sourcemap: "external",
    outfile: path.join(repo, "notifier.bench.js"),
  });
  const code = result.outputFiles.find((f) => f.path.endsWith(".js"))?.text;
  const mapText = result.outputFiles.find((f) => f.path.endsWith(".js.map"))?.text;
  if (code === undefined || mapText === undefined) throw new Error("esbuild produced no code or source map");
  const map = JSON.parse(mapText) as { sources: string[]; mappings: string };
  const owners = sourceOfEachChar(code, map.mappings);
  const lines = code.split("\n");
  const deflated = (s: string) => zlib.deflateRawSync(s).length;
  const whole = deflated(code);
  return map.sources
    .map((source, index) => {
      const without = lines
        .map((l, i) => [...l].filter((_, k) => owners[i]?.[k] !== index).join(""))
        .join("\n");
      return {
        module: path.relative(repo, path.resolve(repo, source)),
        minifiedBytes: code.length - without.length,
        deflatedBytes: whole - deflated(without),
      };
    })
    .sort((a, b) => b.deflatedBytes - a.deflatedBytes);
}
