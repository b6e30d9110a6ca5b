/**
 * Parameter references inside a definition: `{"expr": "planes * 4"}` (docs/spec.md,
 * "Reusable blocks"): a definition parameter, or integer arithmetic of them and whole
 * numbers with + - * // % and parentheses. The server checks and evaluates them (its
 * problems point at the field); the editor only reads which parameters one uses, and
 * rewrites one in terms of other values when an instance is unpacked.
 */

export interface Expr {
  expr: string;
}

export function isExpr(value: unknown): value is Expr {
  return typeof value === "object" && value !== null && typeof (value as Expr).expr === "string";
}

const NAME = /[A-Za-z_][A-Za-z0-9_]*/g;
const BARE = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*$/;
/** The characters an expression is written with. */
const CHARACTERS = /^[A-Za-z0-9_\s+\-*/%()]+$/;

/** The parameter names an expression uses. */
export function namesIn(text: string): string[] {
  return [...new Set(text.match(NAME) ?? [])].filter((n) => !/^\d/.test(n));
}

/** Could `text` be a reference to the parameters `names` (the server checks the rest)? */
export function looksLikeReference(text: string, names: string[]): boolean {
  const used = namesIn(text);
  return CHARACTERS.test(text) && used.length > 0 && used.every((n) => names.includes(n));
}

/**
 * A reference with the referenced parameters replaced by `values`: a bare name takes its
 * value as it is (a number, a switch, another reference); arithmetic whose values are
 * references too stays a reference, written in them. Undefined when a value is missing,
 * or when arithmetic of plain values would have to be worked out (the analysis knows it).
 */
export function substitute(expr: Expr, values: Record<string, unknown>): unknown {
  const bare = BARE.exec(expr.expr);
  if (bare) return values[bare[1]];
  const used = namesIn(expr.expr);
  if (used.some((n) => values[n] === undefined) || !used.some((n) => isExpr(values[n]))) return undefined;
  const text = expr.expr.replace(NAME, (name) => {
    const value = values[name];
    if (isExpr(value)) return BARE.test(value.expr) ? value.expr.trim() : `(${value.expr})`;
    return String(value);
  });
  return { expr: text };
}
