/**
 * Parameter references inside a definition: `{"expr": "planes * 4"}` (docs/spec.md,
 * "Reusable blocks"): a definition parameter, or integer arithmetic of them and whole
 * numbers with + - * // % and parentheses. The server checks and evaluates them; the editor
 * reads them to show which parameters a block uses, and evaluates them when an instance is
 * unpacked into plain blocks.
 */

export interface Expr {
  expr: string;
}

export function isExpr(value: unknown): value is Expr {
  return typeof value === "object" && value !== null && typeof (value as Expr).expr === "string";
}

const TOKEN = /\s*(\d+|[A-Za-z_][A-Za-z0-9_]*|\/\/|[-+*%()])/y;

function tokens(text: string): string[] | null {
  const found: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const match = TOKEN.exec(text);
    if (!match) return null;
    found.push(match[1]);
  }
  return found;
}

/** The parameter names an expression uses (none for text that is not an expression). */
export function namesIn(text: string): string[] {
  return [...new Set((tokens(text) ?? []).filter((t) => /^[A-Za-z_]/.test(t)))];
}

/** Is `text` an expression of the grammar, using only `names`? */
export function isExpression(text: string, names: string[]): boolean {
  const values = Object.fromEntries(names.map((n) => [n, 1]));
  return evaluate(text, values, true) !== null;
}

const floorDiv = (a: number, b: number) => Math.floor(a / b);
const floorMod = (a: number, b: number) => a - b * Math.floor(a / b);

/**
 * The integer value of an expression with the given parameter values, or null when it does
 * not parse, uses an unknown name or a value that is not a whole number, or divides by zero.
 * `syntaxOnly` checks the form (division by a zero value is not an error then).
 */
export function evaluate(text: string, values: Record<string, unknown>, syntaxOnly = false): number | null {
  const list = tokens(text);
  if (!list || !list.length) return null;
  let at = 0;
  const fail = Symbol("fail");
  const atom = (): number => {
    const token = list[at++];
    if (token === undefined) throw fail;
    if (token === "(") {
      const value = sum();
      if (list[at++] !== ")") throw fail;
      return value;
    }
    if (token === "-" || token === "+") {
      const value = atom();
      return token === "-" ? -value : value;
    }
    if (/^\d+$/.test(token)) return Number(token);
    if (/^[A-Za-z_]/.test(token)) {
      const value = values[token];
      if (typeof value !== "number" || !Number.isInteger(value)) throw fail;
      return value;
    }
    throw fail;
  };
  const product = (): number => {
    let value = atom();
    while (list[at] === "*" || list[at] === "//" || list[at] === "%") {
      const op = list[at++];
      const right = atom();
      if (op === "*") value *= right;
      else if (right === 0) {
        if (!syntaxOnly) throw fail;
      } else value = op === "//" ? floorDiv(value, right) : floorMod(value, right);
    }
    return value;
  };
  const sum = (): number => {
    let value = product();
    while (list[at] === "+" || list[at] === "-") {
      const op = list[at++];
      const right = product();
      value = op === "+" ? value + right : value - right;
    }
    return value;
  };
  try {
    const value = sum();
    return at === list.length ? value : null;
  } catch (error) {
    if (error === fail) return null;
    throw error;
  }
}

/**
 * The value a parameter reference stands for: a bare parameter name takes that parameter's
 * value whatever its kind (a float, a bool, a choice); arithmetic gives an integer.
 * Undefined when it cannot be worked out.
 */
export function resolveExpr(expr: Expr, values: Record<string, unknown>): unknown {
  const name = expr.expr.trim();
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return values[name];
  return evaluate(name, values) ?? undefined;
}
