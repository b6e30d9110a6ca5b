"""Small pieces the blocks' shape rules share: rank checks, inferred values, dims, windows."""

from __future__ import annotations

from typing import Any

from ..params import REQUIRED, Param
from ..problems import ShapeError
from .base import Params, Shape, TensorType, fmt_shape

LAYOUTS = {1: "(L)", 2: "(C, L)", 3: "(C, H, W)", 4: "(C, D, H, W)"}


def single(inputs: list[TensorType]) -> Shape:
    """The shape of a block's one input."""
    (x,) = inputs
    return x.shape


def expect_rank(block: str, shape: Shape, rank: int, hint: str = "") -> None:
    if len(shape) != rank:
        raise ShapeError(
            f"{block} expects an input of shape {LAYOUTS.get(rank, rank)} per sample, "
            f"got {fmt_shape(shape)}",
            hint,
        )


def expect_sequence(block: str, shape: Shape, hint: str, role: str = "") -> Shape:
    """A sequence (L, E) per sample, as sequence blocks take (`role`: " as its query")."""
    if len(shape) != 2:
        raise ShapeError(
            f"{block} takes a sequence (L, E) per sample{role}, got {fmt_shape(shape)}", hint
        )
    return shape


def check_inferred(params: Params, name: str, actual: Any) -> None:
    """An inferred parameter given explicitly must match what the input gives."""
    given = params.get(name)
    if given is not None and given != actual:
        raise ShapeError(
            f"'{name}' is {given} but the incoming tensor gives {actual}",
            f"remove '{name}' to infer it, or set it to {actual}",
            param=name,
        )


def normalise_dim(dim: int, rank: int, name: str) -> int:
    """Map a torch dim (counting the batch dimension) to a sample dim index; -1 is the batch."""
    full = rank + 1
    if not -full <= dim < full:
        raise ShapeError(
            f"'{name}'={dim} is out of range for a {full}-d batch",
            f"use a value from 1 to {full - 1} (0 is the batch dimension), or negative",
            param=name,
        )
    return (dim % full) - 1


def sample_dim(dim: int, rank: int, name: str, action: str) -> int:
    """`normalise_dim`, refusing the batch dimension (`action` says what would be done to it)."""
    index = normalise_dim(dim, rank, name)
    if index < 0:
        raise ShapeError(
            f"{action} along the batch dimension is not allowed",
            f"use {name} of 1 or more (0 is the batch), or a negative value",
            param=name,
        )
    return index


def window_out(size: int, kernel: int, stride: int, padding: int, dilation: int, ceil: bool) -> int:
    """Output length of a sliding window (convolution or pooling), as torch computes it."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    if ceil:
        out = -(-span // stride) + 1
        if (out - 1) * stride >= size + padding:
            out -= 1
        return out
    return span // stride + 1


def dim_param(name: str, default: int | None, doc: str, positional: bool = False) -> Param:
    """A dimension parameter counted as in torch (0 is the batch, negative from the end)."""
    return Param(
        name,
        "int",
        REQUIRED if default is None else default,
        doc,
        min=-8,
        max=8,
        positional=positional,
    )
