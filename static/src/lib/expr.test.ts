import { describe, expect, it } from "vitest";
import { looksLikeReference, namesIn, substitute } from "./expr";

describe("parameter references", () => {
  it("names the parameters used", () => {
    expect(namesIn("planes * expansion + planes")).toEqual(["planes", "expansion"]);
    expect(namesIn("(dim + 1) // 2")).toEqual(["dim"]);
  });

  it("tells references from values and typos", () => {
    expect(looksLikeReference("planes * 4", ["planes"])).toBe(true);
    expect(looksLikeReference("planes // d", ["planes", "d"])).toBe(true);
    expect(looksLikeReference("64", ["planes"])).toBe(false);
    expect(looksLikeReference("width * 2", ["planes"])).toBe(false);
    expect(looksLikeReference("planes; alert(1)", ["planes", "alert"])).toBe(false);
  });

  it("a bare parameter takes its value whatever its kind", () => {
    expect(substitute({ expr: "p" }, { p: 0.1 })).toBe(0.1);
    expect(substitute({ expr: " bias " }, { bias: false })).toBe(false);
    expect(substitute({ expr: "planes" }, { planes: { expr: "width" } })).toEqual({ expr: "width" });
  });

  it("arithmetic of references stays a reference; of plain values it is left to the analysis", () => {
    expect(substitute({ expr: "planes * 4" }, { planes: { expr: "width" } })).toEqual({ expr: "width * 4" });
    expect(substitute({ expr: "planes * e" }, { planes: { expr: "w + 1" }, e: 4 })).toEqual({ expr: "(w + 1) * 4" });
    expect(substitute({ expr: "planes * 4" }, { planes: 16 })).toBeUndefined();
    expect(substitute({ expr: "planes * 4" }, {})).toBeUndefined();
  });
});
