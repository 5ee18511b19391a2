// The doctor's table in a terminal: wrapped to its width; a finding shared by accounts said once.
import { describe, expect, it } from "vitest";
import { formatTable, verdict } from "../../scripts/doctor";
import { mergeRepeated } from "../../scripts/doctor/mergeRows";
import type { DoctorRow } from "../../scripts/doctor/types";
import { wrapText } from "../../scripts/shared/wrap";

const LONG = `cannot read the organization trails of the management account 111111111111: ${"SyntaxError: Unexpected token '<', \"<html><body>\"... is not valid JSON ".repeat(8)}`;
const row = (accountId: string, over: Partial<DoctorRow> = {}): DoctorRow => ({
  accountId,
  name: `name-${accountId.slice(-2)}`,
  check: "trail",
  result: "warn",
  detail: LONG,
  fix: "the answer was not AWS's (an HTML page or unparseable): check for a proxy or captive portal",
  ...over,
});

describe("doctor output", () => {
  it("wraps DETAIL and HOW TO FIX to the terminal's width, under their column", () => {
    expect(LONG.length).toBeGreaterThan(600);
    for (const width of [60, 80, 120]) {
      const table = formatTable(
        [row("222222222222"), row("333333333333", { result: "ok", detail: "logged", fix: undefined })],
        width,
      );
      const lines = table.split("\n");
      for (const l of lines) expect(l.length, `${width}: ${l}`).toBeLessThanOrEqual(width);
      expect(lines.some((l) => l.trimStart().startsWith("-> the answer was not AWS's"))).toBe(true);
      expect(table).toMatch(/333333333333\s+name-33\s+trail\s+OK\s+logged/);
    }
    // Piped (no width): one line per row, as before.
    expect(formatTable([row("222222222222")]).split("\n")).toHaveLength(2);
  });

  it("wraps words whole and cuts only a word longer than the line", () => {
    expect(wrapText("a bb ccc dddd eeeee", 10)).toEqual(["a bb ccc", "dddd eeeee"]);
    expect(wrapText(`x ${"y".repeat(25)}`, 10)).toEqual(["x", "yyyyyyyyyy", "yyyyyyyyyy", "yyyyy"]);
  });

  it("says a finding shared by several accounts once, naming them", () => {
    const merged = mergeRepeated([
      row("222222222222"),
      row("333333333333"),
      row("444444444444", { detail: "other" }),
    ]);
    expect(merged).toHaveLength(2);
    expect(merged[0]).toMatchObject({ accountId: "-", name: "2 accounts" });
    expect(merged[0]?.detail).toContain("(accounts 222222222222, 333333333333)");
    expect(merged[1]?.accountId).toBe("444444444444");
  });

  it("counts failed checks in English, and never says pulumi up would fail", () => {
    const fail = (id: string) => row(id, { result: "fail" });
    expect(verdict("s", [fail("1")])).toBe("1 check failed for stack s. Fix it and run the doctor again.");
    expect(verdict("s", [fail("1"), fail("2")])).toBe(
      "2 checks failed for stack s. Fix them and run the doctor again.",
    );
    expect(verdict("s", [row("1", { result: "ok" })])).toBe("All checks passed for stack s.");
  });
});
