"""The pieces of an imported model's structure: scopes (modules that become instances), the
items of their graphs, and the result."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from torch import nn

from .mapping import Node


@dataclass
class Item:
    """One node of a definition's (or the model's) graph: a block or an instance."""

    id: str
    type: str
    params: dict[str, Any]
    inputs: list[str]
    free: tuple[str, ...]
    """Parameters that may differ between instances of the definition around it."""
    node: Node | None = None
    scope: Scope | None = None
    repeat: list[Scope] = field(default_factory=list)


@dataclass
class Scope:
    """One module around blocks that becomes an instance (or the model itself)."""

    path: str
    module: nn.Module
    inputs: list[str] = field(default_factory=list)
    output: str = ""
    members: list[Node | Scope] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    out_id: str = ""
    definition: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    keeps_shape: bool = False
    """Its output has its input's shape (so that it can be repeated)."""


@dataclass
class Structure:
    """The spec's graph, its definitions, and where each module's weights go."""

    nodes: list[dict[str, Any]]
    edges: list[dict[str, str]]
    output: str
    modules: dict[str, dict[str, Any]]
    weight_paths: dict[str, str]
    """Original module (or parameter) path -> the generated model's."""
    weight_layouts: dict[str, tuple[int, ...]] = field(default_factory=dict)
    """Original parameter -> its shape in the block that holds it (a PositionalEmbedding's
    weight is torchvision's (1, L, E) `pos_embedding` as (L, E))."""


def local_name(path: str, inside: str) -> str:
    rest = path[len(inside) + 1 :] if inside else path
    return rest.replace(".", "_")
