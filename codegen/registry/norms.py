"""Normalisation blocks: BatchNorm, LayerNorm, RMSNorm, GroupNorm, InstanceNorm.

None of their parameters takes weight decay (`decay="none"`).
"""

from __future__ import annotations

from ..params import REQUIRED, Param
from ..problems import ShapeError
from .base import Block, Params, Shape, TensorType, fmt_shape, numel
from .rules import check_inferred, single

_EPS = Param(
    "eps",
    "float",
    1e-5,
    "Added to the variance for numerical stability.",
    min=0.0,
    exclusive_min=True,
)
_MOMENTUM = Param(
    "momentum",
    "float",
    0.1,
    "Weight of the new batch in the running statistics (null: cumulative average).",
    min=0.0,
    max=1.0,
    nullable=True,
)


def _batchnorm_rule(block: str, ranks: tuple[int, ...], hint: str):
    def rule(params: Params, inputs: list[TensorType]) -> Shape:
        shape = single(inputs)
        if len(shape) not in ranks:
            raise ShapeError(f"{block} cannot normalise an input of shape {fmt_shape(shape)}", hint)
        check_inferred(params, "num_features", shape[0])
        return shape

    return rule


def _affine_count(flag: str):
    return lambda p, x: 2 * x[0].shape[0] if p[flag] else 0


def _running_stats(p: Params, x: list[TensorType]) -> int:
    return 2 * x[0].shape[0] if p["track_running_stats"] else 0


def _channel_norm_params(running: bool) -> tuple[Param, ...]:
    """BatchNorm's and InstanceNorm's parameters; they differ in two defaults only."""
    return (
        Param(
            "num_features",
            "int",
            None,
            "Channels C (inferred).",
            min=1,
            inferred=True,
            positional=True,
        ),
        _EPS,
        _MOMENTUM,
        Param("affine", "bool", running, "Learn a scale and shift per channel."),
        Param(
            "track_running_stats",
            "bool",
            running,
            "Keep running mean/variance for eval mode.",
        ),
    )


_BATCHNORM_LAYOUTS = {1: "(C) or (C, L)", 2: "(C, H, W)", 3: "(C, D, H, W)"}
_BATCHNORM_HINTS = {
    1: "use BatchNorm2d after 2-d convolutions, BatchNorm3d after 3-d ones",
    2: "use BatchNorm1d after Linear or Flatten, BatchNorm3d after 3-d convolutions",
    3: "use BatchNorm1d after Linear or Flatten, BatchNorm2d after 2-d convolutions",
}


def _batchnorm(dims: int) -> Block:
    layout = _BATCHNORM_LAYOUTS[dims]
    ranks = (1, 2) if dims == 1 else (dims + 1,)
    hint = _BATCHNORM_HINTS[dims]
    return Block(
        type=f"BatchNorm{dims}d",
        category="Normalization",
        doc=f"Batch normalisation over the channels of {layout}, with running statistics.",
        params=_channel_norm_params(running=True),
        shape=_batchnorm_rule(f"BatchNorm{dims}d", ranks, hint),
        infer=lambda p, x: {"num_features": x[0].shape[0]},
        count=_affine_count("affine"),
        buffers=_running_stats,
        decay="none",
    )


def _instancenorm_rule(rule):
    def checked(params: Params, inputs: list[TensorType]) -> Shape:
        shape = rule(params, inputs)
        if numel(shape[1:]) < 2:
            raise ShapeError(
                f"instance statistics need more than one value per channel, got {fmt_shape(shape)}",
                "use it before the spatial size shrinks to 1, or use BatchNorm",
            )
        return shape

    return checked


def _instancenorm(dims: int) -> Block:
    layout = "(C, L)" if dims == 1 else "(C, H, W)"
    hint = "use InstanceNorm2d for images" if dims == 1 else "use InstanceNorm1d for (C, L) inputs"
    return Block(
        type=f"InstanceNorm{dims}d",
        category="Normalization",
        doc=f"Instance normalisation: each sample and channel of {layout} on its own.",
        params=_channel_norm_params(running=False),
        shape=_instancenorm_rule(_batchnorm_rule(f"InstanceNorm{dims}d", (dims + 1,), hint)),
        infer=lambda p, x: {"num_features": x[0].shape[0]},
        count=_affine_count("affine"),
        buffers=_running_stats,
        decay="none",
    )


