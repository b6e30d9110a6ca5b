"""What mapping a traced call works with: the block it becomes (`BlockCall`), a refusal with its
reason, and the values of the call's arguments as the example run recorded them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import torch

from .trace import Call, Ref, TensorValue


class Refused(Exception):
    """The call cannot be mapped onto a block: the reason, for the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Held:
    """A parameter of the original's own, used in its forward, that a block takes over as its
    `weight`: where it is (`encoder.pos_embedding`) and the block's layout of it."""

    path: str
    layout: tuple[int, ...]


class BlockCall(NamedTuple):
    """A call as a block: its type, its parameters, the tensors it takes (refs), and the
    original's parameter it holds, if any."""

    type: str
    params: dict[str, Any]
    inputs: list[Ref]
    held: Held | None = None


Mapping = Ref | BlockCall
"""A block, or a reference to the value the call passes on (`x.contiguous()` is `x`)."""


def is_tensor(value: Any) -> bool:
    return isinstance(value, TensorValue)


def constant(arg: Any, calls: dict[str, Call]) -> Any:
    """A constant argument: a size recorded during the example run, or the literal."""
    if isinstance(arg, Ref):
        recorded = calls[arg.name].value if arg.name in calls else None
        if is_tensor(recorded) or arg.name == "input":
            raise Refused("a tensor is used where a constant is expected")
        return recorded
    if isinstance(arg, tuple | list):
        return type(arg)(constant(a, calls) for a in arg)
    return arg


def is_tensor_ref(ref: Ref, calls: dict[str, Call]) -> bool:
    if ref.name == "input":
        return True
    recorded = calls[ref.name].value if ref.name in calls else None
    return is_tensor(recorded) or (isinstance(recorded, tuple) and calls[ref.name].kind == "module")


def op_name(call: Call) -> str:
    """A function's or method's name: `add` of `operator.__add__`, `mean` of `aten.mean.dim`."""
    name = call.target if call.kind == "method" else getattr(call.target, "__name__", "")
    if isinstance(call.target, torch._ops.OpOverload):  # torch.export: aten.mean.dim is mean
        name = call.target._opname
    return str(name).removeprefix("__").removesuffix("__").removesuffix("_")
