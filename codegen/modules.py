"""Constructor calls of the layers, e.g. `nn.Conv2d(3, 6, kernel_size=5)`, and of instances
of definitions, e.g. `BasicBlock(planes=128)` or a repeat as an `nn.Sequential`."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from .literals import py
from .registry import Block
from .registry.base import Module


def constructor(
    block: Block,
    params: dict[str, Any],
    literal: Callable[[Any], str] = py,
    always: Collection[str] = (),
) -> str:
    """`nn.<Type>(...)` with positional arguments first and only non-default keywords.

    Parameters used in `forward` are left out; the emission's fixed keywords (e.g.
    `batch_first=True`) come last. `literal` writes a value (inside a definition, sizes are
    expressions such as `planes * 4`); parameters in `always` are passed even when this
    value is the default (a definition's expressions).
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
            args.append(literal(value))
        elif param.name in params and (
            value != param.default or param.name in emission.always or param.name in always
        ):
            args.append(f"{param.name}={literal(value)}")
    args += [f"{name}={value}" for name, value in emission.fixed]
    return f"{block.class_name}({', '.join(args)})"


def instance_constructor(
    class_name: str, positional: list[str], keywords: list[tuple[str, str]], repeat: int
) -> str:
    """`Block(64, planes=128)`, or `repeat` of them in sequence."""
    args = ", ".join([*positional, *(f"{k}={v}" for k, v in keywords)])
    one = f"{class_name}({args})"
    if repeat == 1:
        return one
    return f"nn.Sequential(*({one} for _ in range({repeat})))"
