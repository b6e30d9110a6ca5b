"""Activation blocks: element-wise non-linearities, GLU and (log-)softmax."""

from __future__ import annotations

from ..params import Param
from ..problems import ShapeError
from .base import Block, Module, Params, Shape, TensorType, same_shape
from .rules import normalise_dim, single


def _activation(type_: str, doc: str, *params: Param, **options) -> Block:
    return Block(
        type=type_,
        category="Activation",
        doc=doc,
        params=params,
        shape=same_shape,
        key_params=tuple(p.name for p in params),
        **options,
    )


def _softmax_rule(params: Params, inputs: list[TensorType]) -> Shape:
    shape = single(inputs)
    normalise_dim(params["dim"], len(shape), "dim")
    return shape


def _softmax(type_: str, doc: str) -> Block:
    return Block(
        type=type_,
        category="Activation",
        doc=doc,
        params=(
            Param(
                "dim",
                "int",
                1,
                "Dimension to normalise (counting the batch: 1 is the class dimension).",
                min=-8,
                max=8,
            ),
        ),
        shape=_softmax_rule,
        key_params=("dim",),
        # nn.Softmax() without dim guesses the dimension (the batch, for 3-d input) and warns
        emission=Module(always=("dim",)),
    )


def _glu_rule(params: Params, inputs: list[TensorType]) -> Shape:
    shape = single(inputs)
    dim = normalise_dim(params["dim"], len(shape), "dim")
    if dim < 0 or shape[dim] % 2:
        size = "the batch" if dim < 0 else f"size {shape[dim]}"
        raise ShapeError(
            f"GLU halves dimension {params['dim']}, which has {size}",
            "split a dimension of even size (e.g. Linear to 2x the width before GLU)",
            param="dim",
        )
    return (*shape[:dim], shape[dim] // 2, *shape[dim + 1 :])


def _prelu_rule(params: Params, inputs: list[TensorType]) -> Shape:
    shape = single(inputs)
    slopes = params["num_parameters"]
    if slopes != 1 and shape[0] != slopes:
        raise ShapeError(
            f"PReLU has {slopes} slopes but the input has {shape[0]} channels",
            f"set num_parameters to 1 or to {shape[0]}",
            param="num_parameters",
        )
    return shape


BLOCKS = (
    _activation("ReLU", "max(0, x)."),
    _activation("ReLU6", "min(max(0, x), 6), as in MobileNet."),
    _activation(
        "LeakyReLU",
        "x for x > 0, negative_slope * x otherwise.",
        Param("negative_slope", "float", 0.01, "Slope for negative inputs.", positional=True),
    ),
    Block(
        type="PReLU",
        category="Activation",
        doc="LeakyReLU with a learned slope (one, or one per channel); the slopes take no weight decay.",
        params=(
            Param(
                "num_parameters", "int", 1, "Learned slopes: 1, or the number of channels.", min=1
            ),
            Param("init", "float", 0.25, "Initial slope."),
        ),
        shape=_prelu_rule,
        count=lambda p, x: p["num_parameters"],
        key_params=("num_parameters",),
        decay="none",
    ),
    _activation(
        "ELU",
        "x for x > 0, alpha * (exp(x) - 1) otherwise.",
        Param("alpha", "float", 1.0, "Scale of the negative part.", positional=True),
    ),
    _activation(
        "GELU",
        "Gaussian error linear unit, x * Phi(x).",
        Param(
            "approximate", "choice", "none", "Use the tanh approximation.", choices=("none", "tanh")
        ),
    ),
    _activation("SiLU", "x * sigmoid(x) (swish)."),
    _activation("Mish", "x * tanh(softplus(x))."),
    _activation("Hardswish", "x * ReLU6(x + 3) / 6, as in MobileNetV3."),
    _activation("Hardsigmoid", "ReLU6(x + 3) / 6, a cheap sigmoid."),
    _activation(
        "Softplus",
        "log(1 + exp(beta * x)) / beta, a smooth ReLU.",
        Param("beta", "float", 1.0, "Sharpness.", min=0.0, exclusive_min=True),
        Param("threshold", "float", 20.0, "Above this (times beta) it is linear.", min=0.0),
    ),
    _activation("Tanh", "Hyperbolic tangent."),
    _activation("Sigmoid", "1 / (1 + exp(-x))."),
    Block(
        type="GLU",
        category="Activation",
        doc="Gated linear unit: splits dim in halves a, b and gives a * sigmoid(b).",
        params=(
            Param("dim", "int", -1, "Dimension to split (counting the batch).", min=-8, max=8),
        ),
        shape=_glu_rule,
        key_params=("dim",),
    ),
    _softmax(
        "Softmax", "Softmax over one dimension; outputs sum to 1 (not with CrossEntropyLoss)."
    ),
    _softmax("LogSoftmax", "Log of softmax; pair it with NLLLoss."),
    _activation("Identity", "Passes its input through unchanged (a placeholder)."),
)
