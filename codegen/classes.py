"""The classes of model.py: one `nn.Module` per definition the model uses, then the model's.

A definition's class is written from one of its runs (`codegen.instances`): its layers'
sizes are the expressions the run's `Dim`s carry (`nn.BatchNorm2d(planes * 4)`), its
`__init__` takes the input sizes those expressions still need (`in_channels`, as
torchvision's `inplanes`) and then the declared parameters with their defaults. Every run
of a definition must give the same class; `class_problems` says where they differ.
"""

from __future__ import annotations

import ast
import dataclasses
import itertools
import textwrap
from dataclasses import dataclass, field
from typing import Any

from . import expressions
from .expressions import Dim
from .forward import Statement, forward_statements
from .graph import INPUT, NodeInfo
from .instances import InstanceRun, symbol
from .literals import docstring_text, py
from .modules import constructor, instance_constructor
from .problems import Problem, pointer
from .registry import BLOCKS, TensorType
from .registry.base import Helper, Module

MAX_COMMENT = 48
LINE_LENGTH = 88
"""black's, and the generated code's (ruff's E501)."""
INDENT = 8
_CHANNEL_PARAMS = frozenset({"in_channels", "num_channels", "num_features"})
_TYPE_NAMES = {"int": "int", "float": "float", "bool": "bool"}


class Source(str):
    """Code written as it is (a definition's parameter expression, e.g. `planes * 4`)."""


@dataclass
class ClassCode:
    """Everything model.py says about one class."""

    name: str
    docstring: str
    init_args: list[str]
    layers: list[tuple[str, str]]
    forward_args: list[str]
    statements: list[Statement]
    result: str
    symbols: list[str] = field(default_factory=list)
    """The input sizes `__init__` takes first (names of `codegen.instances.symbol`)."""
    helpers: list[Helper] = field(default_factory=list)
    imports: set[str] = field(default_factory=set)
    blocks: set[str] = field(default_factory=set)
    """Types of the registry blocks among its layers."""

    def text(self) -> str:
        """The class as plain text (to compare the classes of two runs)."""
        lines = [f"class {self.name}({', '.join(self.init_args)})"]
        lines += [f"{name} = {ctor}" for name, ctor in self.layers]
        lines += [f"{s.target} = {s.expression}" for s in self.statements]
        return "\n".join(lines)


class Scope:
    """How the values of one graph are written: as they are (the model's), or as
    expressions of a definition's parameters and input sizes (a run's)."""

    def __init__(self, run: InstanceRun | None = None) -> None:
        self.bindings = run.bindings if run is not None else {}
        self.names = _symbol_names(run) if run is not None else {}
        self.used: set[str] = set()

    def _expression(self, value: Dim, record: bool) -> str:
        node = expressions.substitute(value.node, self.bindings)
        found = [n for n in expressions.names(node) if n in self.names]
        if record:
            self.used.update(found)
        return expressions.text(
            expressions.substitute(node, {n: ast.Name(self.names[n]) for n in found})
        )

    def write(self, value: Any) -> str:
        """A value as code; the input sizes it uses become arguments of `__init__`."""
        if isinstance(value, Source):
            return str(value)
        if isinstance(value, Dim):
            return self._expression(value, record=True)
        if isinstance(value, tuple):
            items = [self.write(v) for v in value]
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        return py(value)

    def shape(self, x: TensorType | None) -> str:
        """The comment of a statement: the batch and the sizes, e.g. `N, planes, H, W`."""
        if x is None:
            return ""
        dims = [
            self._expression(d, record=False) if isinstance(d, Dim) else str(d) for d in x.shape
        ]
        text = ", ".join(["N", *dims])
        return text if len(text) <= MAX_COMMENT else ""


def _symbol_names(run: InstanceRun) -> dict[str, str]:
    """Readable names of a run's input sizes: `in_channels`, `height`, `embed_dim`, ..."""
    taken = {p.name for p in run.definition.params}
    inputs = run.definition.input_names
    names: dict[str, str] = {}
    for k, x in enumerate(run.input_types):
        items = list(zip(_axis_names(run, k, x), range(x.rank), strict=False))
        if x.vocab is not None:
            items.append(("vocab_size", "v"))  # type: ignore[arg-type]
        for base, axis in items:
            name = base if k == 0 and base not in taken else f"{inputs[k]}_{base}"
            count = 2
            while name in taken:
                name, count = f"{inputs[k]}_{base}{count}", count + 1
            taken.add(name)
            names[symbol(k, axis)] = name
    return names


