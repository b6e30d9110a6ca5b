"""Activation blocks: element-wise non-linearities and (log-)softmax."""

from __future__ import annotations

from typing import Any

from ..params import Param
from .base import Block, Shape
from .layers import _normalise_dim, _same


def _activation(type_: str, doc: str, *params: Param) -> Block:
    return Block(
        type=type_,
        category="Activation",
        doc=doc,
        params=params,
        shape=_same,
        key_params=tuple(p.name for p in params),
    )


def _softmax_rule(params: dict[str, Any], shapes: list[Shape]) -> Shape:
    _normalise_dim(params["dim"], len(shapes[0]), "dim")
    return shapes[0]


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
    )


BLOCKS = (
    _activation("ReLU", "max(0, x)."),
    _activation(
        "LeakyReLU",
        "x for x > 0, negative_slope * x otherwise.",
        Param("negative_slope", "float", 0.01, "Slope for negative inputs.", positional=True),
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
    _activation("Tanh", "Hyperbolic tangent."),
    _activation("Sigmoid", "1 / (1 + exp(-x))."),
    _softmax(
        "Softmax", "Softmax over one dimension; outputs sum to 1 (not with CrossEntropyLoss)."
    ),
    _softmax("LogSoftmax", "Log of softmax; pair it with NLLLoss."),
    _activation("Identity", "Passes its input through unchanged (a placeholder)."),
)
