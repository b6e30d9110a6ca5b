"""Checking a spec as a whole: ids, graph, per-node shapes and parameter counts.

`analyze(data)` never raises for bad input: everything wrong ends up in
`Analysis.problems`, each with a JSON pointer into the spec.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from .components import check_params, unknown_type
from .names import id_problem
from .problems import Problem, ShapeError, pointer
from .registry import BLOCKS, Shape, TensorType
from .registry.base import fmt_shape, numel
from .spec import ModelSpec, parse_spec
from .training_check import TrainingPlan, check_training

MAX_ELEMENTS = 1 << 31
MAX_TOTAL_PARAMS = 10**12
"""4 TB of float32 weights: beyond any model one trains from a canvas, far below 2**63."""
INPUT = "input"


@dataclass
class NodeInfo:
    """What inference found out about one node."""

    id: str
    type: str
    index: int
    inputs: list[str] = field(default_factory=list)
    input_types: list[TensorType] = field(default_factory=list)
    output: TensorType | None = None
    params: dict[str, Any] = field(default_factory=dict)
    param_count: int = 0
    buffer_count: int = 0

    @property
    def input_shapes(self) -> list[Shape]:
        return [x.shape for x in self.input_types]

    @property
    def output_shape(self) -> Shape | None:
        return self.output.shape if self.output is not None else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "inputs": self.inputs,
            "input_shapes": [list(s) for s in self.input_shapes],
            "output_shape": list(self.output_shape) if self.output_shape is not None else None,
            "output_dtype": self.output.dtype if self.output is not None else None,
            "params": self.param_count,
            "resolved_params": {k: _jsonable(v) for k, v in self.params.items()},
        }


def _jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


@dataclass
class Analysis:
    """The result of checking a spec: problems, and whatever could be inferred."""

    spec: ModelSpec | None
    problems: list[Problem] = field(default_factory=list)
    nodes: dict[str, NodeInfo] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    output: str | None = None
    input_consumers: list[str] = field(default_factory=list)
    training: TrainingPlan | None = None

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def output_type(self) -> TensorType | None:
        node = self.nodes.get(self.output or "")
        return node.output if node else None

    @property
    def output_shape(self) -> Shape | None:
        output = self.output_type
        return output.shape if output else None

    @property
    def total_params(self) -> int:
        return sum(n.param_count for n in self.nodes.values())

    @property
    def size_mb(self) -> float:
        floats = self.total_params + sum(n.buffer_count for n in self.nodes.values())
        return round(floats * 4 / 2**20, 4)

    def to_dict(self) -> dict[str, Any]:
        shape = self.output_shape
        return {
            "valid": self.valid,
            "errors": [p.to_dict() for p in self.problems],
            "nodes": {k: v.to_dict() for k, v in self.nodes.items()},
            "order": self.order,
            "output": self.output,
            "output_shape": list(shape) if shape is not None else None,
            "total_params": self.total_params,
            "trainable_params": self.total_params,
            "size_mb": self.size_mb,
            "task": self.training.task if self.training else None,
        }


def analyze(data: Any) -> Analysis:
    """Check `data` (parsed JSON) completely and infer shapes where possible."""
    spec, problems = parse_spec(data)
    if spec is None:
        return Analysis(spec=None, problems=problems)
    return analyze_spec(spec)


def analyze_spec(spec: ModelSpec) -> Analysis:
    result = Analysis(spec=spec)
    problems = result.problems
    ok_ids = _check_nodes(spec, result)
    edges = _check_edges(spec, ok_ids, problems)
    inputs: dict[str, list[str]] = defaultdict(list)
    consumers: dict[str, list[str]] = defaultdict(list)
    for source, target in edges:
        inputs[target].append(source)
        consumers[source].append(target)
    for info in result.nodes.values():
        info.inputs = inputs.get(info.id, [])
    result.input_consumers = consumers.get(INPUT, [])
    index = {n.id: i for i, n in enumerate(spec.nodes)}
    order, cyclic = _topological_order(list(result.nodes), inputs, consumers)
    for node_id in cyclic:
        problems.append(
            Problem(
                pointer("nodes", index[node_id]),
                f"'{node_id}' is part of a cycle",
                "remove one of the edges that loop back; the graph must flow from input to output",
            )
        )
    result.order = order
    result.output = _check_output(spec, result, consumers, problems)
    _check_reachability(spec, result, inputs, consumers, problems)
    _check_arity(result, index, problems)
    _infer_shapes(spec, _input_type(spec, problems), result, problems)
    _check_total_params(result, problems)
    if spec.training is not None:  # without it the spec is a model only: no loss to check
        result.training = check_training(spec, result.output_type, result.output, problems)
    return result


def _check_nodes(spec: ModelSpec, result: Analysis) -> set[str]:
    """Ids and types; resolves params of known blocks. Returns the usable ids."""
    seen: dict[str, int] = {}
    ok: set[str] = set()
    for i, node in enumerate(spec.nodes):
        where = pointer("nodes", i, "id")
        bad = id_problem(node.id)
        if bad:
            result.problems.append(Problem(where, *bad))
            continue
        if node.id in seen:
            result.problems.append(
                Problem(
                    where,
                    f"id '{node.id}' is used by nodes {seen[node.id]} and {i}",
                    "give every node its own id",
                )
            )
            continue
        seen[node.id] = i
        ok.add(node.id)
        info = NodeInfo(id=node.id, type=node.type, index=i)
        result.nodes[node.id] = info
        block = BLOCKS.get(node.type)
        if block is None:
            message, hint = unknown_type("block type", node.type, BLOCKS)
            result.problems.append(Problem(pointer("nodes", i, "type"), message, hint))
            continue
        inferred = {p.name for p in block.params if p.inferred}
        given = {k: v for k, v in node.params.items() if not (k in inferred and v is None)}
        info.params, problems = check_params(block.params, given, ("nodes", i), node.type)
        result.problems.extend(problems)
    return ok


def _check_edges(
    spec: ModelSpec, ok_ids: set[str], problems: list[Problem]
) -> list[tuple[str, str]]:
    all_ids = {n.id for n in spec.nodes}
    edges: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()

    def where(j: int, end: str | None = None) -> str:
        if spec.edges is not None:
            return pointer("edges", j, end) if end else pointer("edges", j)
        # a sequential stack: edge j runs from node j - 1 to node j (duplicate or bad ids)
        if end is None:
            return pointer("nodes", j)
        return pointer("nodes", j if end == "target" else j - 1, "id")

    for j, edge in enumerate(spec.effective_edges()):
        bad = False
        for end in ("source", "target"):
            name = getattr(edge, end)
            if end == "source" and name == INPUT:
                continue
            if name == INPUT:
                problems.append(
                    Problem(
                        where(j, end),
                        "no edge may lead into 'input'",
                        "reverse the edge",
                    )
                )
                bad = True
            elif name not in all_ids:
                problems.append(
                    Problem(
                        where(j, end),
                        f"edge {end} '{name[:64]}' is not a node",
                        "use 'input' or the id of a node",
                    )
                )
                bad = True
            elif name not in ok_ids:
                bad = True
        if bad:
            continue
        pair = (edge.source, edge.target)
        if edge.source == edge.target:
            problems.append(
                Problem(where(j), f"'{edge.source}' is wired to itself", "remove this edge")
            )
        elif pair in seen:
            problems.append(
                Problem(
                    where(j),
                    f"the edge {edge.source} -> {edge.target} is listed twice",
                    "remove the duplicate (to add a tensor to itself, use two branches)",
                )
            )
        else:
            seen.add(pair)
            edges.append(pair)
    return edges


def _topological_order(
    ids: list[str], inputs: dict[str, list[str]], consumers: dict[str, list[str]]
) -> tuple[list[str], list[str]]:
    """Kahn's algorithm, stable in spec order. Returns (order, nodes on or after a cycle)."""
    pending = {i: sum(1 for s in inputs.get(i, []) if s != INPUT) for i in ids}
    position = {node_id: k for k, node_id in enumerate(ids)}
    ready = [i for i in ids if pending[i] == 0]
    order: list[str] = []
    while ready:
        ready.sort(key=position.__getitem__)
        current = ready.pop(0)
        order.append(current)
        for nxt in consumers.get(current, []):
            pending[nxt] -= 1
            if pending[nxt] == 0:
                ready.append(nxt)
    placed = set(order)
    stuck = [i for i in ids if i not in placed]
    # report only nodes that are really on a cycle, not everything downstream of one
    on_cycle = [i for i in stuck if _reaches(i, i, consumers)]
    return order, on_cycle or stuck


