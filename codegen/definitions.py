"""Definitions: the reusable blocks of a spec's `modules` (docs/spec.md, "Reusable blocks").

`check_definitions` checks each definition once, whether or not it is used: its name, its
declared parameters, its inputs and its graph (`graph.check_body`), and that no definition
uses itself, directly or through others. The shapes inside a definition depend on where it
is used; `codegen.instances` infers them once per instance.
"""

from __future__ import annotations

import builtins
import keyword
import re
from dataclasses import dataclass, field
from typing import Any

from .graph import Body, Kinds
from .names import GENERATED_NAMES, id_problem
from .params import REQUIRED, Param, ParamValueError, check_value
from .problems import Problem, pointer
from .registry import BLOCKS
from .registry.base import Inputs
from .spec import ModelSpec
from .spec_graph import ModuleParam, ModuleSpec
from .structure import check_body

DEFINITION_NAME = re.compile(r"^[A-Z][A-Za-z0-9_]{0,63}$")
PARAM_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_EXPANDED_NODES = 20_000
"""Nodes of a model with every instance and repeat expanded (the server's limit is lower)."""
# Names model.py defines or imports at module level, and that a parameter would shadow.
_MODULE_NAMES = frozenset({"Tensor", "NAME", "INPUT_SHAPE", "Module", "Sequential"})
_FUNCTION_NAMES = frozenset({"math", "causal_mask", "init_weights", "build_model"})


@dataclass
class Definition:
    """One entry of `modules`: its declared parameters as registry-style `Param`s, its
    inputs, and the structure of its graph."""

    name: str
    spec: ModuleSpec
    params: tuple[Param, ...]
    body: Body | None = None
    broken: bool = False
    """It has problems of its own (or uses itself): its instances are not inferred."""
    uses: list[tuple[int, str]] = field(default_factory=list)
    """(node index, definition name) of the instances in its graph."""

    @property
    def path(self) -> tuple[str, str]:
        return ("modules", self.name)

    @property
    def inputs(self) -> Inputs:
        count = len(self.spec.inputs)
        return Inputs(min=count, max=count, slots=tuple(self.spec.inputs))

    @property
    def input_names(self) -> list[str]:
        return list(self.spec.inputs)

    @property
    def param_kinds(self) -> dict[str, str]:
        return {p.name: p.kind for p in self.params}

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)


def check_definitions(spec: ModelSpec, problems: list[Problem]) -> dict[str, Definition]:
    """Every definition of the spec, checked; problems are appended to `problems`."""
    found: dict[str, Definition] = {}
    for name, entry in spec.modules.items():
        where = ("modules", name)
        bad = _name_problem(name)
        if bad:
            problems.append(Problem(pointer(*where), *bad))
            continue
        before = len(problems)
        params = _declared_params(entry, where, problems)
        _check_inputs(entry, where, problems)
        found[name] = Definition(name, entry, params, broken=len(problems) > before)
    kinds = Kinds(found)
    for definition in found.values():
        entry = definition.spec
        before = len(problems)
        definition.body = check_body(
            definition.path,
            list(entry.inputs),
            entry.nodes,
            entry.edges,
            entry.effective_edges(),
            entry.output,
            kinds,
            problems,
            owner=definition,
        )
        definition.broken |= len(problems) > before
        definition.uses = [
            (info.index, info.type) for info in definition.body.nodes.values() if info.type in found
        ]
    _check_recursion(found, problems)
    return found


def _name_problem(name: str) -> tuple[str, str] | None:
    if not DEFINITION_NAME.match(name):
        return (
            f"'{name[:40]}' is not a valid definition name",
            "use a CamelCase name: a capital letter, then letters, digits or _, e.g. BasicBlock",
        )
    if name in BLOCKS:
        return (
            f"'{name}' is the name of a block",
            f"choose another name, e.g. My{name}",
        )
    if keyword.iskeyword(name) or name in _MODULE_NAMES or hasattr(builtins, name):
        return (
            f"'{name}' is reserved in the generated model.py",
            f"use another name, e.g. {name}Block",
        )
    return None


def _param_name_problem(name: str) -> tuple[str, str] | None:
    if not PARAM_NAME.match(name):
        return (
            f"'{name[:40]}' is not a valid parameter name",
            "use lower case letters, digits and _, starting with a letter, e.g. planes",
        )
    if (
        keyword.iskeyword(name)
        or keyword.issoftkeyword(name)
        or hasattr(builtins, name)
        or name in GENERATED_NAMES
        or name in _FUNCTION_NAMES
    ):
        return (
            f"'{name}' is reserved in the generated model.py",
            f"use another name, e.g. {name}_size",
        )
    return None


def _declared_params(
    entry: ModuleSpec, where: tuple[Any, ...], problems: list[Problem]
) -> tuple[Param, ...]:
    params = []
    for name, declared in entry.params.items():
        at = (*where, "params", name)
        bad = _param_name_problem(name)
        if bad:
            problems.append(Problem(pointer(*at), *bad))
            continue
        param = _param(name, declared, at, problems)
        if param is None:  # still known by name, so that its uses are not reported too
            kind = "str" if declared.kind == "choice" else declared.kind
            param = Param(name, kind, REQUIRED, declared.doc)
        params.append(param)
    return tuple(params)


