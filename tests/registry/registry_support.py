"""Helpers of the registry tests: one block through the registry, and through real torch.

`through_registry` does for one block what `codegen.analysis` does for each node
(resolve the parameters, run the pure-Python shape rule, fill the inferred parameters,
count parameters and buffers); `through_torch` builds the block as the generated model.py
does (torch's own class, or our helper module) and runs its emitted forward expression on a
batch (`self.lstm(x)[0]`, `a + b`, ...).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from codegen.analysis import NodeInfo
from codegen.components import check_params
from codegen.forward import node_code
from codegen.modules import constructor
from codegen.problems import ShapeError
from codegen.registry import Block, Shape, TensorType
from codegen.registry.base import Helper, Module

BATCH = 2


@dataclass(frozen=True)
class Accepted:
    """The registry accepts the block: its output, resolved params and counts."""

    output: TensorType
    params: dict[str, Any]
    count: int
    buffers: int

    @property
    def shape(self) -> Shape:
        return self.output.shape


@dataclass(frozen=True)
class Rejected:
    """The registry reports a problem; `param` names the parameter it points at, if any."""

    message: str
    param: str | None


@dataclass(frozen=True)
class Ran:
    """torch built the module and ran a batch in train and eval mode."""

    shape: Shape
    dtype: str
    count: int
    buffers: int


@dataclass(frozen=True)
class Failed:
    """torch refused the module or the input."""

    error: str


def floats(*shapes: Shape) -> list[TensorType]:
    return [TensorType(shape) for shape in shapes]


def through_registry(
    block: Block, given: dict[str, Any], inputs: list[TensorType]
) -> Accepted | Rejected:
    """The registry's verdict on `block` with the `given` params on `inputs`."""
    resolved, problems = check_params(block.params, given, ("nodes", 0), block.type)
    if problems:
        return Rejected(problems[0].message, problems[0].path.rsplit("/", 1)[-1])
    if any(x.dtype not in block.accepts for x in inputs):
        return Rejected(f"{block.type} does not take these dtypes", None)
    try:
        out = block.shape(resolved, inputs)
    except ShapeError as exc:
        return Rejected(exc.message, exc.param)
    output = out if isinstance(out, TensorType) else TensorType(tuple(out))
    if min(output.shape, default=1) < 1:  # analysis reports such an output as unusable
        return Rejected(f"unusable output shape {output.shape}", None)
    params = {**resolved, **block.infer(resolved, inputs)}
    return Accepted(output, params, block.count(params, inputs), block.buffers(params, inputs))


def one_node_spec(block: Block, given: dict[str, Any], x: TensorType) -> dict[str, Any]:
    """A model spec of just this block on an input of type `x`."""
    node = {"id": "layer", "type": block.type, "params": given}
    given_input: dict[str, Any] = {"shape": list(x.shape)}
    if x.dtype == "int64":
        given_input |= {"dtype": "int64", "vocab_size": x.vocab}
    return {"input": given_input, "nodes": [node]}


def torch_kwargs(block: Block, given: dict[str, Any], inputs: list[TensorType]) -> dict[str, Any]:
    """Parameters for building the block: the given values (also wrong ones), defaults, and
    inferred values where none was given."""
    resolved, _ = check_params(block.params, given, ("nodes", 0), block.type)
    missing = {p.name for p in block.params if p.inferred and resolved.get(p.name) is None}
    if missing:
        try:
            inferred = block.infer(resolved, inputs)
        except (IndexError, ShapeError):  # an input the block cannot take: torch will say
            return resolved
        resolved.update({k: v for k, v in inferred.items() if k in missing})
    return resolved


def namespace(*helpers: Helper) -> dict[str, Any]:
    """What model.py's names are bound to: torch's modules and our helpers' definitions."""
    names: dict[str, Any] = {"torch": torch, "nn": nn, "F": F, "math": math, "Tensor": Tensor}

    def define(helper: Helper) -> None:
        if helper.name not in names:
            for needed in helper.needs:
                define(needed)
            exec(helper.source, names)  # noqa: S102 - our own registry's source

    for helper in helpers:
        define(helper)
    return names


def torch_module(block: Block, params: dict[str, Any]) -> nn.Module:
    """The module torch itself builds from the parameters (torch's class, our fixed kwargs)."""
    emission = block.emission
    assert isinstance(emission, Module)
    constructed = {
        p.name: params[p.name] for p in block.params if not p.in_forward and p.name in params
    }
    fixed = {name: eval(value) for name, value in emission.fixed}  # noqa: S307 - literals
    if emission.helper is not None:
        cls = namespace(emission.helper)[emission.helper.name]
    else:
        cls = getattr(nn, block.type)
    return cls(**constructed, **fixed)


def emitted_module(block: Block, params: dict[str, Any]) -> nn.Module:
    """The module that codegen's own constructor emission builds (`nn.Conv2d(3, 6, ...)`)."""
    emission = block.emission
    assert isinstance(emission, Module)
    helpers = (emission.helper,) if emission.helper else ()
    return eval(constructor(block, params), namespace(*helpers))  # noqa: S307


def random_input(x: TensorType, generator: torch.Generator) -> Tensor:
    if x.dtype == "int64":
        assert x.vocab is not None
        return torch.randint(0, x.vocab, (BATCH, *x.shape), generator=generator)
    return torch.randn(BATCH, *x.shape, generator=generator)


def counts(module: Any) -> tuple[int, int]:
    """(parameters, floating-point buffers) of a module; (0, 0) for an expression."""
    if not isinstance(module, nn.Module):
        return 0, 0
    params = sum(p.numel() for p in module.parameters())
    buffers = sum(b.numel() for b in module.buffers() if b.is_floating_point())
    return params, buffers


def through_torch(block: Block, params: dict[str, Any], inputs: list[TensorType]) -> Ran | Failed:
    """Build the block and run its emitted forward expression on a random batch of `inputs`,
    in train and eval mode."""
    generator = torch.Generator().manual_seed(0)
    tensors = [random_input(x, generator) for x in inputs]
    args = [f"arg{k}" for k in range(len(inputs))]
    out_types = set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            module = torch_module(block, params) if block.is_module else None
            code = node_code(NodeInfo(id="layer", type=block.type, index=0, params=params), args)
            names = namespace(*code.helpers)
            names |= dict(zip(args, tensors, strict=True))
            names["self"] = type("Owner", (), {"layer": module})()
            for training in (True, False):
                if module is not None:
                    module.train(training)
                with torch.no_grad():
                    out = eval(code.text, names)  # noqa: S307 - the emitted expression
                out_types.add((tuple(out.shape), str(out.dtype).removeprefix("torch.")))
        except (RuntimeError, ValueError, TypeError, IndexError, AssertionError) as exc:
            return Failed(f"{type(exc).__name__}: {exc}")
    (out_type,) = out_types
    shape, dtype = out_type
    if shape[0] != BATCH or min(shape, default=1) < 1:
        return Failed(f"output of shape {shape}")
    return Ran(shape[1:], dtype, *counts(module))
