"""Pooling blocks: max and average pooling in 1, 2 and 3 dimensions, and adaptive pooling."""

from __future__ import annotations

from ..params import REQUIRED, Param, expand
from ..problems import ShapeError
from .base import Block, Params, Shape, TensorType
from .rules import LAYOUTS, expect_rank, single, window_out


def _rule(dims: int, kind: str):
    block = f"{kind}Pool{dims}d"

    def rule(params: Params, inputs: list[TensorType]) -> Shape:
        shape = single(inputs)
        expect_rank(block, shape, dims + 1)
        kernel = expand(params["kernel_size"], dims)
        stride = expand(params["stride"] or params["kernel_size"], dims)
        padding = expand(params["padding"], dims)
        dilation = expand(params.get("dilation", 1), dims)
        out = []
        for size, k, s, p, d in zip(shape[1:], kernel, stride, padding, dilation, strict=True):
            if p * 2 > k:
                raise ShapeError(
                    f"{block}: padding {p} is more than half the kernel size {k}",
                    "use padding of at most kernel_size // 2",
                    param="padding",
                )
            length = window_out(size, k, s, p, d, params["ceil_mode"])
            # AvgPool3d (unlike the others) also refuses a window larger than its input
            if length < 1 or (block == "AvgPool3d" and size < k):
                raise ShapeError(
                    f"{block}: the window ({k}) is larger than its input ({size})",
                    "use a smaller kernel_size, or remove an earlier pooling layer",
                    param="kernel_size",
                )
            out.append(length)
        return (shape[0], *out)

    return rule


def pool_block(dims: int, kind: str) -> Block:
    params = [
        Param(
            "kernel_size",
            "int_tuple",
            REQUIRED,
            "Size of the pooling window.",
            min=1,
            length=dims,
            positional=True,
        ),
        Param(
            "stride",
            "int_tuple",
            None,
            "Stride of the window (default: kernel_size).",
            min=1,
            length=dims,
            nullable=True,
        ),
        Param("padding", "int_tuple", 0, "Implicit padding on both sides.", min=0, length=dims),
    ]
    if kind == "Max":
        params.append(
            Param(
                "dilation", "int_tuple", 1, "Spacing between window elements.", min=1, length=dims
            )
        )
    params.append(Param("ceil_mode", "bool", False, "Use ceil instead of floor for the size."))
    if kind == "Avg":
        params.append(
            Param("count_include_pad", "bool", True, "Include the zero padding in the average.")
        )
    what = "maximum" if kind == "Max" else "average"
    return Block(
        type=f"{kind}Pool{dims}d",
        category="Pooling",
        doc=f"{dims}-d {what} pooling over {LAYOUTS[dims + 1]}.",
        params=tuple(params),
        shape=_rule(dims, kind),
        key_params=("kernel_size", "stride"),
    )


def adaptive_block(dims: int, kind: str) -> Block:
    block = f"Adaptive{kind}Pool{dims}d"

    def rule(params: Params, inputs: list[TensorType]) -> Shape:
        shape = single(inputs)
        expect_rank(block, shape, dims + 1)
        return (shape[0], *expand(params["output_size"], dims))

    what = "average" if kind == "Avg" else "maximum"
    return Block(
        type=block,
        category="Pooling",
        doc=f"{dims}-d adaptive {what} pooling to a fixed output size (e.g. 1 for global pooling).",
        params=(
            Param(
                "output_size",
                "int_tuple",
                REQUIRED,
                "Target output size.",
                min=1,
                length=dims,
                positional=True,
            ),
        ),
        shape=rule,
        key_params=("output_size",),
    )


BLOCKS = (
    pool_block(1, "Max"),
    pool_block(2, "Max"),
    pool_block(3, "Max"),
    pool_block(1, "Avg"),
    pool_block(2, "Avg"),
    pool_block(3, "Avg"),
    adaptive_block(1, "Avg"),
    adaptive_block(2, "Avg"),
    adaptive_block(3, "Avg"),
    adaptive_block(1, "Max"),
    adaptive_block(2, "Max"),
)
