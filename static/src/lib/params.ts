/** Text <-> value for parameter inputs, following the catalog's param kinds. */
import { isExpr, looksLikeReference, namesIn } from "./expr";
import type { ParamDef } from "./types";

export type Parsed = { ok: true; value: unknown } | { ok: false; message: string };

/** How a value is shown in a text input: tuples as `3, 5`, a reference as its expression. */
export function formatValue(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (isExpr(value)) return value.expr;
  if (Array.isArray(value)) return value.join(", ");
  return String(value);
}

function number(text: string, integer: boolean): number | null {
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return null;
  const value = Number(text);
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) return null;
  return value;
}

function numbers(text: string, integer: boolean): number[] | null {
  const parts = text.replace(/^[[(]|[\])]$/g, "").split(/[,\s]+/).filter(Boolean);
  const values = parts.map((p) => number(p, integer));
  return values.every((v) => v !== null) ? (values as number[]) : null;
}

function inRange(def: ParamDef, value: number): string | null {
  if (def.min !== null && (def.exclusive_min ? value <= def.min : value < def.min)) {
    return def.exclusive_min ? `must be greater than ${def.min}` : `must be at least ${def.min}`;
  }
  if (def.max !== null && value > def.max) return `must be at most ${def.max}`;
  return null;
}

/** The word that stands for null (Python's None) in a nullable parameter's field. */
export const NONE = "none";

/** How a value is shown in a parameter's text field: null as "none" where null is allowed. */
export function fieldText(def: ParamDef, value: unknown): string {
  return value === null && def.nullable ? NONE : formatValue(value);
}

/**
 * Parse what the user typed. Empty text means "use the default" (undefined); "none" is null
 * for a nullable parameter. Inside a definition, `names` are its parameters: text that is
 * not a value may be a reference to them (`planes * 4`).
 */
export function parseValue(def: ParamDef, text: string, names: string[] = []): Parsed {
  const trimmed = text.trim();
  if (trimmed === "") return { ok: true, value: undefined };
  if (def.nullable && trimmed.toLowerCase() === NONE) return { ok: true, value: null };
  const literal = parseLiteral(def, trimmed);
  if (literal.ok || !names.length || !namesIn(trimmed).length) return literal;
  if (looksLikeReference(trimmed, names)) return { ok: true, value: { expr: trimmed } };
  const unknown = namesIn(trimmed).filter((n) => !names.includes(n));
  return {
    ok: false,
    message: unknown.length
      ? `${unknown.join(", ")} is not a parameter of this block (${names.join(", ")})`
      : "a value, or a parameter with + - * // % and whole numbers",
  };
}

function parseLiteral(def: ParamDef, trimmed: string): Parsed {
  const integer = def.kind === "int" || def.kind === "int_tuple" || def.kind === "int_list";
  switch (def.kind) {
    case "int":
    case "float": {
      const value = number(trimmed, integer);
      if (value === null) return { ok: false, message: integer ? "a whole number" : "a number" };
      const range = inRange(def, value);
      return range ? { ok: false, message: range } : { ok: true, value };
    }
    case "int_tuple":
    case "int_list":
    case "float_tuple": {
      const values = numbers(trimmed, integer);
      if (values === null || !values.length) {
        return { ok: false, message: integer ? "whole numbers, e.g. 3 or 3, 5" : "numbers, e.g. 0.9, 0.999" };
      }
      for (const v of values) {
        const range = inRange(def, v);
        if (range) return { ok: false, message: `each ${range}` };
      }
      if (def.kind === "int_tuple") {
        if (values.length === 1) return { ok: true, value: values[0] };
        if (def.length !== null && values.length !== def.length) {
          return { ok: false, message: `one number or ${def.length} numbers` };
        }
      }
      if (def.kind === "float_tuple" && def.length !== null && values.length !== def.length) {
        return { ok: false, message: `${def.length} numbers` };
      }
      return { ok: true, value: values };
    }
    default:
      return { ok: true, value: trimmed };
  }
}

/**
 * A short summary of a block's key params for the node face, e.g. `out_channels=16
 * kernel_size=5×5`; a switch shows by its name when on (`causal`), not at all when off.
 */
export function summary(keys: string[], values: Record<string, unknown>): string {
  return keys
    .filter((k) => values[k] !== undefined && values[k] !== null && values[k] !== false)
    .map((k) => (values[k] === true ? k : `${k}=${formatValue(values[k]).replace(/, /g, "×")}`))
    .join("  ");
}

export function formatShape(shape: number[] | null | undefined): string {
  return shape ? `(${shape.join(", ")})` : "?";
}

export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined) return "–";
  return n.toLocaleString("en-US");
}
