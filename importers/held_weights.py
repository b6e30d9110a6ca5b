"""A module's own parameters used in its forward, as the blocks that hold such a weight.

Layers keep their weights in registry blocks; two well-known uses of a bare parameter are
blocks too, which take the parameter over as their `weight` (`Held` says where it was and the
block's layout of it):

- `x + self.pos_embedding`, a (1, L, E) parameter added to a sequence (N, L, E), is a
  `PositionalEmbedding` (its weight (L, E));
- `torch.cat([self.class_token.expand(n, -1, -1), x], dim=1)`, a (1, 1, E) token put before a
  sequence, is a `ClassToken` (its weight (1, 1, E)), as in torchvision's ViT.

Any other use is refused with what the block would need.
"""

from __future__ import annotations

from typing import Any, NoReturn

from .call_values import BlockCall, Held, Refused, constant, is_tensor, op_name
from .trace import Call, Ref

_TOKEN = (
    "the block for it is a ClassToken: a (1, 1, E) token expanded over the batch and put "
    "first in a sequence, torch.cat([token.expand(n, -1, -1), x], dim=1)"
)


def held(arg: Any, calls: dict[str, Call]) -> bool:
    """The argument is a parameter (or buffer) of a module's own, read in its forward."""
    return isinstance(arg, Ref) and arg.name in calls and calls[arg.name].kind == "attribute"


def _shape(call: Call | None) -> tuple[int, ...]:
    return call.value.shape if call is not None and is_tensor(call.value) else ()


def positional_embedding(weight: Ref, data: Ref, calls: dict[str, Call]) -> BlockCall:
    """`x + self.pos_embedding`: a (1, L, E) parameter added to a sequence (N, L, E)."""
    parameter = calls[weight.name]
    shape, sequence = _shape(parameter), _shape(calls.get(data.name))
    if len(shape) != 3 or len(sequence) != 3 or shape != (1, *sequence[1:]):
        raise Refused(
            f"adds {parameter.path}, a parameter of shape {shape} of the module's own, to its "
            "data; the block for it is a PositionalEmbedding: a (1, L, E) parameter added to "
            "a sequence (N, L, E)"
        )
    return BlockCall("PositionalEmbedding", {}, [data], Held(parameter.path, shape[1:]))


def class_token(
    tensors: list[Any], dim: Any, calls: dict[str, Call], batch: int
) -> BlockCall | None:
    """`torch.cat([self.class_token.expand(n, -1, -1), x], dim=1)` with a (1, 1, E) token and
    a sequence x (N, L, E); None for a concatenation of the model's data alone."""
    first = calls.get(tensors[0].name) if isinstance(tensors[0], Ref) else None
    if first is None or op_name(first) != "expand" or not held(first.args[0], calls):
        return None
    parameter = calls[first.args[0].name]
    sizes = [constant(a, calls) for a in first.args[1:]]
    if len(sizes) == 1 and isinstance(sizes[0], tuple | list):
        sizes = list(sizes[0])  # torch.export writes the sizes as one list
    shape = _shape(parameter)
    sequence = _shape(calls.get(tensors[1].name)) if len(tensors) == 2 else ()
    if (
        len(shape) != 3
        or shape[:2] != (1, 1)
        or len(sequence) != 3
        or sequence[2:] != shape[2:]
        or sizes != [batch, -1, -1]
        or dim not in (1, -2)
    ):
        raise Refused(
            f"puts {parameter.path}, a parameter of shape {shape} of the module's own, into "
            f"its data; {_TOKEN}"
        )
    return BlockCall("ClassToken", {}, [tensors[1]], Held(parameter.path, shape))


def refuse_expand(parameter: Call) -> NoReturn:
    """An expanded parameter that no ClassToken takes (reported only where the output needs it)."""
    raise Refused(f"expands {parameter.path}, a parameter of the module's own; {_TOKEN}")
