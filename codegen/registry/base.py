"""What a registry entry is: a block (layer), or a training component."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from math import prod
from typing import Any, Literal

from ..params import Param

Shape = tuple[int, ...]
"""Shape of one sample, without the batch dimension."""

ShapeRule = Callable[[dict[str, Any], list[Shape]], Shape]
InferRule = Callable[[dict[str, Any], list[Shape]], dict[str, Any]]
CountRule = Callable[[dict[str, Any], list[Shape]], int]

Emission = Literal["module", "add", "concat"]


def no_params(params: dict[str, Any], shapes: list[Shape]) -> int:
    return 0


def no_inference(params: dict[str, Any], shapes: list[Shape]) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Block:
    """A layer block: the torch class it emits, its parameters and its shape rule."""

    type: str
    category: str
    doc: str
    params: tuple[Param, ...]
    shape: ShapeRule
    infer: InferRule = no_inference
    count: CountRule = no_params
    buffers: CountRule = no_params
    key_params: tuple[str, ...] = ()
    min_inputs: int = 1
    max_inputs: int | None = 1
    emission: Emission = "module"

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def to_catalog(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "category": self.category,
            "doc": self.doc,
            "min_inputs": self.min_inputs,
            "max_inputs": self.max_inputs,
            "key_params": list(self.key_params),
            "params": [p.to_catalog() for p in self.params],
        }


@dataclass(frozen=True)
class Component:
    """A training component: loss, optimizer, scheduler, init, dataset or augmentation."""

    type: str
    doc: str
    params: tuple[Param, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    def to_catalog(self, key: str = "type") -> dict[str, Any]:
        return {
            key: self.type,
            "doc": self.doc,
            **self.extra,
            "params": [p.to_catalog() for p in self.params],
        }


def numel(shape: Shape) -> int:
    return prod(shape) if shape else 1


def fmt_shape(shape: Shape) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ")"
