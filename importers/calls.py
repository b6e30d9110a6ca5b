"""Mapping one traced call onto a registry block (importers.mapping keeps the ones needed).

A module call is the block of its class, its parameters read from the module's attributes
(named as the registry names them, or where the entry's `attributes` say). A function or
tensor method is the block of the same name (`F.relu` and `torch.relu` are `ReLU`,
`torch.flatten` is `Flatten`, `x.mean` is `Mean`, `operator.add` is `Add`), its arguments
taken in the order of the block's parameters; only blocks without weights of their own
qualify.
"""

from __future__ import annotations

import inspect
from typing import Any

import torch
from torch import nn

from codegen.params import REQUIRED
from codegen.registry import BLOCKS, Block
from codegen.registry.base import Module, no_params

from .trace import Call, Ref, TensorValue

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


class Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _is_tensor(value: Any) -> bool:
    return isinstance(value, TensorValue)


def _value(arg: Any, calls: dict[str, Call]) -> Any:
    """A constant argument: a size recorded during the example run, or the literal."""
    if isinstance(arg, Ref):
        value = calls[arg.name].value if arg.name in calls else None
        if _is_tensor(value) or arg.name == "input":
            raise Refused("a tensor is used where a constant is expected")
        return value
    if isinstance(arg, tuple | list):
        return type(arg)(_value(a, calls) for a in arg)
    return arg


Mapping = Ref | tuple[str, dict[str, Any], list[Ref]]


def map_call(call: Call, calls: dict[str, Call], batch: int) -> Mapping:
    if call.kind == "module":
        return _map_module(call, calls)
    if call.kind == "attribute":
        raise Refused(
            "forward uses a parameter or buffer of its own module directly; only layers "
            "(registry blocks) may hold weights"
        )
    name = call.target if call.kind == "method" else getattr(call.target, "__name__", "")
    if isinstance(call.target, torch._ops.OpOverload):  # torch.export: aten.mean.dim is mean
        name = call.target._opname
    name = str(name).removeprefix("__").removesuffix("__").removesuffix("_")
    args = list(call.args)
    if name == "getitem":
        return _map_getitem(call, calls)
    if name == "select" and [_value(a, calls) for a in args[1:]] == [1, -1]:
        return "LastStep", {}, [args[0]]
    if name in _PASS_THROUGH:
        return args[0]
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
        dim = call.kwargs.get("dim", rest[0] if rest else 0)
        return block_type, _with_defaults(block, {"dim": _value(dim, calls)}), list(tensors)
    if block_type == "Reshape":
        return _reshape(call, args, calls, batch)
    if block_type == "Permute":
        dims = args[1:] if len(args) > 2 or not isinstance(args[1], tuple | list) else args[1]
        dims = call.kwargs.get("dims", dims)
        return block_type, {"dims": list(_value(dims, calls))}, [args[0]]
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
    return block_type, _with_defaults(block, params), [tensor]


def _merge(block_type: str, args: list[Any], call: Call, calls: dict[str, Call]) -> Mapping:
    if call.kwargs.get("alpha", 1) != 1:
        raise Refused("torch.add with alpha is not a block")
    if len(args) != 2 or not all(isinstance(a, Ref) and is_tensor_ref(a, calls) for a in args):
        raise Refused("only tensors of the model's data combine (no constant operands)")
    return block_type, {}, args


def is_tensor_ref(ref: Ref, calls: dict[str, Call]) -> bool:
    if ref.name == "input":
        return True
    value = calls[ref.name].value if ref.name in calls else None
    return _is_tensor(value) or (isinstance(value, tuple) and calls[ref.name].kind == "module")


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
        value = _value(arg, calls)
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
    values = [_value(s, calls) for s in sizes]
    if not values or values[0] not in (batch, -1) or (values[0] == -1 and -1 in values[1:]):
        raise Refused("reshapes across the batch; the first size must be the batch (x.size(0))")
    shape = values[1:]
    if shape == [-1]:
        return "Flatten", _with_defaults(BLOCKS["Flatten"], {}), [args[0]]
    return "Reshape", {"shape": shape}, [args[0]]


def _map_getitem(call: Call, calls: dict[str, Call]) -> Mapping:
    source, index = call.args
    if not isinstance(source, Ref) or source.name == "input":
        if isinstance(source, Ref) and _is_last_step(index):
            return "LastStep", {}, [source]
        raise Refused("indexing this is not a block")
    origin = calls[source.name]
    if isinstance(origin.value, tuple) and origin.kind == "module":
        if index == 0:
            return source  # the registry's recurrent and attention blocks give output [0]
        raise Refused(
            f"uses output {index} of {type(origin.target).__name__} (its state or its "
            "attention weights); the block gives its output sequence, e.g. take out[:, -1]"
        )
    if _is_tensor(origin.value) and _is_last_step(index):
        return "LastStep", {}, [source]
    raise Refused("indexing a tensor is not a block, except the last step out[:, -1]")


def _is_last_step(index: Any) -> bool:
    full = slice(None, None, None)
    return (
        isinstance(index, tuple) and index[:2] == (full, -1) and all(i == full for i in index[2:])
    )


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
    return block.type, params, tensors
