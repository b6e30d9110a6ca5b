"""Mapping one traced call onto a registry block (importers.mapping keeps the ones needed).

A module call is the block of its class, its parameters read from the module's attributes
(named as the registry names them, or where the entry's `attributes` say). A function or
tensor method is the block of the same name (`F.relu` and `torch.relu` are `ReLU`,
`torch.flatten` is `Flatten`, `x.mean` is `Mean`, `operator.add` is `Add`), its arguments
taken in the order of the block's parameters; only blocks without weights of their own
qualify. Two uses of a module's own parameter are blocks that take it over as their weight:
a (1, L, E) parameter added to a sequence is a `PositionalEmbedding`, and a (1, 1, E) one
expanded over the batch and put first with `torch.cat` is a `ClassToken` (ViT's).
"""

from __future__ import annotations

import inspect
import math
from typing import Any

import torch
from torch import nn

from codegen.params import REQUIRED
from codegen.registry import BLOCKS, Block
from codegen.registry.base import Module, no_params

from .call_values import BlockCall, Mapping, Refused, constant, is_tensor, is_tensor_ref, op_name
from .held_weights import class_token, held, positional_embedding, refuse_expand
from .trace import Call, Ref

_SYNONYMS = {
    "mul": "Multiply",
    "cat": "Concat",
    "concat": "Concat",
    "concatenate": "Concat",
    "view": "Reshape",
    "iadd": "Add",
    "imul": "Multiply",
}
# Calls that return their input (for the model's data), and arguments that change nothing.
_PASS_THROUGH = frozenset({"contiguous", "clone"})
_IGNORED_ARGUMENTS = frozenset({"inplace", "training", "return_indices", "need_weights"})
# Module-call arguments that may be given at the value torch would use anyway.
_NEUTRAL = (None, False)


def _normal(name: str) -> str:
    return name.lower().replace("_", "")


_BY_NAME: dict[str, str] = {_normal(t): t for t in BLOCKS}


def map_call(call: Call, calls: dict[str, Call], batch: int) -> Mapping:
    if call.kind == "module":
        return _map_module(call, calls)
    if call.kind == "attribute":
        raise Refused(
            "forward uses a parameter or buffer of its own module directly; only layers "
            "(registry blocks) may hold weights, besides a position embedding added to a "
            "sequence and a class token put before it"
        )
    name = op_name(call)
    args = list(call.args)
    if name == "getitem":
        return _map_getitem(call, calls)
    if name == "select":
        return _select(args[0], *(constant(a, calls) for a in args[1:]))
    if name in _PASS_THROUGH:
        return args[0]
    if name == "expand" and held(args[0], calls):
        refuse_expand(calls[args[0].name])
    block_type = _SYNONYMS.get(name) or _BY_NAME.get(_normal(name))
    block = BLOCKS.get(block_type or "")
    if block is None or block.count is not no_params:
        raise Refused("no block does this (see the catalog for the blocks there are)")
    if block_type in ("Add", "Multiply"):
        return _merge(block_type, args, call, calls)
    if block_type == "Concat":
        tensors, rest = args[0], args[1:]
        if len(tensors) == 1:
            return tensors[0]  # torch.cat of one tensor is that tensor
        dim = constant(call.kwargs.get("dim", rest[0] if rest else 0), calls)
        token = class_token(list(tensors), dim, calls, batch)
        if token is not None:
            return token
        return BlockCall(block_type, _with_defaults(block, {"dim": dim}), list(tensors))
    if block_type == "Reshape":
        return _reshape(call, args, calls, batch)
    if block_type == "Permute":
        dims = args[1:] if len(args) > 2 or not isinstance(args[1], tuple | list) else args[1]
        dims = call.kwargs.get("dims", dims)
        return BlockCall(block_type, {"dims": list(constant(dims, calls))}, [args[0]])
    tensor, params = args[0], _bind(block, call, args[1:], calls)
    if block_type == "Dropout" and params.pop("training", True) is False:
        return tensor
    dim = params.get("dim")
    if isinstance(dim, list) and len(dim) == 1:  # x.mean([1]) as torch.export writes it
        params["dim"] = dim[0]
    elif isinstance(dim, list):
        raise Refused(
            f"over the dimensions {dim} at once; the block takes one (for the mean over the "
            "positions of an image, AdaptiveAvgPool2d(1) and Flatten)"
        )
    params.pop("training", None)
    return BlockCall(block_type, _with_defaults(block, params), [tensor])


