"""Merge blocks: combine several incoming tensors into one."""

from __future__ import annotations

from typing import Any

from ..params import Param
from ..problems import ShapeError
from .base import Block, Shape, fmt_shape
from .layers import _normalise_dim


def _add_rule(params: dict[str, Any], shapes: list[Shape]) -> Shape:
    first = shapes[0]
    for shape in shapes[1:]:
        if shape != first:
            listed = ", ".join(fmt_shape(s) for s in shapes)
            raise ShapeError(
                f"Add needs inputs of the same shape, got {listed}",
                "make the branches end in the same shape (e.g. a 1x1 Conv or a Linear on one branch)",
            )
    return first


def _concat_rule(params: dict[str, Any], shapes: list[Shape]) -> Shape:
    rank = len(shapes[0])
    dim = _normalise_dim(params["dim"], rank, "dim")
    if dim < 0:
        raise ShapeError(
            "Concat cannot join along the batch dimension", "use dim >= 1", param="dim"
        )
    for shape in shapes[1:]:
        if len(shape) != rank or any(
            a != b for i, (a, b) in enumerate(zip(shape, shapes[0], strict=True)) if i != dim
        ):
            listed = ", ".join(fmt_shape(s) for s in shapes)
            raise ShapeError(
                f"Concat along dim {params['dim']} needs inputs equal in every other dimension, got {listed}",
                "make the other dimensions match, or concatenate along another dim",
            )
    total = sum(s[dim] for s in shapes)
    return (*shapes[0][:dim], total, *shapes[0][dim + 1 :])


BLOCKS = (
    Block(
        type="Add",
        category="Merge",
        doc="Element-wise sum of two or more inputs of the same shape (residual connections).",
        params=(),
        shape=_add_rule,
        min_inputs=2,
        max_inputs=None,
        emission="add",
    ),
    Block(
        type="Concat",
        category="Merge",
        doc="Concatenate inputs along dim (as torch.cat, counting the batch dimension).",
        params=(
            Param("dim", "int", 1, "Dimension to join along (0 is the batch).", min=-8, max=8),
        ),
        shape=_concat_rule,
        min_inputs=2,
        max_inputs=None,
        key_params=("dim",),
        emission="concat",
    ),
)