def _reaches(start: str, goal: str, consumers: dict[str, list[str]]) -> bool:
    stack, seen = list(consumers.get(start, [])), set()
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        if node not in seen:
            seen.add(node)
            stack.extend(consumers.get(node, []))
    return False


def _check_output(
    spec: ModelSpec, result: Analysis, consumers: dict[str, list[str]], problems: list[Problem]
) -> str | None:
    if spec.output is not None:
        if spec.output not in result.nodes:
            problems.append(
                Problem(
                    "/output",
                    f"output '{spec.output[:64]}' is not a node",
                    "use the id of the last node",
                )
            )
            return None
        return spec.output
    sinks = [i for i in result.nodes if not consumers.get(i)]
    if len(sinks) == 1:
        return sinks[0]
    if len(sinks) > 1:
        index = {n.id: k for k, n in enumerate(spec.nodes)}
        problems.append(
            Problem(
                pointer("nodes", index[sinks[-1]]),
                f"the graph has several outputs: {', '.join(sinks)}",
                "connect the loose ends (e.g. with Add or Concat), delete them, or set 'output'",
            )
        )
    return None


def _check_reachability(
    spec: ModelSpec,
    result: Analysis,
    inputs: dict[str, list[str]],
    consumers: dict[str, list[str]],
    problems: list[Problem],
) -> None:
    from_input = _closure([INPUT], consumers)
    if not consumers.get(INPUT):
        problems.append(
            Problem(
                "/edges", "nothing reads the input", "add an edge from 'input' to the first layer"
            )
        )
    to_output = _closure([result.output], inputs) if result.output else set(result.nodes)
    for node_id, info in result.nodes.items():
        if node_id not in from_input and consumers.get(INPUT):
            problems.append(
                Problem(
                    pointer("nodes", info.index),
                    f"'{node_id}' is not connected to the input",
                    "wire it into the graph or delete it",
                )
            )
        elif node_id not in to_output:
            problems.append(
                Problem(
                    pointer("nodes", info.index),
                    f"'{node_id}' does not lead to the output '{result.output}'",
                    "connect it to a later layer or delete it",
                )
            )