def _trailing_rule(params: Params, inputs: list[TensorType]) -> Shape:
    shape = single(inputs)
    normalized = params.get("normalized_shape") or (shape[-1],)
    if tuple(shape[len(shape) - len(normalized) :]) != tuple(normalized) or len(normalized) > len(
        shape
    ):
        raise ShapeError(
            f"normalized_shape {list(normalized)} is not the trailing part of the input {fmt_shape(shape)}",
            f"remove normalized_shape to normalise the last dimension ({shape[-1]}), or use trailing sizes",
            param="normalized_shape",
        )
    return shape


def _trailing_size(p: Params, x: list[TensorType]) -> int:
    return numel(tuple(p.get("normalized_shape") or (x[0].shape[-1],)))


def _infer_trailing(p: Params, x: list[TensorType]) -> Params:
    return {"normalized_shape": tuple(p.get("normalized_shape") or (x[0].shape[-1],))}


def _layernorm_count(p: Params, x: list[TensorType]) -> int:
    size = _trailing_size(p, x)
    if not p["elementwise_affine"]:
        return 0
    return size * (2 if p["bias"] else 1)


LAYERNORM = Block(
    type="LayerNorm",
    category="Normalization",
    doc="Layer normalisation over the last dimension(s) of each sample.",
    params=(
        Param(
            "normalized_shape",
            "int_list",
            None,
            "Trailing dimensions to normalise (inferred: the last one).",
            min=1,
            inferred=True,
            positional=True,
        ),
        _EPS,
        Param("elementwise_affine", "bool", True, "Learn a per-element scale (and shift)."),
        Param("bias", "bool", True, "Learn the shift too (with elementwise_affine)."),
    ),
    shape=_trailing_rule,
    infer=_infer_trailing,
    count=_layernorm_count,
    decay="none",
)


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def _groupnorm_rule(params: Params, inputs: list[TensorType]) -> Shape:
    shape = single(inputs)
    if len(shape) < 1:
        raise ShapeError("GroupNorm needs a channel dimension", "use it after Conv or Linear")
    check_inferred(params, "num_channels", shape[0])
    groups, channels = params["num_groups"], shape[0]
    if channels % groups:
        options = ", ".join(str(d) for d in _divisors(channels) if d <= 64)
        raise ShapeError(
            f"num_groups={groups} does not divide the {channels} channels",
            f"use a num_groups that divides {channels}: {options}",
            param="num_groups",
        )
    return shape


GROUPNORM = Block(
    type="GroupNorm",
    category="Normalization",
    doc="Group normalisation: channels split into num_groups groups, each normalised per sample.",
    params=(
        Param(
            "num_groups",
            "int",
            REQUIRED,
            "Number of channel groups; must divide the channels.",
            min=1,
            positional=True,
        ),
        Param(
            "num_channels",
            "int",
            None,
            "Channels C (inferred).",
            min=1,
            inferred=True,
            positional=True,
        ),
        _EPS,
        Param("affine", "bool", True, "Learn a scale and shift per channel."),
    ),
    shape=_groupnorm_rule,
    infer=lambda p, x: {"num_channels": x[0].shape[0]},
    count=_affine_count("affine"),
    key_params=("num_groups",),
    decay="none",
)

RMSNORM = Block(
    type="RMSNorm",
    category="Normalization",
    doc="Root-mean-square normalisation over the last dimension(s): no mean, no shift.",
    params=(
        LAYERNORM.params[0],
        Param(
            "eps",
            "float",
            None,
            "Added for numerical stability (default: the dtype's machine epsilon).",
            min=0.0,
            exclusive_min=True,
            nullable=True,
        ),
        Param("elementwise_affine", "bool", True, "Learn a per-element scale."),
    ),
    shape=_trailing_rule,
    infer=_infer_trailing,
    count=lambda p, x: _trailing_size(p, x) if p["elementwise_affine"] else 0,
    decay="none",
)

BLOCKS = (
    _batchnorm(1),
    _batchnorm(2),
    _batchnorm(3),
    LAYERNORM,
    RMSNORM,
    GROUPNORM,
    _instancenorm(1),
    _instancenorm(2),
)
