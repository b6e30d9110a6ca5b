"""Parameter expressions of definitions, and whole numbers that remember where they came from.

Inside a definition a parameter value may be `{"expr": "planes * 4"}`: a parameter of the
definition, or integer arithmetic of them and whole numbers (`+ - * // %`, parentheses).
`parse` checks the text against a whitelist of `ast` nodes (nothing is ever `eval`ed) and
`evaluate` computes it for one instance.

A `Dim` is an `int` that also carries an expression of the definition's parameters and of its
input's sizes. The analysis runs the registry's ordinary shape rules on `Dim`s, so that a
BatchNorm after `Conv2d(out_channels=planes * 4)` infers `num_features` 256 *and* knows that
it is `planes * 4`, which is what the definition's class in model.py must say. When a shape
rule finds two sizes equal (an `Add` of the block's input and its last convolution), the
`Unifier` of the running definition notes that the input's size is that expression: a
residual block then needs no argument for its input channels, as in torchvision.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

MAX_LENGTH = 200
MAX_CONSTANT = 10**9
MAX_MAGNITUDE = 10**15
SYMBOL_PREFIX = "_in"
"""Names of input sizes inside expressions (parameter names never start with `_`)."""

_OPERATORS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}
_REFUSED = {
    ast.Div: ("'/' gives fractions", "use // for whole-number division"),
    ast.Pow: ("powers are not allowed", "write the product out, e.g. planes * planes"),
}
ALLOWED = "parameter names, whole numbers, + - * // % and parentheses"


class ExprError(ValueError):
    """An expression that cannot be used; the message says why, the hint what to write."""

    def __init__(self, message: str, hint: str = f"use {ALLOWED}, e.g. planes * 4"):
        super().__init__(message)
        self.message = message
        self.hint = hint


def expression_text(value: Any) -> str | None:
    """The text of `{"expr": "..."}`, or None when `value` is not an expression object."""
    if isinstance(value, dict) and set(value) == {"expr"}:
        text = value["expr"]
        return text if isinstance(text, str) else ""
    return None


def is_expression(value: Any) -> bool:
    return isinstance(value, dict) and "expr" in value


def parse(text: str) -> ast.expr:
    """The checked syntax tree of an expression; raises ExprError."""
    if not text.strip():
        raise ExprError("the expression is empty")
    if len(text) > MAX_LENGTH:
        raise ExprError(f"the expression is longer than {MAX_LENGTH} characters", "shorten it")
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise ExprError(f"'{text[:60]}' is not an expression") from None
    _check(tree)
    return tree


def _check(node: ast.AST) -> None:
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, ast.BinOp):
            refused = _REFUSED.get(type(item.op))
            if refused:
                raise ExprError(*refused)
            if type(item.op) not in _OPERATORS:
                raise ExprError(f"the operator in '{ast.unparse(item)[:60]}' is not allowed")
            stack += [item.left, item.right]
        elif isinstance(item, ast.UnaryOp) and isinstance(item.op, ast.USub | ast.UAdd):
            stack.append(item.operand)
        elif isinstance(item, ast.Constant):
            if type(item.value) is not int:
                raise ExprError(f"{item.value!r} is not a whole number", "use whole numbers only")
            if item.value > MAX_CONSTANT:
                raise ExprError(f"{item.value} is too large", f"use numbers up to {MAX_CONSTANT:,}")
        elif isinstance(item, ast.Name):
            if item.id.startswith("_"):
                raise ExprError(f"'{item.id}' is not a parameter name")
        else:
            raise ExprError(f"'{ast.unparse(item)[:60]}' is not allowed here")


def names(node: ast.AST) -> list[str]:
    """The names an expression uses, in order, each once."""
    found = [n.id for n in ast.walk(node) if isinstance(n, ast.Name)]
    return list(dict.fromkeys(found))


def evaluate(node: ast.expr, env: Mapping[str, Any]) -> Any:
    """The value of a checked expression; names are looked up in `env` (ints, `Dim`s, or
    any value for a bare name). Raises ExprError for division by zero or huge numbers."""
    if isinstance(node, ast.Name):
        return env[node.id]
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.UnaryOp):
        value = evaluate(node.operand, env)
        return -value if isinstance(node.op, ast.USub) else value
    assert isinstance(node, ast.BinOp)
    left, right = evaluate(node.left, env), evaluate(node.right, env)
    if isinstance(node.op, ast.FloorDiv | ast.Mod) and right == 0:
        raise ExprError(
            f"'{ast.unparse(node)}' divides by zero", "give the divisor a value other than 0"
        )
    value = _OPERATORS[type(node.op)](left, right)
    if abs(value) > MAX_MAGNITUDE:
        raise ExprError(
            f"'{ast.unparse(node)}' is too large ({int(value):.3g})", "use smaller values"
        )
    return value


def text(node: ast.expr) -> str:
    return ast.unparse(node)


def substitute(node: ast.expr, replacements: Mapping[str, ast.expr]) -> ast.expr:
    """`node` with names replaced by expressions (a new tree; `node` is left as it is)."""
    if not replacements:
        return node

    class Replace(ast.NodeTransformer):
        def visit_Name(self, name: ast.Name) -> ast.expr:
            return replacements.get(name.id, name)

    return _simplify_tree(Replace().visit(_copy(node)))


def _copy(node: ast.expr) -> ast.expr:
    return ast.parse(ast.unparse(node), mode="eval").body


# ---------------------------------------------------------------- whole numbers with a history


def _node(value: Any) -> ast.expr:
    if isinstance(value, Dim):
        return value.node
    return ast.Constant(int(value))


def _constant(node: ast.expr) -> int | None:
    return node.value if isinstance(node, ast.Constant) else None


def _binary(left: ast.expr, op: ast.operator, right: ast.expr) -> ast.expr:
    """`left op right`, simplified where that is plain arithmetic: `h + 2 - 2 - 1 + 1` is `h`."""
    a, b = _constant(left), _constant(right)
    if a is not None and b is not None:
        return ast.Constant(_OPERATORS[type(op)](a, b))
    if isinstance(op, ast.Add | ast.Sub):
        if b == 0:
            return left
        if a == 0 and isinstance(op, ast.Add):
            return right
        if b is not None:
            offset = b if isinstance(op, ast.Add) else -b
            inner = _offset(left)
            if inner is not None:
                base, first = inner
                return _with_offset(base, first + offset)
            return _with_offset(left, offset)
    if isinstance(op, ast.Mult):
        if a == 1:
            return right
        if b == 1:
            return left
        if a == 0 or b == 0:
            return ast.Constant(0)
    if isinstance(op, ast.FloorDiv) and b == 1:
        return left
    return ast.BinOp(left, op, right)


def _offset(node: ast.expr) -> tuple[ast.expr, int] | None:
    """`h + 3` -> (h, 3); `h - 1` -> (h, -1); None for anything else."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub):
        b = _constant(node.right)
        if b is not None:
            return node.left, b if isinstance(node.op, ast.Add) else -b
    return None


