"""Constructor calls of the layers, e.g. `nn.Conv2d(3, 6, kernel_size=5)`."""

from __future__ import annotations

from typing import Any

from .literals import py
from .registry import Block
from .registry.base import Module


def constructor(block: Block, params: dict[str, Any]) -> str:
    """`nn.<Type>(...)` with positional arguments first and only non-default keywords.

    Parameters used in `forward` are left out; the emission's fixed keywords (e.g.
    `batch_first=True`) come last.
    """
    emission = block.emission
    assert isinstance(emission, Module), f"{block.type} is an expression, not a module"
    args: list[str] = []
    for param in block.params:
        if param.in_forward:
            continue
        value = params.get(param.name)
        if param.name == "normalized_shape" and isinstance(value, tuple) and len(value) == 1:
            value = value[0]
        if param.positional:
            args.append(py(value))
        elif param.name in params and (value != param.default or param.name in emission.always):
            args.append(f"{param.name}={py(value)}")
    args += [f"{name}={value}" for name, value in emission.fixed]
    return f"{block.class_name}({', '.join(args)})"