def _axis_names(run: InstanceRun, k: int, x: TensorType) -> list[str]:
    if x.rank == 1:
        return ["in_features"]
    if x.rank == 2:
        channels = _channels_first(run, symbol(k, 0))
        return ["in_channels", "length"] if channels else ["seq_len", "embed_dim"]
    return ["in_channels", *(["depth"] if x.rank == 4 else []), "height", "width"]


def _is(value: Any, name: str) -> bool:
    return isinstance(value, Dim) and isinstance(value.node, ast.Name) and value.node.id == name


def _channels_first(run: InstanceRun, name: str) -> bool:
    """Whether the input size `name` of a (C, L) or (L, E) input is read as channels, by a
    layer of the run or of an instance inside it."""
    for info in run.nodes.values():
        if any(_is(v, name) for k, v in info.params.items() if k in _CHANNEL_PARAMS):
            return True
        inner = info.run
        if inner is not None and any(
            x.rank == 2 and _is(x.shape[0], name) and _channels_first(inner, symbol(j, 0))
            for j, x in enumerate(info.input_types)
        ):
            return True
    return False


def definition_class(run: InstanceRun, classes: dict[str, ClassCode]) -> ClassCode:
    """The class of a definition, written from `run`; `classes` has the classes of the
    definitions it uses."""
    definition = run.definition
    scope = Scope(run)
    inputs = {name: name for name in definition.input_names}
    code = _graph_class(
        definition.name,
        description_docstring(definition.spec.description, quoted=6),
        run.nodes,
        run.order,
        run.body.output,
        inputs,
        scope,
        classes,
    )
    code.symbols = [s for s in scope.names if s in scope.used]
    params = [
        f"{p.name}: {_type_name(p.kind, p.choices)} = {py(p.default)}" for p in definition.params
    ]
    code.init_args = [f"{scope.names[s]}: int" for s in code.symbols] + params
    return code


def model_class(
    name: str,
    docstring: str,
    nodes: dict[str, NodeInfo],
    order: list[str],
    output: str | None,
    classes: dict[str, ClassCode],
) -> ClassCode:
    """The model's own class (no parameters; its input is `x`)."""
    return _graph_class(name, docstring, nodes, order, output, {INPUT: "x"}, Scope(), classes)


def _graph_class(
    name: str,
    docstring: str,
    nodes: dict[str, NodeInfo],
    order: list[str],
    output: str | None,
    inputs: dict[str, str],
    scope: Scope,
    classes: dict[str, ClassCode],
) -> ClassCode:
    layers: list[tuple[str, str]] = []
    helpers: list[Helper] = []
    blocks: set[str] = set()
    for node_id in order:
        info = nodes[node_id]
        if info.run is not None:
            used = classes[info.type]
            layers.append((node_id, _instance(info, used, scope)))
            helpers += used.helpers
            blocks |= used.blocks
            continue
        block = BLOCKS[info.type]
        blocks.add(block.type)
        if isinstance(block.emission, Module):
            if block.emission.helper is not None:
                helpers.append(block.emission.helper)
            params = {**info.params, **{k: Source(ast.unparse(v)) for k, v in info.exprs.items()}}
            layers.append((node_id, constructor(block, params, scope.write, info.exprs.keys())))
    statements, result = forward_statements(
        nodes, order, output, inputs, lambda info: scope.shape(info.output)
    )
    statements = [_fitted(s) for s in statements]
    for statement in statements:
        helpers += statement.code.helpers
    found = ordered_helpers(helpers)
    imports = {m for s in statements for m in s.code.imports} | {
        m for h in found for m in h.imports
    }
    for node_id in order:
        if nodes[node_id].run is not None:
            imports |= classes[nodes[node_id].type].imports
    return ClassCode(
        name,
        docstring,
        [],
        layers,
        list(inputs.values()),
        statements,
        result,
        helpers=found,
        imports=imports,
        blocks=blocks,
    )


