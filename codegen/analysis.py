"""Checking a spec as a whole: ids, graph, per-node shapes and parameter counts.

`analyze(data)` never raises for bad input: everything wrong ends up in
`Analysis.problems`, each with a JSON pointer into the spec.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .classes import class_problems
from .definitions import MAX_EXPANDED_NODES, Definition, check_definitions, expanded_nodes
from .graph import INPUT, Body, Kinds, NodeInfo
from .inference import infer_body
from .instances import InstanceRun, Instances, lift
from .problems import Problem, pointer
from .registry import Shape, TensorType
from .spec import ModelSpec, parse_spec
from .structure import check_body
from .training_check import check_training
from .training_plan import TrainingPlan

MAX_TOTAL_PARAMS = 10**12
"""4 TB of float32 weights: beyond any model one trains from a canvas, far below 2**63."""

__all__ = ["INPUT", "Analysis", "NodeInfo", "analyze", "analyze_spec"]


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
    definitions: dict[str, Definition] = field(default_factory=dict)
    runs: dict[str, list[InstanceRun]] = field(default_factory=dict)
    """Each used definition's runs (`codegen.instances`), in the order the model uses them."""

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
    result.definitions = check_definitions(spec, problems)
    kinds = Kinds(result.definitions)
    body = check_body(
        (), [INPUT], spec.nodes, spec.edges, spec.effective_edges(), spec.output, kinds, problems
    )
    result.nodes, result.order, result.output = body.nodes, body.order, body.output
    result.input_consumers = body.input_consumers[INPUT]
    input_type = _input_type(spec, problems)
    if _fits_expanded(body, result.definitions, problems):
        instances = Instances(kinds)
        types = {INPUT: input_type} if input_type is not None else {}
        _, tagged = infer_body(body, types, {}, instances, fresh=False)
        problems.extend(lift(tagged))
        result.runs = dict(instances.runs)
        if not problems:  # the classes are written from runs without problems
            problems.extend(class_problems(result.runs, body.nodes, body.order))
    _check_total_params(result, problems)
    if spec.training is not None:  # without it the spec is a model only: no loss to check
        result.training = check_training(spec, result.output_type, result.output, problems)
    return result


def _fits_expanded(body: Body, definitions: dict[str, Definition], problems: list[Problem]) -> bool:
    """Instances and repeats multiply: the expanded model must stay within bounds."""
    sizes = expanded_nodes(body, definitions)
    total = sum(sizes.values())
    if total <= MAX_EXPANDED_NODES:
        return True
    largest = max(sizes, key=sizes.__getitem__)
    problems.append(
        Problem(
            body.where("nodes", body.nodes[largest].index),
            f"the model has {total:,} blocks with every instance and repeat expanded, more "
            f"than {MAX_EXPANDED_NODES:,}; '{largest}' alone stands for {sizes[largest]:,}",
            "use fewer repeats or smaller definitions",
        )
    )
    return False


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