def _merge(block_type: str, args: list[Any], call: Call, calls: dict[str, Call]) -> Mapping:
    if call.kwargs.get("alpha", 1) != 1:
        raise Refused("torch.add with alpha is not a block")
    if len(args) != 2 or not all(isinstance(a, Ref) and is_tensor_ref(a, calls) for a in args):
        raise Refused("only tensors of the model's data combine (no constant operands)")
    weights = [a for a in args if held(a, calls)]
    if block_type == "Add" and len(weights) == 1:
        data = next(a for a in args if a != weights[0])
        return positional_embedding(weights[0], data, calls)
    return BlockCall(block_type, {}, args)


def _bind(block: Block, call: Call, args: list[Any], calls: dict[str, Call]) -> dict[str, Any]:
    """The call's arguments by the block's parameter names (its signature where it has one,
    else the block's parameters in order)."""
    target = call.target
    names: list[str]
    signature = inspect.signature(target) if inspect.isfunction(target) else None
    if signature is not None:
        names = [p for p in signature.parameters][1:]
    else:
        names = [p.name for p in block.params if not p.inferred]
    if len(args) > len(names):
        raise Refused(f"takes {len(args)} arguments, more than {block.type}'s parameters")
    given = dict(zip(names, args, strict=False)) | dict(call.kwargs)
    params: dict[str, Any] = {}
    for key, arg in given.items():
        value = constant(arg, calls)
        if key in _IGNORED_ARGUMENTS:
            if key == "training":
                params[key] = value
            continue
        if block.param(key) is None:
            if value is None:
                continue
            raise Refused(f"its argument {key}={value!r} has no counterpart in {block.type}")
        params[key] = _plain(value)
    return params


def _with_defaults(block: Block, params: dict[str, Any]) -> dict[str, Any]:
    """Every parameter of the block that is not inferred: given, else the default."""
    full: dict[str, Any] = {}
    for param in block.params:
        if param.inferred:
            continue
        if param.name in params:
            full[param.name] = params[param.name]
        elif param.default is REQUIRED:
            raise Refused(f"{block.type} needs {param.name}")
        else:
            full[param.name] = param.default
    return full


def _plain(value: Any) -> Any:
    """A value as the spec writes it: a tuple of equal sizes as one size, tuples as lists."""
    if isinstance(value, torch.Size):
        value = tuple(value)
    if isinstance(value, tuple | list):
        items = [_plain(v) for v in value]
        if items and all(v == items[0] for v in items) and all(type(v) is int for v in items):
            return items[0]
        return items
    return value


def _reshape(call: Call, args: list[Any], calls: dict[str, Call], batch: int) -> Mapping:
    sizes = args[1:]
    if len(sizes) == 1 and isinstance(sizes[0], tuple | list):
        sizes = list(sizes[0])
    values = [constant(s, calls) for s in sizes]
    if not values or values[0] not in (batch, -1) or (values[0] == -1 and -1 in values[1:]):
        raise Refused("reshapes across the batch; the first size must be the batch (x.size(0))")
    shape = values[1:]
    source = calls.get(args[0].name) if isinstance(args[0], Ref) else None
    merged = (
        _merged_dims(source.value.shape[1:], shape) if source and is_tensor(source.value) else None
    )
    if shape == [-1] or merged:
        start, end = merged or (1, -1)
        flatten = _with_defaults(BLOCKS["Flatten"], {"start_dim": start, "end_dim": end})
        return BlockCall("Flatten", flatten, [args[0]])
    return BlockCall("Reshape", {"shape": shape}, [args[0]])


def _merged_dims(before: tuple[int, ...], after: list[int]) -> tuple[int, int] | None:
    """(start_dim, end_dim) of a reshape that merges consecutive dimensions of a sample into
    one, as Flatten does (counting the batch; end_dim -1 for the last): ViT's
    `x.reshape(n, hidden_dim, n_h * n_w)` of (N, E, H, W) is Flatten(start_dim=2)."""
    after = list(after)
    if after.count(-1) == 1:
        rest = math.prod(d for d in after if d != -1)
        after[after.index(-1)] = math.prod(before) // rest if rest else -1
    merged = len(before) - len(after) + 1
    for start in range(len(after)):
        end = start + merged
        if merged > 1 and [*before[:start], math.prod(before[start:end]), *before[end:]] == after:
            return start + 1, -1 if end == len(before) else end
    return None


