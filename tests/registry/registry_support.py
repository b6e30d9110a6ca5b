"""Helpers of the registry tests: one block through the registry, and through real torch.

`through_registry` does for one block what `codegen.analysis` does for each node
(resolve the parameters, run the pure-Python shape rule, fill the inferred parameters,
count parameters and buffers); `through_torch` builds the real module and runs a batch.
"""

from __future__ import annotations

import functools
import operator
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from codegen.components import check_params
from codegen.modules import constructor
from codegen.problems import ShapeError
from codegen.registry import Block, Shape

BATCH = 2


@dataclass(frozen=True)
class Accepted:
    """The registry accepts the block: its output shape, resolved params and counts."""

    shape: Shape
    params: dict[str, Any]
    count: int
    buffers: int


@dataclass(frozen=True)
class Rejected:
    """The registry reports a problem; `param` names the parameter it points at, if any."""

    message: str
    param: str | None


@dataclass(frozen=True)
class Ran:
    """torch built the module and ran a batch in train and eval mode."""

    shape: Shape
    count: int
    buffers: int


@dataclass(frozen=True)
class Failed:
    """torch refused the module or the input."""

    error: str


def through_registry(
    block: Block, given: dict[str, Any], shapes: list[Shape]
) -> Accepted | Rejected:
    """The registry's verdict on `block` with the `given` params on inputs of `shapes`."""
    resolved, problems = check_params(block.params, given, ("nodes", 0), block.type)
    if problems:
        return Rejected(problems[0].message, problems[0].path.rsplit("/", 1)[-1])
    try:
        shape = tuple(block.shape(resolved, shapes))
    except ShapeError as exc:
        return Rejected(exc.message, exc.param)
    if min(shape, default=1) < 1:  # analysis reports such an output as unusable
        return Rejected(f"unusable output shape {shape}", None)
    params = {**resolved, **block.infer(resolved, shapes)}
    return Accepted(shape, params, block.count(params, shapes), block.buffers(params, shapes))


def one_node_spec(block: Block, given: dict[str, Any], shape: Shape) -> dict[str, Any]:
    """A model spec of just this block on an input of `shape`."""
    node = {"id": "layer", "type": block.type, "params": given}
    return {"input": {"shape": list(shape)}, "nodes": [node]}


def torch_kwargs(block: Block, given: dict[str, Any], shapes: list[Shape]) -> dict[str, Any]:
    """Constructor arguments for torch: the given values (also wrong ones), defaults, and
    inferred values where none was given."""
    resolved, _ = check_params(block.params, given, ("nodes", 0), block.type)
    missing = {p.name for p in block.params if p.inferred and resolved.get(p.name) is None}
    if missing:
        inferred = block.infer(resolved, shapes)
        resolved.update({k: v for k, v in inferred.items() if k in missing})
    return resolved


def torch_layer(block: Block, kwargs: dict[str, Any]) -> Callable[..., Tensor]:
    """The torch callable of a block: its nn module, or the expression of a merge."""
    if block.emission == "add":
        return lambda *xs: functools.reduce(operator.add, xs)
    if block.emission == "concat":
        return lambda *xs: torch.cat(xs, dim=kwargs["dim"])
    return getattr(nn, block.type)(**kwargs)


def emitted_module(block: Block, params: dict[str, Any]) -> nn.Module:
    """The module that codegen's own constructor emission builds (`nn.Conv2d(3, 6, ...)`)."""
    return eval(constructor(block, params), {"nn": nn})


def counts(module: Any) -> tuple[int, int]:
    """(parameters, floating-point buffers) of a module; (0, 0) for a plain function."""
    if not isinstance(module, nn.Module):
        return 0, 0
    params = sum(p.numel() for p in module.parameters())
    buffers = sum(b.numel() for b in module.buffers() if b.is_floating_point())
    return params, buffers


def through_torch(block: Block, kwargs: dict[str, Any], shapes: list[Shape]) -> Ran | Failed:
    """Build the torch layer and run a random batch of `shapes` in train and eval mode."""
    generator = torch.Generator().manual_seed(0)
    inputs = [torch.randn(BATCH, *shape, generator=generator) for shape in shapes]
    out_shapes = set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            layer = torch_layer(block, kwargs)
            for training in (True, False):
                if isinstance(layer, nn.Module):
                    layer.train(training)
                with torch.no_grad():
                    out_shapes.add(tuple(layer(*inputs).shape))
        except (RuntimeError, ValueError, TypeError, IndexError, AssertionError) as exc:
            return Failed(f"{type(exc).__name__}: {exc}")
    (out,) = out_shapes
    if out[0] != BATCH or min(out, default=1) < 1:
        return Failed(f"output of shape {out}")
    return Ran(out[1:], *counts(layer))