def _closure(start: list[str | None], links: dict[str, list[str]]) -> set[str]:
    seen: set[str] = set()
    stack = [s for s in start if s is not None]
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(links.get(node, []))
    return seen


def _check_arity(result: Analysis, index: dict[str, int], problems: list[Problem]) -> None:
    for node_id, info in result.nodes.items():
        block = BLOCKS.get(info.type)
        if block is None:
            continue
        count = len(info.inputs)
        if count == 0:
            continue  # reported as unreachable
        arity = block.inputs
        if count < arity.min:
            needs = ", ".join(arity.slots[: arity.min]) if arity.slots else f"{arity.min} inputs"
            problems.append(
                Problem(
                    pointer("nodes", index[node_id]),
                    f"{info.type} needs at least {needs}, got {count}",
                    "wire more branches into it",
                )
            )
        elif arity.max is not None and count > arity.max:
            takes = (
                f"at most {arity.max} inputs ({', '.join(arity.slots)})"
                if arity.slots
                else "one input"
            )
            problems.append(
                Problem(
                    pointer("nodes", index[node_id]),
                    f"{info.type} takes {takes} but {count} edges lead into it",
                    (
                        "merge the branches first with Add or Concat"
                        if arity.max == 1
                        else "remove the extra edges"
                    ),
                )
            )