def _fitted(statement: Statement) -> Statement:
    """The statement without its shape comment when the line would be too long: black
    would split the call around the comment."""
    line = f"{statement.target} = {statement.expression}  # ({statement.shape})"
    if INDENT + len(line) <= LINE_LENGTH:
        return statement
    return dataclasses.replace(statement, shape="")


def _instance(info: NodeInfo, used: ClassCode, scope: Scope) -> str:
    """`Block(<input sizes>, <parameters given>)` in the scope of the graph around it."""
    run = info.run
    assert run is not None
    sizes = {}
    for k, x in enumerate(info.input_types):
        sizes |= {symbol(k, a): d for a, d in enumerate(x.shape)}
        sizes[symbol(k, "v")] = x.vocab
    positional = [scope.write(sizes[s]) for s in used.symbols]
    keywords = []
    for param in run.definition.params:
        value = info.params[param.name]
        if param.name in info.exprs:
            keywords.append((param.name, ast.unparse(info.exprs[param.name])))
        elif param.name in info.given or value != param.default:
            keywords.append((param.name, scope.write(value)))
    return instance_constructor(info.type, positional, keywords, info.repeat)


def ordered_helpers(helpers: list[Helper]) -> list[Helper]:
    """Each helper once, after those it needs."""
    found: dict[str, Helper] = {}

    def add(helper: Helper) -> None:
        for needed in helper.needs:
            add(needed)
        found.setdefault(helper.name, helper)

    for helper in helpers:
        add(helper)
    return list(found.values())


def _type_name(kind: str, choices: tuple[Any, ...] | None) -> str:
    if kind == "choice":
        assert choices
        return " | ".join(dict.fromkeys(type(c).__name__ for c in choices))  # e.g. str | int
    return _TYPE_NAMES[kind]


def description_docstring(description: str, quoted: int = 0) -> str:
    """A description as the body of a class docstring (wrapped, indented after its first line).

    `quoted` columns of the first line are taken by quotes (6 where the description is the
    docstring: black moves closing quotes off a long last line, not off a single line)."""
    if not description.strip():
        return ""
    paragraphs = docstring_text(description).split("\n")
    wrapped = [
        (
            textwrap.fill(
                p, width=84, initial_indent=" " * quoted * (k == 0), break_on_hyphens=False
            )
            if p.strip()
            else ""
        )
        for k, p in enumerate(paragraphs)
    ]
    return textwrap.indent("\n".join(wrapped), "    ").strip()


def build_classes(runs: dict[str, list[InstanceRun]], order: list[str]) -> dict[str, ClassCode]:
    """The class of each definition in `order` (used definitions before their users),
    written from its first run."""
    classes: dict[str, ClassCode] = {}
    for name in order:
        classes[name] = definition_class(runs[name][0], classes)
    return classes


def definition_order(nodes: dict[str, NodeInfo], order: list[str]) -> list[str]:
    """The definitions a graph uses, each after those it uses itself (first use first)."""
    found: list[str] = []

    def visit(graph_nodes: dict[str, NodeInfo], graph_order: list[str]) -> None:
        for node_id in graph_order:
            run = graph_nodes[node_id].run
            if run is not None and run.definition.name not in found:
                visit(run.nodes, run.order)
                found.append(run.definition.name)

    visit(nodes, order)
    return found


def class_problems(
    runs: dict[str, list[InstanceRun]], nodes: dict[str, NodeInfo], order: list[str]
) -> list[Problem]:
    """Where the runs of a definition would need different classes (one is written)."""
    problems: list[Problem] = []
    classes: dict[str, ClassCode] = {}
    for name in definition_order(nodes, order):
        first = definition_class(runs[name][0], classes)
        classes[name] = first
        for other in runs[name][1:]:
            second = definition_class(other, classes)
            if second.text() != first.text():
                problems.append(_difference(name, first, second))
                break
    return problems


def _difference(name: str, first: ClassCode, second: ClassCode) -> Problem:
    pairs = itertools.zip_longest(first.text().splitlines(), second.text().splitlines())
    line = next((x or "", y or "") for x, y in pairs if x != y)
    return Problem(
        pointer("modules", name),
        f"the instances of {name} need different code: '{line[0][:80]}' in one, "
        f"'{line[1][:80]}' in another",
        "give its instances inputs of the same layout, or make two definitions",
    )
