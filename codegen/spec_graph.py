"""The graph parts of the spec (docs/spec.md): nodes, edges, canvas positions, and definitions.

They know nothing of the registry, so that the catalog can describe the library of
definitions with the very classes the spec uses (`codegen.spec` builds the whole document
from them).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

MAX_NODES = 2000
MAX_EDGES = 10_000
MAX_SAMPLE_DIMS = 4
MAX_VOCAB = 10_000_000
MAX_REPEAT = 1000
MAX_DEFINITIONS = 100
MAX_DEFINITION_PARAMS = 32
MAX_DEFINITION_INPUTS = 8


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


ParamValue = Annotated[
    Any,
    WithJsonSchema(
        {
            "description": "a value of the parameter's kind; inside a definition also "
            '{"expr": "planes * 4"}: a parameter of the definition, or integer arithmetic '
            "of them (+ - * // %, parentheses, whole numbers)"
        }
    ),
]


class NodeSpec(Strict):
    """A block (its `type` is a registry block) or an instance (its `type` names a definition)."""

    id: Annotated[str, Field(min_length=1, max_length=64)]
    type: Annotated[str, Field(min_length=1, max_length=64)]
    params: dict[str, ParamValue] = Field(default_factory=dict)
    label: Annotated[str, Field(max_length=200)] | None = None
    repeat: Annotated[int, Field(ge=1, le=MAX_REPEAT)] = Field(
        default=1,
        description="instances only: stack this many instances in sequence (the output of "
        "each is the input of the next, so it must fit the input)",
    )


class EdgeSpec(Strict):
    source: Annotated[str, Field(max_length=64)]
    target: Annotated[str, Field(max_length=64)]


class Position(BaseModel):
    model_config = ConfigDict(extra="ignore")
    x: Annotated[float, Field(allow_inf_nan=False)] = 0.0
    y: Annotated[float, Field(allow_inf_nan=False)] = 0.0


class InputSpec(Strict):
    """One sample of the model's input: its shape (no batch dimension) and dtype."""

    shape: Annotated[
        list[Annotated[int, Field(ge=1, le=100_000)]],
        Field(min_length=1, max_length=MAX_SAMPLE_DIMS),
    ]
    dtype: Literal["float32", "int64"] = Field(
        default="float32", description="float32 features, or int64 token ids"
    )
    vocab_size: Annotated[int, Field(ge=2, le=MAX_VOCAB)] | None = Field(
        default=None, description="int64 only: the ids are in [0, vocab_size)"
    )


class ModuleParam(Strict):
    """A parameter of a definition: an `__init__` argument of its class in model.py."""

    kind: Literal["int", "float", "bool", "choice"]
    default: Any = Field(description="a value of the kind (one of `choices` for a choice)")
    min: int | float | None = None
    max: int | float | None = None
    choices: Annotated[list[Any], Field(min_length=1, max_length=64)] | None = Field(
        default=None, description="the allowed values of a choice"
    )
    doc: Annotated[str, Field(max_length=500)] = ""


class ModuleSpec(Strict):
    """A reusable block: a graph of its own with ordered inputs and declared parameters."""

    description: Annotated[str, Field(max_length=2000)] = ""
    params: Annotated[dict[str, ModuleParam], Field(max_length=MAX_DEFINITION_PARAMS)] = Field(
        default_factory=dict
    )
    inputs: Annotated[
        list[Annotated[str, Field(max_length=64)]],
        Field(min_length=1, max_length=MAX_DEFINITION_INPUTS),
    ] = Field(
        default_factory=lambda: ["x"],
        description="names of the inputs, in order; edges start from them as from `input`",
    )
    nodes: Annotated[list[NodeSpec], Field(min_length=1, max_length=MAX_NODES)]
    edges: Annotated[list[EdgeSpec], Field(max_length=MAX_EDGES)] | None = Field(
        default=None, description="default: a stack in list order from the first input"
    )
    output: Annotated[str, Field(max_length=64)] | None = Field(
        default=None, description="default: the only node without outgoing edges"
    )
    layout: dict[str, Position] = Field(
        default_factory=dict, description="canvas positions of the nodes only"
    )

    def effective_edges(self) -> list[EdgeSpec]:
        return effective_edges(self.edges, self.inputs[0], self.nodes)


def effective_edges(
    edges: list[EdgeSpec] | None, first: str, nodes: list[NodeSpec]
) -> list[EdgeSpec]:
    """The edges, or a sequential stack in list order from `first` when none are given."""
    if edges is not None:
        return list(edges)
    ids = [first, *(n.id for n in nodes)]
    return [EdgeSpec(source=a, target=b) for a, b in zip(ids, ids[1:], strict=False)]
