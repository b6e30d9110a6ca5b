import { describe, expect, it } from "vitest";
import { formatValue, parseValue } from "./params";
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
});
