import { describe, expect, it } from "vitest";
import { COALESCE_MS, LIMIT, canRedo, canUndo, record, redo, replace, start, undo } from "./history";

describe("undo history", () => {
  it("undoes and redoes in order", () => {
    let h = start("a");
    h = record(h, "b");
    h = record(h, "c");
    expect(canUndo(h)).toBe(true);
    h = undo(h);
    expect(h.present).toBe("b");
    h = undo(h);
    expect(h.present).toBe("a");
    expect(canUndo(h)).toBe(false);
    h = redo(h);
    expect(h.present).toBe("b");
    expect(canRedo(h)).toBe(true);
  });

  it("drops the redo branch on a new edit", () => {
    let h = record(record(start("a"), "b"), "c");
    h = record(undo(h), "d");
    expect(canRedo(h)).toBe(false);
    expect(undo(h).present).toBe("b");
  });

  it("coalesces edits with the same key close in time", () => {
    let h = start("");
    h = record(h, "1", "field", 1000);
    h = record(h, "12", "field", 1500);
    h = record(h, "123", "field", 1500 + COALESCE_MS - 1);
    expect(h.past).toEqual([""]);
    h = record(h, "1234", "field", 5000);
    expect(h.past).toEqual(["", "123"]);
    h = record(h, "x", "other", 5001);
    expect(h.past).toEqual(["", "123", "1234"]);
  });

  it("ignores no-op records and keeps a bounded past", () => {
    let h = start(0);
    expect(record(h, 0)).toBe(h);
    for (let i = 1; i <= LIMIT + 10; i++) h = record(h, i);
    expect(h.past).toHaveLength(LIMIT);
    expect(replace(h, 99).past).toBe(h.past);
  });
});
