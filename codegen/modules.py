"""Constructor calls of the layers, e.g. `nn.Conv2d(3, 6, kernel_size=5)`."""

from __future__ import annotations

from typing import Any

from .literals import py
from .registry import Block

# Parameters whose torch default differs from the registry's: nn.Softmax() without dim
# guesses the dimension (dim 0, the batch, for 3-d input) and warns.
ALWAYS_EMITTED = {"Softmax": ("dim",), "LogSoftmax": ("dim",)}


def constructor(block: Block, params: dict[str, Any]) -> str:
    """`nn.<Type>(...)` with positional arguments first and only non-default keywords."""
    args: list[str] = []
    always = ALWAYS_EMITTED.get(block.type, ())
    for param in block.params:
        value = params.get(param.name)
        if param.name == "normalized_shape" and isinstance(value, tuple) and len(value) == 1:
            value = value[0]
        if param.positional:
            args.append(py(value))
        elif param.name in params and (value != param.default or param.name in always):
            args.append(f"{param.name}={py(value)}")
    return f"nn.{block.type}({', '.join(args)})"