def _param(
    name: str, declared: ModuleParam, at: tuple[Any, ...], problems: list[Problem]
) -> Param | None:
    """The declared parameter as a `Param`, or None (with a problem) when it is inconsistent."""
    kind = declared.kind
    for bound in ("min", "max"):
        if getattr(declared, bound) is not None and kind not in ("int", "float"):
            problems.append(
                Problem(
                    pointer(*at, bound),
                    f"'{bound}' applies to int and float parameters, not to a {kind}",
                    f"remove '{bound}'",
                )
            )
            return None
    if (declared.choices is None) == (kind == "choice"):
        message = (
            "a choice parameter needs 'choices'"
            if kind == "choice"
            else f"'choices' applies to choice parameters, not to a {kind}"
        )
        problems.append(
            Problem(
                pointer(*at, "choices" if kind != "choice" else "kind"),
                message,
                (
                    'list the allowed values, e.g. "choices": ["relu", "gelu"]'
                    if kind == "choice"
                    else "remove 'choices', or make it a choice"
                ),
            )
        )
        return None
    if declared.choices is not None and not all(
        isinstance(c, str | int | float) and not isinstance(c, bool) for c in declared.choices
    ):
        problems.append(Problem(pointer(*at, "choices"), "choices must be strings or numbers", ""))
        return None
    param = Param(
        name,
        kind,
        None,
        declared.doc,
        min=declared.min,
        max=declared.max,
        choices=tuple(declared.choices) if declared.choices is not None else None,
    )
    try:
        default = check_value(param, declared.default)
    except ParamValueError as exc:
        problems.append(Problem(pointer(*at, "default"), f"the default: {exc.message}", exc.hint))
        return None
    return Param(
        name, kind, default, declared.doc, min=param.min, max=param.max, choices=param.choices
    )


def _check_inputs(entry: ModuleSpec, where: tuple[Any, ...], problems: list[Problem]) -> None:
    seen: set[str] = set()
    node_ids = {n.id for n in entry.nodes}
    for k, name in enumerate(entry.inputs):
        at = pointer(*where, "inputs", k)
        bad = None if name in ("x", "input") else id_problem(name)
        if bad:
            problems.append(Problem(at, *bad))
        elif name in seen:
            problems.append(Problem(at, f"the input '{name}' is listed twice", "rename one"))
        elif name in node_ids:
            problems.append(
                Problem(at, f"'{name}' is the name of an input and of a node", "rename one")
            )
        seen.add(name)


def _check_recursion(found: dict[str, Definition], problems: list[Problem]) -> None:
    """Report each cycle of definitions using each other once, at the node that closes it."""
    state: dict[str, str] = {}

    def visit(name: str, trail: list[str]) -> None:
        """`trail`: the definitions being visited, `name` last."""
        state[name] = "open"
        definition = found[name]
        for index, used in definition.uses:
            if state.get(used) == "open":
                loop = [*trail[trail.index(used) :], used]
                message = (
                    f"{name} uses itself"
                    if used == name
                    else f"{used} uses itself through {' -> '.join(loop)}"
                )
                problems.append(
                    Problem(
                        pointer(*definition.path, "nodes", index, "type"),
                        message,
                        "a definition may use other definitions, but never itself: "
                        "use a block here, or another definition",
                    )
                )
                for member in loop:
                    found[member].broken = True
            elif used not in state:
                visit(used, [*trail, used])
        state[name] = "done"

    for name in found:
        if name not in state:
            visit(name, [name])


def expanded_nodes(body: Body, definitions: dict[str, Definition]) -> dict[str, int]:
    """For each node of `body`: how many blocks it stands for (1 for a block; an instance's
    definition expanded, times its repeat). Broken definitions count as 1."""
    memo: dict[str, int] = {}

    def size(name: str) -> int:
        if name not in memo:
            definition = definitions[name]
            memo[name] = 1  # while counting it (only reachable for broken ones)
            if not definition.broken and definition.body is not None:
                memo[name] = max(1, sum(of(definition.body).values()))
        return memo[name]

    def of(graph: Body) -> dict[str, int]:
        return {
            node_id: info.repeat * size(info.type) if info.type in definitions else 1
            for node_id, info in graph.nodes.items()
        }

    return of(body)


def graph_size(data: Any) -> tuple[int, int]:
    """Nodes and edges of a spec as parsed JSON with every instance and repeat expanded, and
    the own graphs of the definitions the model does not use (they are checked too);
    leniently, for the server's limits (checked before any analysis)."""
    if not isinstance(data, dict):
        return 0, 0
    modules = data.get("modules")
    modules = modules if isinstance(modules, dict) else {}
    memo: dict[str, tuple[int, int]] = {}

    def graph(entry: Any) -> tuple[int, int]:
        nodes = entry.get("nodes") if isinstance(entry, dict) else None
        nodes = nodes if isinstance(nodes, list) else []
        edges = entry.get("edges") if isinstance(entry, dict) else None
        total_nodes = 0
        total_edges = len(edges) if isinstance(edges, list) else len(nodes)
        for node in nodes:
            kind = node.get("type") if isinstance(node, dict) else None
            repeat = node.get("repeat", 1) if isinstance(node, dict) else 1
            times = repeat if type(repeat) is int and 1 <= repeat <= 10**6 else 1
            if isinstance(kind, str) and kind in modules:
                inner_nodes, inner_edges = definition(kind)
                total_nodes += times * inner_nodes
                total_edges += times * (inner_edges + 1)
            else:
                total_nodes += 1
        return total_nodes, total_edges

    def definition(name: str) -> tuple[int, int]:
        if name not in memo:
            memo[name] = (1, 0)  # a definition that uses itself counts once
            memo[name] = graph(modules[name])
        return memo[name]

    nodes, edges = graph(data)
    for name in modules:
        if name not in memo:  # used neither by the model nor by a definition counted so far
            own_nodes, own_edges = definition(name)
            nodes, edges = nodes + own_nodes, edges + own_edges
    return nodes, edges