def _with_offset(base: ast.expr, offset: int) -> ast.expr:
    if offset == 0:
        return base
    if offset > 0:
        return ast.BinOp(base, ast.Add(), ast.Constant(offset))
    return ast.BinOp(base, ast.Sub(), ast.Constant(-offset))


def _simplify_tree(node: ast.expr) -> ast.expr:
    if isinstance(node, ast.BinOp):
        return _binary(_simplify_tree(node.left), node.op, _simplify_tree(node.right))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _simplify_tree(node.operand)
        value = _constant(inner)
        return ast.Constant(-value) if value is not None else ast.UnaryOp(ast.USub(), inner)
    return node


def _arithmetic(op: ast.operator) -> tuple[Callable[..., int], Callable[..., int]]:
    function = _OPERATORS[type(op)]

    def forward(self: Dim, other: Any) -> Any:
        if not isinstance(other, int) or isinstance(other, bool):
            return function(int(self), other)
        return Dim.of(function(int(self), int(other)), _binary(self.node, op, _node(other)))

    def reflected(self: Dim, other: Any) -> Any:
        if not isinstance(other, int) or isinstance(other, bool):
            return function(other, int(self))
        return Dim.of(function(int(other), int(self)), _binary(_node(other), op, self.node))

    return forward, reflected


