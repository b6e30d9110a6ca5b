"""Linear and dropout blocks."""

from __future__ import annotations

from ..params import REQUIRED, Param
from ..problems import ShapeError
from .base import Block, Params, Shape, TensorType, fmt_shape, same_shape
from .rules import check_inferred, expect_rank, single


def _linear_shape(params: Params, inputs: list[TensorType]) -> Shape:
    shape = single(inputs)
    if len(shape) >= 3:
        raise ShapeError(
            f"Linear gets a {len(shape)}-d input {fmt_shape(shape)} per sample and would only "
            "mix its last dimension",
            "add a Flatten block before this Linear",
        )
    check_inferred(params, "in_features", shape[-1])
    return (*shape[:-1], params["out_features"])


LINEAR = Block(
    type="Linear",
    category="Linear",
    doc="Fully connected layer: y = x W^T + b over the last dimension.",
    params=(
        Param(
            "in_features",
            "int",
            None,
            "Size of each input sample (inferred).",
            min=1,
            inferred=True,
            positional=True,
        ),
        Param(
            "out_features",
            "int",
            REQUIRED,
            "Size of each output sample.",
            min=1,
            positional=True,
        ),
        Param("bias", "bool", True, "Learn an additive bias."),
    ),
    shape=_linear_shape,
    infer=lambda p, x: {"in_features": x[0].shape[-1]},
    count=lambda p, x: x[0].shape[-1] * p["out_features"] + (p["out_features"] if p["bias"] else 0),
    key_params=("out_features",),
    initialised=True,
)


# ---------------------------------------------------------------- dropout

_P = Param(
    "p",
    "float",
    0.5,
    "Probability of an element to be zeroed (dropped), not kept.",
    min=0.0,
    max=1.0,
    positional=True,
)


def _channel_dropout(type_: str, rank: int, layout: str) -> Block:
    def rule(params: Params, inputs: list[TensorType]) -> Shape:
        expect_rank(type_, single(inputs), rank, "use Dropout for other inputs")
        return inputs[0].shape

    return Block(
        type=type_,
        category="Dropout",
        doc=f"Zero whole channels of a {layout} input with probability p during training.",
        params=(_P,),
        shape=rule,
        key_params=("p",),
    )


DROPOUTS = (
    Block(
        type="Dropout",
        category="Dropout",
        doc="Zero each element with probability p during training (scaled by 1/(1-p)).",
        params=(_P,),
        shape=same_shape,
        key_params=("p",),
    ),
    _channel_dropout("Dropout1d", 2, "(C, L)"),
    _channel_dropout("Dropout2d", 3, "(C, H, W)"),
    Block(
        type="AlphaDropout",
        category="Dropout",
        doc="Dropout that keeps the mean and variance of SELU networks' activations.",
        params=(_P,),
        shape=same_shape,
        key_params=("p",),
    ),
)

BLOCKS = (LINEAR, *DROPOUTS)
