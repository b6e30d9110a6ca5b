import { describe, expect, it } from "vitest";
import { evaluate, isExpression, namesIn, resolveExpr } from "./expr";

describe("parameter references", () => {
  it("evaluates integer arithmetic of parameters, as Python does", () => {
    expect(evaluate("planes * 4", { planes: 16 })).toBe(64);
    expect(evaluate("(dim + 1) // 2", { dim: 7 })).toBe(4);
    expect(evaluate("-7 // 2", {})).toBe(-4);
    expect(evaluate("-7 % 3", {})).toBe(2);
    expect(evaluate("dim - -2", { dim: 1 })).toBe(3);
    expect(evaluate("2 + 3 * 4", {})).toBe(14);
  });

  it("refuses what is not of the grammar or cannot be worked out", () => {
    expect(evaluate("planes ** 2", { planes: 2 })).toBeNull();
    expect(evaluate("planes / 2", { planes: 2 })).toBeNull();
    expect(evaluate("width", { planes: 2 })).toBeNull();
    expect(evaluate("p * 2", { p: 0.5 })).toBeNull();
    expect(evaluate("4 // zero", { zero: 0 })).toBeNull();
    expect(evaluate("(1 + 2", {})).toBeNull();
    expect(evaluate("", {})).toBeNull();
    expect(evaluate("alert(1)", {})).toBeNull();
  });

  it("names the parameters used and checks the form", () => {
    expect(namesIn("planes * expansion + planes")).toEqual(["planes", "expansion"]);
    expect(isExpression("planes * 4", ["planes"])).toBe(true);
    expect(isExpression("planes // d", ["planes", "d"])).toBe(true);
    expect(isExpression("planes * 4", [])).toBe(false);
  });

  it("passes a bare parameter through whatever its kind", () => {
    expect(resolveExpr({ expr: "p" }, { p: 0.1 })).toBe(0.1);
    expect(resolveExpr({ expr: " bias " }, { bias: false })).toBe(false);
    expect(resolveExpr({ expr: "dim * 4" }, { dim: 8 })).toBe(32);
    expect(resolveExpr({ expr: "dim * 4" }, {})).toBeUndefined();
  });
});
