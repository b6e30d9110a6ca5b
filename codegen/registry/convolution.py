"""Convolution blocks: Conv1d, Conv2d, Conv3d and ConvTranspose2d."""

from __future__ import annotations

from ..params import REQUIRED, Param, expand
from ..problems import ShapeError
from .base import Block, Params, Shape, TensorType, numel
from .rules import LAYOUTS, check_inferred, expect_rank, single, window_out


def _spatial(params: Params, spatial: Shape, dims: int, block: str) -> Shape:
    kernel = expand(params["kernel_size"], dims)
    stride = expand(params["stride"], dims)
    padding = expand(params["padding"], dims)
    dilation = expand(params["dilation"], dims)
    out = []
    for size, k, s, p, d in zip(spatial, kernel, stride, padding, dilation, strict=True):
        length = window_out(size, k, s, p, d, False)
        if length < 1:
            raise ShapeError(
                f"{block}: the kernel ({d * (k - 1) + 1} wide with dilation) is larger than "
                f"its padded input ({size + 2 * p})",
                "use a smaller kernel_size, add padding, or remove a pooling layer before it",
                param="kernel_size",
            )
        out.append(length)
    return tuple(out)


def _check_groups(params: Params, in_channels: int) -> None:
    groups = params["groups"]
    for name, channels in (("in_channels", in_channels), ("out_channels", params["out_channels"])):
        if channels % groups:
            raise ShapeError(
                f"groups={groups} does not divide {name}={channels}",
                "choose groups that divides both the input and output channels",
                param="groups",
            )


def _check_padding_mode(params: Params, spatial: Shape, dims: int, block: str) -> None:
    """torch pads 'reflect' by less than the size and 'circular' by at most the size."""
    mode = params["padding_mode"]
    for size, pad in zip(spatial, expand(params["padding"], dims), strict=True):
        if (mode == "reflect" and pad >= size) or (mode == "circular" and pad > size):
            limit = "less than" if mode == "reflect" else "at most"
            raise ShapeError(
                f"{block}: padding_mode '{mode}' pads by {limit} the input size, "
                f"but padding is {pad} for a size of {size}",
                "lower the padding, or use padding_mode 'zeros' or 'replicate'",
                param="padding",
            )


def _rank_hint(shape: Shape, dims: int) -> str:
    if len(shape) == 1:
        return f"the input is flat; set the input shape to {LAYOUTS[dims + 1]} or use Linear"
    if 2 <= len(shape) <= 4:
        return f"use Conv{len(shape) - 1}d for this input"
    return ""


def _transposed_spatial(params: Params, spatial: Shape, dims: int) -> Shape:
    kernel = expand(params["kernel_size"], dims)
    stride = expand(params["stride"], dims)
    padding = expand(params["padding"], dims)
    dilation = expand(params["dilation"], dims)
    extra = expand(params["output_padding"], dims)
    out = []
    for size, k, s, p, d, e in zip(spatial, kernel, stride, padding, dilation, extra, strict=True):
        if e >= s and e >= d:
            raise ShapeError(
                "output_padding must be smaller than stride or dilation",
                "lower output_padding",
                param="output_padding",
            )
        length = (size - 1) * s - 2 * p + d * (k - 1) + e + 1
        if length < 1:
            raise ShapeError(
                f"ConvTranspose{dims}d: padding {p} leaves no output",
                "lower the padding",
                param="padding",
            )
        out.append(length)
    return tuple(out)


def _rule(dims: int, transposed: bool):
    block = f"ConvTranspose{dims}d" if transposed else f"Conv{dims}d"

    def rule(params: Params, inputs: list[TensorType]) -> Shape:
        shape = single(inputs)
        expect_rank(block, shape, dims + 1, _rank_hint(shape, dims))
        check_inferred(params, "in_channels", shape[0])
        _check_groups(params, shape[0])
        if transposed:
            return (params["out_channels"], *_transposed_spatial(params, shape[1:], dims))
        _check_padding_mode(params, shape[1:], dims, block)
        return (params["out_channels"], *_spatial(params, shape[1:], dims, block))

    return rule


def _count(dims: int):
    def count(params: Params, inputs: list[TensorType]) -> int:
        in_channels = inputs[0].shape[0]
        kernel = numel(expand(params["kernel_size"], dims))
        weights = in_channels * params["out_channels"] // params["groups"] * kernel
        return weights + (params["out_channels"] if params["bias"] else 0)

    return count


def _params(dims: int, transposed: bool) -> tuple[Param, ...]:
    params = [
        Param(
            "in_channels",
            "int",
            None,
            "Channels of the input (inferred).",
            min=1,
            inferred=True,
            positional=True,
        ),
        Param("out_channels", "int", REQUIRED, "Channels produced.", min=1, positional=True),
        Param(
            "kernel_size",
            "int_tuple",
            REQUIRED,
            "Size of the convolving kernel.",
            min=1,
            length=dims,
        ),
        Param("stride", "int_tuple", 1, "Stride of the convolution.", min=1, length=dims),
        Param("padding", "int_tuple", 0, "Zero padding added to each side.", min=0, length=dims),
    ]
    if transposed:
        params.append(
            Param(
                "output_padding",
                "int_tuple",
                0,
                "Extra size added to one side of the output.",
                min=0,
                length=dims,
            )
        )
    params += [
        Param("dilation", "int_tuple", 1, "Spacing between kernel elements.", min=1, length=dims),
        Param("groups", "int", 1, "Blocked connections from input to output channels.", min=1),
        Param("bias", "bool", True, "Learn an additive bias."),
    ]
    if not transposed:
        params.append(
            Param(
                "padding_mode",
                "choice",
                "zeros",
                "How padding is filled.",
                choices=("zeros", "reflect", "replicate", "circular"),
            )
        )
    return tuple(params)


def conv_block(dims: int, transposed: bool = False) -> Block:
    name = f"ConvTranspose{dims}d" if transposed else f"Conv{dims}d"
    layout = LAYOUTS[dims + 1]
    doc = (
        f"Transposed {dims}-d convolution (learned upsampling) over {layout}."
        if transposed
        else f"{dims}-d convolution over an input of shape {layout}."
    )
    return Block(
        type=name,
        category="Convolution",
        doc=doc,
        params=_params(dims, transposed),
        shape=_rule(dims, transposed),
        infer=lambda p, x: {"in_channels": x[0].shape[0]},
        count=_count(dims),
        key_params=("out_channels", "kernel_size", "stride", "padding"),
        initialised=True,
    )


BLOCKS = (conv_block(1), conv_block(2), conv_block(3), conv_block(2, transposed=True))
