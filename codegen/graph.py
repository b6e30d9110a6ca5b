"""One graph, the model's or a definition's, as the analysis sees it: its nodes (`NodeInfo`),
what their types name (`Kinds`) and the graph after the structural checks (`Body`).

`codegen.structure.check_body` builds a `Body` and finds everything wrong that does not
depend on tensor shapes; `codegen.inference` then infers the shapes into its nodes, once for
the model and once per instance of a definition.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import expressions
from .problems import pointer
from .registry import BLOCKS, Block, Shape, TensorType

if TYPE_CHECKING:
    from .definitions import Definition
    from .instances import InstanceRun

INPUT = "input"


def _jsonable(value: Any) -> Any:
    value = expressions.plain(value)
    return list(value) if isinstance(value, tuple) else value


@dataclass
class NodeInfo:
    """What the checks and the inference found out about one node."""

    id: str
    type: str
    index: int
    inputs: list[str] = field(default_factory=list)
    input_types: list[TensorType] = field(default_factory=list)
    output: TensorType | None = None
    params: dict[str, Any] = field(default_factory=dict)
    param_count: int = 0
    buffer_count: int = 0
    exprs: dict[str, ast.expr] = field(default_factory=dict)
    """Parameters given as expressions of the definition's parameters (definitions only)."""
    repeat: int = 1
    given: tuple[str, ...] = ()
    """The names of the parameters the spec gives (the others take their defaults)."""
    run: InstanceRun | None = None
    """The analysis of the definition for this instance (instances only)."""

    @property
    def input_shapes(self) -> list[Shape]:
        return [x.shape for x in self.input_types]

    @property
    def output_shape(self) -> Shape | None:
        return self.output.shape if self.output is not None else None

    def copy(self) -> NodeInfo:
        """A fresh node to infer into (a definition is inferred once per instance)."""
        return NodeInfo(
            self.id,
            self.type,
            self.index,
            self.inputs,
            params=dict(self.params),
            exprs=self.exprs,
            repeat=self.repeat,
            given=self.given,
        )

    def to_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "type": self.type,
            "inputs": self.inputs,
            "input_shapes": [_jsonable(s) for s in self.input_shapes],
            "output_shape": _jsonable(self.output_shape) if self.output is not None else None,
            "output_dtype": self.output.dtype if self.output is not None else None,
            "params": self.param_count,
            "resolved_params": {k: _jsonable(v) for k, v in self.params.items()},
        }
        if self.run is not None:
            found["repeat"] = self.repeat
            found["inner"] = self.run.nodes_dict()
        return found


class Kinds:
    """What a node's `type` names: a registry block or one of the spec's definitions."""

    def __init__(self, definitions: dict[str, Definition] | None = None) -> None:
        self.definitions = definitions or {}

    def get(self, name: str) -> Block | Definition | None:
        return BLOCKS.get(name) or self.definitions.get(name)

    def names(self) -> list[str]:
        return [*BLOCKS, *self.definitions]


@dataclass
class Body:
    """One graph after the structural checks: the model's (`path` empty) or a definition's."""

    path: tuple[Any, ...]
    inputs: list[str]
    nodes: dict[str, NodeInfo]
    order: list[str]
    output: str | None
    input_consumers: dict[str, list[str]]
    owner: Definition | None = None
    problems: int = 0
    """How many structural problems were found (a definition with any is not inferred)."""

    def where(self, *parts: Any) -> str:
        return pointer(*self.path, *parts)
