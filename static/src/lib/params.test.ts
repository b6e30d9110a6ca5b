import { describe, expect, it } from "vitest";
import { fieldText, formatValue, parseValue, summary } from "./params";
import type { ParamDef } from "./types";

const def = (kind: ParamDef["kind"], extra: Partial<ParamDef> = {}): ParamDef => ({
  name: "x", kind, default: null, required: false, inferred: false, min: null, max: null,
  exclusive_min: false, choices: null, length: null, nullable: false, data_path: false, doc: "",
  ...extra,
});

describe("parameter text", () => {
  it("parses ints and floats with ranges", () => {
    expect(parseValue(def("int", { min: 1 }), "16")).toEqual({ ok: true, value: 16 });
    expect(parseValue(def("int", { min: 1 }), "0").ok).toBe(false);
    expect(parseValue(def("int"), "1.5").ok).toBe(false);
    expect(parseValue(def("float", { min: 0, exclusive_min: true }), "0").ok).toBe(false);
    expect(parseValue(def("float"), "1e-3")).toEqual({ ok: true, value: 0.001 });
    expect(parseValue(def("int"), "")).toEqual({ ok: true, value: undefined });
  });

  it("parses tuples: one number or the full length", () => {
    const kernel = def("int_tuple", { length: 2, min: 1 });
    expect(parseValue(kernel, "3")).toEqual({ ok: true, value: 3 });
    expect(parseValue(kernel, "3, 5")).toEqual({ ok: true, value: [3, 5] });
    expect(parseValue(kernel, "(3, 5)")).toEqual({ ok: true, value: [3, 5] });
    expect(parseValue(kernel, "3, 5, 7").ok).toBe(false);
    expect(parseValue(def("float_tuple", { length: 2 }), "0.9, 0.999")).toEqual({ ok: true, value: [0.9, 0.999] });
    expect(parseValue(def("int_list"), "10 20 30")).toEqual({ ok: true, value: [10, 20, 30] });
  });

  it("formats values back", () => {
    expect(formatValue([3, 5])).toBe("3, 5");
    expect(formatValue(undefined)).toBe("");
    expect(formatValue(0.5)).toBe("0.5");
  });

  it("reads int lists with negative entries (Reshape, Permute)", () => {
    expect(parseValue(def("int_list"), "-1, 64")).toEqual({ ok: true, value: [-1, 64] });
    expect(parseValue(def("int_list"), "0 2 1")).toEqual({ ok: true, value: [0, 2, 1] });
    expect(parseValue(def("int_list"), "a, b").ok).toBe(false);
  });

  it("takes none for null where null is allowed, and shows it so", () => {
    const momentum = def("float", { nullable: true, default: 0.1 });
    expect(parseValue(momentum, "none")).toEqual({ ok: true, value: null });
    expect(parseValue(momentum, "None")).toEqual({ ok: true, value: null });
    expect(parseValue(def("float"), "none").ok).toBe(false);
    expect(fieldText(momentum, null)).toBe("none");
    expect(fieldText(momentum, undefined)).toBe("");
  });

  it("takes references to a definition's parameters inside it", () => {
    const width = def("int", { min: 1 });
    expect(parseValue(width, "planes * 4", ["planes"])).toEqual({ ok: true, value: { expr: "planes * 4" } });
    expect(parseValue(width, "planes", ["planes"])).toEqual({ ok: true, value: { expr: "planes" } });
    expect(parseValue(width, "64", ["planes"])).toEqual({ ok: true, value: 64 });
    const unknown = parseValue(width, "width * 2", ["planes"]);
    expect(unknown.ok).toBe(false);
    expect(!unknown.ok && unknown.message).toContain("width is not a parameter");
    // The form is the server's to check: its problem points at the field.
    expect(parseValue(width, "planes *", ["planes"])).toEqual({ ok: true, value: { expr: "planes *" } });
    expect(parseValue(width, "planes * 4").ok).toBe(false); // outside a definition
    expect(formatValue({ expr: "planes * 4" })).toBe("planes * 4");
  });

  it("summarises switches by name when on", () => {
    expect(summary(["num_heads", "causal"], { num_heads: 4, causal: true })).toBe("num_heads=4  causal");
    expect(summary(["num_heads", "causal"], { num_heads: 4, causal: false })).toBe("num_heads=4");
    expect(summary(["kernel_size"], { kernel_size: [3, 3] })).toBe("kernel_size=3×3");
  });
});
