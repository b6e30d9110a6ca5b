"""Shape inference over one checked graph: tensor types, inferred parameters and counts.

`infer_body` walks a `graph.Body` in topological order and runs each block's registry rules
on the types arriving along its edges. Inside a definition the parameters given as
expressions are computed first, from the instance's values (`env`); an instance node is
handed to the `Instances` of the analysis, which infers its definition (`codegen.instances`).
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any, Protocol

from . import expressions
from .expressions import ExprError
from .graph import Body, Kinds, NodeInfo
from .params import Param, ParamValueError, check_value
from .problems import Problem, ShapeError
from .registry import Block, TensorType
from .registry.base import fmt_shape, numel

if TYPE_CHECKING:
    from .definitions import Definition

MAX_ELEMENTS = 1 << 31

Tagged = tuple[Problem, tuple[str, ...]]
"""A problem and the chain of instances it was found in (empty: where it points)."""


class Instances(Protocol):
    kinds: Kinds

    def infer(
        self,
        info: NodeInfo,
        definition: Definition,
        body: Body,
        problems: list[Tagged],
    ) -> TensorType | None: ...


def infer_body(
    body: Body,
    input_types: dict[str, TensorType],
    env: dict[str, Any],
    instances: Instances,
    fresh: bool,
) -> tuple[dict[str, NodeInfo], list[Tagged]]:
    """The nodes of `body` with their types and counts, and the problems found.

    `fresh`: infer into copies of the nodes (a definition is inferred once per instance).
    """
    nodes = {k: v.copy() for k, v in body.nodes.items()} if fresh else body.nodes
    problems: list[Tagged] = []
    types: dict[str, TensorType] = dict(input_types)
    for node_id in body.order:
        info = nodes[node_id]
        kind = instances.kinds.get(info.type)
        if kind is None or not info.inputs or any(s not in types for s in info.inputs):
            continue
        if info.exprs and not _evaluate(info, kind, env, body, problems):
            continue
        # a required parameter is missing or a given one is bad (already reported)
        if any(p.name not in info.params for p in kind.params):
            continue
        count, arity = len(info.inputs), kind.inputs
        if count < arity.min or (arity.max is not None and count > arity.max):
            continue
        info.input_types = [types[s] for s in info.inputs]
        if isinstance(kind, Block):
            output = _block_output(info, kind, body, problems)
        else:
            output = instances.infer(info, kind, body, problems)
        if output is None:
            continue
        if min(output.shape, default=1) < 1 or numel(output.shape) > MAX_ELEMENTS:
            problems.append(
                (
                    Problem(
                        body.where("nodes", info.index),
                        f"output shape {fmt_shape(output.shape)} is not usable",
                        "check the parameters",
                    ),
                    (),
                )
            )
            continue
        info.output = output
        types[node_id] = output
    return nodes, problems


def _evaluate(
    info: NodeInfo,
    kind: Block | Definition,
    env: dict[str, Any],
    body: Body,
    problems: list[Tagged],
) -> bool:
    """Compute the parameters given as expressions; False (with problems) when one fails."""
    ok = True
    for name, tree in info.exprs.items():
        param: Param = kind.param(name)
        where = body.where("nodes", info.index, "params", name)
        try:
            value = _for_kind(expressions.evaluate(tree, env), param)
            info.params[name] = check_value(param, value)
        except ExprError as exc:
            problems.append((Problem(where, exc.message, exc.hint), ()))
            ok = False
        except ParamValueError as exc:
            shown = expressions.plain(value)
            message = f"{exc.message} (from {ast.unparse(tree)} = {shown!r})"
            problems.append((Problem(where, message, exc.hint), ()))
            ok = False
    order = [p.name for p in kind.params]
    info.params = {k: info.params[k] for k in sorted(info.params, key=order.index)}
    return ok


def _for_kind(value: Any, param: Param) -> Any:
    """An expression's value as the parameter's kind takes it: sizes stay `Dim`s."""
    if param.kind == "int_list" and isinstance(value, int) and not isinstance(value, bool):
        return (value,)
    if param.kind in ("int", "int_tuple", "int_list"):
        return value
    return expressions.plain(value)


def _dtype_problem(block_type: str, x: TensorType) -> tuple[str, str]:
    if x.dtype == "int64":
        return (
            f"{block_type} takes float tensors, but it gets int64 token ids {x.describe()}",
            "turn the ids into vectors first, with an Embedding",
        )
    return (
        f"{block_type} takes int64 token ids, but it gets a float tensor {x.describe()}",
        'set the input dtype to "int64" (with vocab_size), or remove this block',
    )


def _block_output(
    info: NodeInfo, block: Block, body: Body, problems: list[Tagged]
) -> TensorType | None:
    where = ("nodes", info.index)
    wrong = next((x for x in info.input_types if x.dtype not in block.accepts), None)
    if wrong is not None:
        problems.append((Problem(body.where(*where), *_dtype_problem(info.type, wrong)), ()))
        return None
    try:
        out = block.shape(info.params, info.input_types)
        info.params.update(block.infer(info.params, info.input_types))
        info.param_count = int(block.count(info.params, info.input_types))
        info.buffer_count = int(block.buffers(info.params, info.input_types))
    except ShapeError as exc:
        path = body.where(*where, "params", exc.param) if exc.param else body.where(*where)
        incoming = " and ".join(x.describe() for x in info.input_types)
        problems.append((Problem(path, f"{exc.message} (input {incoming})", exc.hint), ()))
        return None
    return out if isinstance(out, TensorType) else TensorType(tuple(out))
