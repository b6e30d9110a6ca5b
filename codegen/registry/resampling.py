"""Resampling blocks: Upsample, PixelShuffle and zero padding."""

from __future__ import annotations

import math

from ..params import Param, expand
from ..problems import ShapeError
from .base import Block, Params, Shape, TensorType, fmt_shape
from .rules import LAYOUTS, expect_rank, single

# the interpolation modes by number of spatial dimensions ("nearest" fits all)
MODES = {1: ("linear",), 2: ("bilinear", "bicubic"), 3: ("trilinear",)}


def _upsample_rule(params: Params, inputs: list[TensorType]) -> Shape:
    shape = single(inputs)
    spatial = len(shape) - 1
    if spatial not in MODES:
        raise ShapeError(
            f"Upsample takes (C, L), (C, H, W) or (C, D, H, W) per sample, got {fmt_shape(shape)}",
            "add a channel dimension (e.g. Unflatten) before it",
        )
    mode = params["mode"]
    if mode != "nearest" and mode not in MODES[spatial]:
        options = ", ".join(("nearest", *MODES[spatial]))
        raise ShapeError(
            f"mode '{mode}' does not fit a {LAYOUTS[spatial + 1]} input",
            f"use one of {options}",
            param="mode",
        )
    if params["align_corners"] is not None and mode == "nearest":
        raise ShapeError(
            "align_corners applies to the linear modes only",
            "remove align_corners (null), or use a linear mode",
            param="align_corners",
        )
    size, scale = params["size"], params["scale_factor"]
    if (size is None) == (scale is None):
        raise ShapeError(
            "Upsample needs either size or scale_factor",
            "set one of them (e.g. scale_factor 2) and leave the other null",
            param="scale_factor" if scale is not None else "size",
        )
    if size is not None:
        if len(size) != spatial:
            raise ShapeError(
                f"size has {len(size)} values for {spatial} spatial dimensions",
                f"give {spatial} sizes, e.g. {[2 * d for d in shape[1:]]}",
                param="size",
            )
        return (shape[0], *size)
    return (shape[0], *(math.floor(d * scale) for d in shape[1:]))


UPSAMPLE = Block(
    type="Upsample",
    category="Resampling",
    doc="Resize sequences, images or volumes to a size, or by a scale factor.",
    params=(
        Param(
            "size", "int_list", None, "Output size of the spatial dimensions.", min=1, nullable=True
        ),
        Param(
            "scale_factor",
            "float",
            None,
            "Multiplier of the spatial size (e.g. 2).",
            min=0.0,
            exclusive_min=True,
            nullable=True,
        ),
        Param(
            "mode",
            "choice",
            "nearest",
            "Interpolation.",
            choices=("nearest", "linear", "bilinear", "bicubic", "trilinear"),
        ),
        Param(
            "align_corners", "bool", None, "Align corner pixels (linear modes only).", nullable=True
        ),
    ),
    shape=_upsample_rule,
    key_params=("scale_factor", "size", "mode"),
)


def _pixel_shuffle_rule(params: Params, inputs: list[TensorType]) -> Shape:
    shape = single(inputs)
    expect_rank("PixelShuffle", shape, 3)
    factor = params["upscale_factor"]
    channels, height, width = shape
    if channels % (factor * factor):
        raise ShapeError(
            f"PixelShuffle by {factor} needs channels divisible by {factor * factor}, got {channels}",
            f"give the convolution before it {factor * factor} x the output channels",
            param="upscale_factor",
        )
    return (channels // (factor * factor), height * factor, width * factor)


PIXEL_SHUFFLE = Block(
    type="PixelShuffle",
    category="Resampling",
    doc="Rearrange (C*r*r, H, W) into (C, H*r, W*r): sub-pixel upsampling.",
    params=(Param("upscale_factor", "int", 2, "The factor r.", min=1, max=64, positional=True),),
    shape=_pixel_shuffle_rule,
    key_params=("upscale_factor",),
)


def _zero_pad_rule(params: Params, inputs: list[TensorType]) -> Shape:
    shape = single(inputs)
    expect_rank("ZeroPad2d", shape, 3)
    left, right, top, bottom = expand(params["padding"], 4)
    return (shape[0], shape[1] + top + bottom, shape[2] + left + right)


ZERO_PAD_2D = Block(
    type="ZeroPad2d",
    category="Resampling",
    doc="Pad images with zeros: one size for all sides, or [left, right, top, bottom].",
    params=(
        Param(
            "padding",
            "int_tuple",
            1,
            "Pixels of zeros on each side.",
            min=0,
            max=1024,
            length=4,
            positional=True,
        ),
    ),
    shape=_zero_pad_rule,
    key_params=("padding",),
)

BLOCKS = (UPSAMPLE, PIXEL_SHUFFLE, ZERO_PAD_2D)