class Dim(int):
    """A whole number and the expression it was computed as (`planes * 4` is 256).

    Arithmetic with ints or other `Dim`s gives `Dim`s; comparing two equal `Dim`s tells the
    running `Unifier` that their expressions are equal (see the module docstring).
    """

    node: ast.expr

    def __new__(cls, value: int, node: ast.expr) -> Dim:
        self = super().__new__(cls, value)
        self.node = node
        return self

    @classmethod
    def of(cls, value: int, node: ast.expr) -> int:
        """A `Dim`, or a plain int when the expression is a constant."""
        return value if isinstance(node, ast.Constant) else cls(value, node)

    @classmethod
    def named(cls, value: int, name: str) -> Dim:
        return cls(value, ast.Name(name, ast.Load()))

    __add__, __radd__ = _arithmetic(ast.Add())
    __sub__, __rsub__ = _arithmetic(ast.Sub())
    __mul__, __rmul__ = _arithmetic(ast.Mult())
    __floordiv__, __rfloordiv__ = _arithmetic(ast.FloorDiv())
    __mod__, __rmod__ = _arithmetic(ast.Mod())

    def __neg__(self) -> int:
        return Dim.of(-int(self), _simplify_tree(ast.UnaryOp(ast.USub(), self.node)))

    def __pos__(self) -> Dim:
        return self

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, int):
            return NotImplemented
        equal = int(self) == int(other)
        if equal and isinstance(other, Dim):
            unifier = _UNIFIER.get()
            if unifier is not None:
                unifier.equal(self.node, other.node)
        return equal

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return NotImplemented if equal is NotImplemented else not equal

    __hash__ = int.__hash__

    def __reduce__(self) -> tuple[Any, ...]:
        return int, (int(self),)


def plain(value: Any) -> Any:
    """`value` with every `Dim` (also inside tuples and lists) turned into a plain int."""
    if isinstance(value, Dim):
        return int(value)
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def is_symbol(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id.startswith(SYMBOL_PREFIX)


class Unifier:
    """What one definition's analysis learnt: input sizes equal to expressions (`bindings`)."""

    def __init__(self) -> None:
        self.bindings: dict[str, ast.expr] = {}

    def resolve(self, node: ast.expr) -> ast.expr:
        return substitute(node, self.bindings)

    def equal(self, a: ast.expr, b: ast.expr) -> None:
        a, b = self.resolve(a), self.resolve(b)
        if ast.dump(a) == ast.dump(b):
            return
        if is_symbol(a) and is_symbol(b):  # keep the earlier input's size
            a, b = sorted((a, b), key=lambda n: n.id, reverse=True)  # type: ignore[attr-defined]
        elif is_symbol(b):
            a, b = b, a
        if is_symbol(a) and a.id not in names(b):  # type: ignore[attr-defined]
            self.bind(a.id, b)  # type: ignore[attr-defined]

    def bind(self, symbol: str, node: ast.expr) -> None:
        if symbol in self.bindings:
            return
        self.bindings = {k: substitute(v, {symbol: node}) for k, v in self.bindings.items()}
        self.bindings[symbol] = node


_UNIFIER: ContextVar[Unifier | None] = ContextVar("unifier", default=None)


@contextmanager
def unifying(unifier: Unifier | None) -> Iterator[None]:
    """Run the block with `unifier` noting equal sizes (None: equalities are not noted)."""
    token = _UNIFIER.set(unifier)
    try:
        yield
    finally:
        _UNIFIER.reset(token)
