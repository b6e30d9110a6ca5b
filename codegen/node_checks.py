"""The structural checks of a graph's nodes: ids, types, given parameters and, inside a
definition, parameter expressions (`{"expr": "planes * 4"}`), each problem with a JSON
pointer under the graph's path."""

from __future__ import annotations

import ast
import difflib
from typing import TYPE_CHECKING, Any

from . import expressions
from .components import check_params, unknown_type
from .expressions import ExprError, is_expression
from .graph import Kinds, NodeInfo
from .names import id_problem
from .params import Param
from .problems import Problem, pointer
from .registry import Block
from .registry.base import Expression
from .spec_graph import NodeSpec

if TYPE_CHECKING:
    from .definitions import Definition


def check_nodes(
    path: tuple[Any, ...],
    nodes: list[NodeSpec],
    kinds: Kinds,
    owner: Definition | None,
    problems: list[Problem],
) -> dict[str, NodeInfo]:
    """Ids, types and given parameters. Returns the nodes whose ids are usable."""
    seen: dict[str, int] = {}
    infos: dict[str, NodeInfo] = {}
    for i, node in enumerate(nodes):
        where = pointer(*path, "nodes", i, "id")
        bad = id_problem(node.id)
        if bad:
            problems.append(Problem(where, *bad))
            continue
        if node.id in seen:
            problems.append(
                Problem(
                    where,
                    f"id '{node.id}' is used by nodes {seen[node.id]} and {i}",
                    "give every node its own id",
                )
            )
            continue
        seen[node.id] = i
        info = NodeInfo(
            id=node.id, type=node.type, index=i, repeat=node.repeat, given=tuple(node.params)
        )
        infos[node.id] = info
        kind = kinds.get(node.type)
        if kind is None:
            message, hint = unknown_type("block type", node.type, kinds.names())
            problems.append(Problem(pointer(*path, "nodes", i, "type"), message, hint))
            continue
        if node.repeat != 1 and isinstance(kind, Block):
            problems.append(
                Problem(
                    pointer(*path, "nodes", i, "repeat"),
                    f"repeat applies to instances of a definition; {node.type} is a block",
                    "remove repeat, or make the block a definition and repeat its instance",
                )
            )
        info.params, info.exprs = _check_node_params(
            kind, node, (*path, "nodes", i), owner, problems
        )
    return infos


def _check_node_params(
    kind: Block | Definition,
    node: NodeSpec,
    where: tuple[Any, ...],
    owner: Definition | None,
    problems: list[Problem],
) -> tuple[dict[str, Any], dict[str, ast.expr]]:
    declared: tuple[Param, ...] = kind.params
    inferred = {p.name for p in declared if p.inferred}
    given = {k: v for k, v in node.params.items() if not (k in inferred and v is None)}
    exprs: dict[str, ast.expr] = {}
    deferred = {k for k, v in given.items() if is_expression(v)}
    for name in sorted(deferred, key=list(given).index):
        param = next((p for p in declared if p.name == name), None)
        if param is None:
            continue  # reported by check_params as unknown
        tree = _check_expression(
            kind, param, given[name], (*where, "params", name), owner, problems
        )
        if tree is not None:
            exprs[name] = tree
    resolved, found = check_params(declared, given, where, node.type, deferred=frozenset(deferred))
    problems.extend(found)
    return resolved, exprs


def _check_expression(
    kind: Block | Definition,
    param: Param,
    value: Any,
    where: tuple[Any, ...],
    owner: Definition | None,
    problems: list[Problem],
) -> ast.expr | None:
    path = pointer(*where)
    text = expressions.expression_text(value)
    if owner is None:
        problems.append(
            Problem(
                path,
                "expressions are allowed inside definitions only (in 'modules')",
                "write a value here, or group the node into a definition with a parameter",
            )
        )
        return None
    if text is None or not text:
        problems.append(
            Problem(
                path,
                'an expression is an object {"expr": "..."} with a non-empty text',
                'write it like {"expr": "planes * 4"}',
            )
        )
        return None
    if isinstance(kind, Block) and (param.in_forward or isinstance(kind.emission, Expression)):
        problems.append(
            Problem(
                path,
                f"'{param.name}' of {kind.type} is used in forward(), so it cannot come from "
                f"a parameter of {owner.name}",
                f"write a value for '{param.name}'",
            )
        )
        return None
    try:
        tree = expressions.parse(text)
    except ExprError as exc:
        problems.append(Problem(path, exc.message, exc.hint))
        return None
    used = expressions.names(tree)
    for name in used:
        if name not in owner.param_kinds:
            close = difflib.get_close_matches(name, list(owner.param_kinds), n=1)
            hint = (
                f"did you mean '{close[0]}'?"
                if close
                else f"declare it in /modules/{owner.name}/params"
            )
            problems.append(Problem(path, f"'{name}' is not a parameter of {owner.name}", hint))
            return None
    arithmetic = not isinstance(tree, ast.Name)
    for name in used:
        if arithmetic and owner.param_kinds[name] != "int":
            problems.append(
                Problem(
                    path,
                    f"'{text[:60]}' computes with '{name}', a {owner.param_kinds[name]} "
                    "parameter; arithmetic works on int parameters only",
                    f"use '{name}' on its own, or make it an int parameter",
                )
            )
            return None
    return tree