def _check_total_params(result: Analysis, problems: list[Problem]) -> None:
    total = result.total_params + sum(n.buffer_count for n in result.nodes.values())
    if total <= MAX_TOTAL_PARAMS:
        return
    largest = max(result.nodes.values(), key=lambda n: n.param_count + n.buffer_count)
    problems.append(
        Problem(
            pointer("nodes", largest.index),
            f"the model has {total:.3g} parameters and buffers in all, more than "
            f"{MAX_TOTAL_PARAMS:.0e}; '{largest.id}' alone has {largest.param_count:.3g}",
            "make the largest layers smaller",
        )
    )


def _input_type(spec: ModelSpec, problems: list[Problem]) -> TensorType | None:
    """The type of the input, or None when its dtype and vocabulary do not fit together."""
    given = spec.input
    if given.dtype == "int64" and given.vocab_size is None:
        problems.append(
            Problem(
                "/input/vocab_size",
                "token inputs (dtype int64) need 'vocab_size'",
                "set vocab_size to the number of token ids, e.g. 256 for bytes",
            )
        )
        return None
    if given.dtype == "float32" and given.vocab_size is not None:
        problems.append(
            Problem(
                "/input/vocab_size",
                "'vocab_size' applies to token inputs only",
                'set dtype to "int64" for token ids, or remove vocab_size',
            )
        )
        return None
    return TensorType(tuple(given.shape), given.dtype, given.vocab_size)


def _dtype_problem(block_type: str, accepts: tuple[str, ...], x: TensorType) -> tuple[str, str]:
    if x.dtype == "int64":
        return (
            f"{block_type} takes float tensors, but it gets int64 token ids {x.describe()}",
            "turn the ids into vectors first, with an Embedding",
        )
    return (
        f"{block_type} takes int64 token ids, but it gets a float tensor {x.describe()}",
        'set the input dtype to "int64" (with vocab_size), or remove this block',
    )


def _infer_shapes(
    spec: ModelSpec, input_type: TensorType | None, result: Analysis, problems: list[Problem]
) -> None:
    types: dict[str, TensorType] = {INPUT: input_type} if input_type is not None else {}
    for node_id in result.order:
        info = result.nodes[node_id]
        block = BLOCKS.get(info.type)
        if block is None or not info.inputs or any(s not in types for s in info.inputs):
            continue
        # a required parameter is missing or a given one is bad (already reported)
        if any(p.name not in info.params for p in block.params):
            continue
        count = len(info.inputs)
        if count < block.inputs.min or (block.inputs.max is not None and count > block.inputs.max):
            continue
        info.input_types = [types[s] for s in info.inputs]
        where = ("nodes", info.index)
        wrong = next((x for x in info.input_types if x.dtype not in block.accepts), None)
        if wrong is not None:
            problems.append(
                Problem(pointer(*where), *_dtype_problem(info.type, block.accepts, wrong))
            )
            continue
        try:
            out = block.shape(info.params, info.input_types)
            info.params.update(block.infer(info.params, info.input_types))
            info.param_count = block.count(info.params, info.input_types)
            info.buffer_count = block.buffers(info.params, info.input_types)
        except ShapeError as exc:
            path = pointer(*where, "params", exc.param) if exc.param else pointer(*where)
            incoming = " and ".join(x.describe() for x in info.input_types)
            problems.append(Problem(path, f"{exc.message} (input {incoming})", exc.hint))
            continue
        output = out if isinstance(out, TensorType) else TensorType(tuple(out))
        if min(output.shape, default=1) < 1 or numel(output.shape) > MAX_ELEMENTS:
            problems.append(
                Problem(
                    pointer(*where),
                    f"output shape {fmt_shape(output.shape)} is not usable",
                    "check the parameters",
                )
            )
            continue
        info.output = output
        types[node_id] = output
