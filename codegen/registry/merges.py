"""Merge blocks: combine several incoming tensors into one (`a + b`, `a * b`, `torch.cat`)."""

from __future__ import annotations

from ..literals import py
from ..params import Param
from ..problems import ShapeError
from .base import MERGE_INPUTS, Block, Code, Expression, Params, Shape, TensorType, fmt_shape
from .rules import normalise_dim


def _listed(inputs: list[TensorType]) -> str:
    return ", ".join(fmt_shape(x.shape) for x in inputs)


def _add_rule(params: Params, inputs: list[TensorType]) -> Shape:
    first = inputs[0].shape
    if any(x.shape != first for x in inputs[1:]):
        raise ShapeError(
            f"Add needs inputs of the same shape, got {_listed(inputs)}",
            "make the branches end in the same shape (e.g. a 1x1 Conv or a Linear on one branch)",
        )
    return first


def _broadcast_rule(params: Params, inputs: list[TensorType]) -> Shape:
    """torch's broadcasting, for inputs of one rank (so that the batch dimensions line up)."""
    rank = inputs[0].rank
    if any(x.rank != rank for x in inputs):
        raise ShapeError(
            f"Multiply needs inputs of the same rank, got {_listed(inputs)}",
            "give the smaller input size-1 dimensions (e.g. Unflatten (C) to (C, 1, 1))",
        )
    out = [1] * rank
    for x in inputs:
        for i, size in enumerate(x.shape):
            if size != 1 and out[i] not in (1, size):
                raise ShapeError(
                    f"Multiply cannot broadcast {_listed(inputs)}",
                    "give the inputs equal sizes, or size 1 where one is spread over the other "
                    "(e.g. a (C, 1, 1) gate over (C, H, W))",
                )
            out[i] = max(out[i], size)
    return tuple(out)


def _concat_rule(params: Params, inputs: list[TensorType]) -> Shape:
    shapes = [x.shape for x in inputs]
    rank = len(shapes[0])
    dim = normalise_dim(params["dim"], rank, "dim")
    if dim < 0:
        raise ShapeError(
            "Concat cannot join along the batch dimension", "use dim >= 1", param="dim"
        )
    for shape in shapes[1:]:
        if len(shape) != rank or any(
            a != b for i, (a, b) in enumerate(zip(shape, shapes[0], strict=True)) if i != dim
        ):
            raise ShapeError(
                f"Concat along dim {params['dim']} needs inputs equal in every other dimension, "
                f"got {_listed(inputs)}",
                "make the other dimensions match, or concatenate along another dim",
            )
    total = sum(s[dim] for s in shapes)
    return (*shapes[0][:dim], total, *shapes[0][dim + 1 :])


def _concat_code(args: list[str], params: Params) -> Code:
    return Code(f"torch.cat([{', '.join(args)}], dim={py(params['dim'])})", frozenset({"torch"}))


BLOCKS = (
    Block(
        type="Add",
        category="Merge",
        doc="Element-wise sum of two or more inputs of the same shape (residual connections).",
        params=(),
        shape=_add_rule,
        inputs=MERGE_INPUTS,
        emission=Expression(lambda args, p: Code(" + ".join(args))),
    ),
    Block(
        type="Multiply",
        category="Merge",
        doc="Element-wise product with broadcasting, for gates (squeeze-excitation, GLU-style).",
        params=(),
        shape=_broadcast_rule,
        inputs=MERGE_INPUTS,
        emission=Expression(lambda args, p: Code(" * ".join(args))),
    ),
    Block(
        type="Concat",
        category="Merge",
        doc="Concatenate inputs along dim (as torch.cat, counting the batch dimension).",
        params=(
            Param("dim", "int", 1, "Dimension to join along (0 is the batch).", min=-8, max=8),
        ),
        shape=_concat_rule,
        inputs=MERGE_INPUTS,
        key_params=("dim",),
        emission=Expression(_concat_code),
    ),
)