def _map_getitem(call: Call, calls: dict[str, Call]) -> Mapping:
    source, index = call.args
    origin = calls.get(source.name) if isinstance(source, Ref) else None
    if origin is not None and isinstance(origin.value, tuple) and origin.kind == "module":
        if index == 0:
            return source  # the registry's recurrent and attention blocks give output [0]
        raise Refused(
            f"uses output {index} of {type(origin.target).__name__} (its state or its "
            "attention weights); the block gives its output sequence, e.g. take out[:, -1]"
        )
    selected = _selection(index)
    if isinstance(source, Ref) and is_tensor_ref(source, calls) and selected is not None:
        return _select(source, *selected)
    raise Refused(
        "indexing a tensor is not a block, except one position of a dimension besides the "
        "batch (the last step out[:, -1], the class token x[:, 0])"
    )


def _selection(index: Any) -> tuple[int, int] | None:
    """(dim, index) of an index that keeps one position of one dimension: `[:, 0]` is (1, 0),
    `[..., -1]` is (-1, -1); None for anything else (slices of a part, several positions)."""
    items = index if isinstance(index, tuple) else (index,)
    full = slice(None, None, None)
    ends = Ellipsis in items[:1]
    rest = items[1:] if ends else items
    positions = [k for k, i in enumerate(rest) if type(i) is int]
    if len(positions) != 1 or any(i != full for i in rest if type(i) is not int):
        return None
    (k,) = positions
    return (k - len(rest) if ends else k), rest[k]


def _select(source: Ref, dim: int, index: int) -> BlockCall:
    if dim == 0:
        raise Refused("selects one sample of the batch; a block keeps every sample")
    if (dim, index) == (1, -1):
        return BlockCall("LastStep", {}, [source])
    return BlockCall("Select", {"dim": dim, "index": index}, [source])


# ---------------------------------------------------------------- modules


def module_param(module: nn.Module, block: Block, name: str) -> Any:
    """A block parameter's value as the torch module keeps it."""
    where = dict(block.attributes).get(name, name)
    if not where:
        return block.param(name).default if block.param(name) else None
    value = _attribute(module, where, f"the {name} of {block.type}")
    param = block.param(name)
    if param is not None and param.kind == "bool" and not isinstance(value, bool):
        return value is not None  # a bias or bias_k tensor, or None
    if callable(value) and not isinstance(value, nn.Module | torch.Tensor):
        return getattr(value, "__name__", str(value))  # e.g. the activation F.gelu
    if isinstance(value, nn.Module):
        return type(value).__name__.lower()
    return _plain(value)


_MISSING = object()


def _attribute(module: nn.Module, where: str, what: str) -> Any:
    value: Any = module
    for part in where.split("."):
        value = getattr(value, part, _MISSING)
        if value is _MISSING:
            raise Refused(f"has no attribute {where} ({what})")
    return value


def _map_module(call: Call, calls: dict[str, Call]) -> Mapping:
    module = call.target
    block = BLOCKS[type(module).__name__]
    emission = block.emission
    assert isinstance(emission, Module)
    for attribute, code in emission.fixed:
        where = dict(block.attributes).get(attribute, attribute)
        value = _attribute(module, where, "how the block is built")
        if repr(value) != code:
            raise Refused(f"{attribute}={value!r}; TorchCanvas's block uses {attribute}={code}")
    if getattr(module, "proj_size", 0):
        raise Refused("LSTM with proj_size is not a block")
    params = {p.name: module_param(module, block, p.name) for p in block.params if not p.inferred}
    tensors = [a for a in call.args if isinstance(a, Ref)]
    others = [a for a in call.args if not isinstance(a, Ref)]
    extra = {k: v for k, v in call.kwargs.items() if k not in _IGNORED_ARGUMENTS}
    if any(v not in _NEUTRAL for v in [*others, *extra.values()]) or any(
        isinstance(v, Ref) for v in extra.values()
    ):
        raise Refused(
            "is called with arguments besides its input (masks, states); the block takes "
            "its input only"
        )
    if block.type == "MultiheadAttention" and len(set(tensors)) == 1:
        tensors = tensors[:1]  # self-attention
    elif block.type == "MultiheadAttention" and len(tensors) == 3 and tensors[1] == tensors[2]:
        tensors = tensors[:2]
    if not block.inputs.min <= len(tensors) <= (block.inputs.max or len(tensors)):
        raise Refused(f"is called with {len(tensors)} tensors")
    return BlockCall(block.type, params, tensors)
