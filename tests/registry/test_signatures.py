"""The registry against torch's constructor signatures, and the reserved node ids.

Every parameter of every block, loss, optimizer, scheduler and initialisation is named
as a real argument of the torch constructor (or function); defaults equal torch's
unless a difference is deliberate and listed below; every argument torch requires is
always passed by the generated code.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest
import torch
from torch import nn

from codegen.names import GENERATED_NAMES, MODULE_ATTRIBUTES, id_problem
from codegen.params import Param
from codegen.registry import (
    BLOCKS,
    INIT_TYPES,
    LOSS_TYPES,
    OPTIMIZER_TYPES,
    SCHEDULER_TYPES,
)

EMPTY = inspect.Parameter.empty


def _entries() -> dict[str, tuple[Callable[..., Any], tuple[Param, ...]]]:
    """'<kind>:<type>' -> (the torch callable, the registry's params)."""
    found: dict[str, tuple[Callable[..., Any], tuple[Param, ...]]] = {}
    for block in BLOCKS.values():
        # expressions (Add, Mean, ...) and our own helper modules are checked in shapes
        if block.is_module and block.class_name == f"nn.{block.type}":
            constructed = tuple(p for p in block.params if not p.in_forward)
            found[f"block:{block.type}"] = (getattr(nn, block.type), constructed)
    for loss in LOSS_TYPES.values():
        found[f"loss:{loss.type}"] = (getattr(nn, loss.type), loss.params)
    for optimizer in OPTIMIZER_TYPES.values():
        found[f"optimizer:{optimizer.type}"] = (
            getattr(torch.optim, optimizer.type),
            optimizer.params,
        )
    for scheduler in SCHEDULER_TYPES.values():
        cls = getattr(torch.optim.lr_scheduler, scheduler.type)
        found[f"scheduler:{scheduler.type}"] = (cls, scheduler.params)
    for init in INIT_TYPES.values():
        if init.type != "default":  # keeps torch's own initialisation: nothing is called
            found[f"init:{init.type}"] = (getattr(nn.init, f"{init.type}_"), init.params)
    return found


ENTRIES = _entries()

# Registry defaults that differ from torch on purpose, with the reason.
DIFFERENT_DEFAULTS: dict[tuple[str, str], str] = {
    ("block:Softmax", "dim"): "torch's None guesses the dim (and warns); 1 is the class dim",
    ("block:LogSoftmax", "dim"): "torch's None guesses the dim (and warns); 1 is the class dim",
    ("block:TransformerEncoderLayer", "activation"): "torch's default is the function F.relu",
    ("block:TransformerDecoderLayer", "activation"): "torch's default is the function F.relu",
    ("optimizer:SGD", "lr"): "the classic 0.01 of SGD examples; lr is always passed (--lr)",
    ("init:kaiming_uniform", "nonlinearity"): "He init for the ReLU networks it is meant for",
    ("init:kaiming_normal", "nonlinearity"): "He init for the ReLU networks it is meant for",
    ("init:normal", "std"): "small weights, N(0, 0.01^2), as in the seed models",
}

# Arguments torch requires whose registry default None means "derived by the generator".
DERIVED: dict[tuple[str, str], str] = {
    ("scheduler:CosineAnnealingLR", "T_max"): "the number of epochs",
    ("scheduler:OneCycleLR", "max_lr"): "the optimizer's learning rate",
}

# Arguments the generated code passes itself rather than from the spec.
SUPPLIED = {"params", "optimizer", "tensor"}

INFERRED_NAMES = {"in_features", "in_channels", "num_features", "normalized_shape", "num_channels"}
INFERRED_NAMES |= {"num_embeddings", "input_size", "embed_dim", "kdim", "vdim", "d_model"}
INFERRED_NAMES |= {"num_positions", "embedding_dim"}  # PositionalEmbedding, our own module


def _recurrent_signature(block: str) -> dict[str, inspect.Parameter]:
    """nn.RNN, nn.LSTM and nn.GRU take *args: their arguments are RNNBase's (and RNN's
    nonlinearity, documented with default 'tanh')."""
    parameters = dict(inspect.signature(nn.RNNBase).parameters)
    del parameters["mode"]
    if block == "RNN":
        parameters["nonlinearity"] = inspect.Parameter(
            "nonlinearity", inspect.Parameter.KEYWORD_ONLY, default="tanh"
        )
    return parameters


def _signature(entry: str) -> dict[str, inspect.Parameter]:
    target, _ = ENTRIES[entry]
    if entry in ("block:RNN", "block:LSTM", "block:GRU"):
        return _recurrent_signature(entry.removeprefix("block:"))
    return dict(inspect.signature(target).parameters)


def test_every_registry_entry_is_checked() -> None:
    kinds = {name.split(":")[0] for name in ENTRIES}
    assert kinds == {"block", "loss", "optimizer", "scheduler", "init"}
    modules = [b for b in BLOCKS.values() if b.is_module and b.class_name.startswith("nn.")]
    assert modules
    assert len(ENTRIES) == len(modules) + len(LOSS_TYPES) + len(OPTIMIZER_TYPES) + len(
        SCHEDULER_TYPES
    ) + (len(INIT_TYPES) - 1)


@pytest.mark.parametrize("entry", sorted(ENTRIES))
def test_param_names_are_torch_arguments(entry: str) -> None:
    signature = _signature(entry)
    _, params = ENTRIES[entry]
    unknown = [p.name for p in params if p.name not in signature]
    assert not unknown, f"{entry}: not arguments of torch's constructor: {unknown}"
    assert len({p.name for p in params}) == len(params), f"{entry}: a parameter is declared twice"


@pytest.mark.parametrize("entry", sorted(ENTRIES))
def test_defaults_match_torch(entry: str) -> None:
    signature = _signature(entry)
    _, params = ENTRIES[entry]
    for param in params:
        torch_default = signature[param.name].default
        if param.required or param.inferred or (entry, param.name) in DERIVED:
            continue
        if (entry, param.name) in DIFFERENT_DEFAULTS:
            assert param.default != torch_default, f"{entry}.{param.name} now matches torch"
            continue
        if torch_default is EMPTY:
            # torch requires it: the generator must always pass it
            assert param.positional, f"{entry}.{param.name}: torch requires it, it may be left out"
            continue
        assert (
            param.default == torch_default
        ), f"{entry}.{param.name}: registry default {param.default!r}, torch {torch_default!r}"


@pytest.mark.parametrize("entry", sorted(ENTRIES))
def test_required_torch_arguments_are_always_given(entry: str) -> None:
    """An argument without a torch default is required, inferred, or always emitted."""
    _, params = ENTRIES[entry]
    declared = {p.name: p for p in params}
    for name, argument in _signature(entry).items():
        if argument.default is not EMPTY or name in SUPPLIED:
            continue
        if argument.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            continue
        assert name in declared, f"{entry}: torch requires '{name}', the registry lacks it"
        param = declared[name]
        always = param.required or param.inferred or param.positional
        assert always or (entry, name) in DERIVED, f"{entry}.{name} may be left out"


@pytest.mark.parametrize("entry", sorted(ENTRIES))
def test_required_params_have_no_torch_default(entry: str) -> None:
    """The registry does not make the user type what torch already defaults."""
    signature = _signature(entry)
    _, params = ENTRIES[entry]
    for param in params:
        if param.required:
            assert signature[param.name].default is EMPTY, f"{entry}.{param.name}"


def test_exceptions_name_real_parameters() -> None:
    for entry, name in [*DIFFERENT_DEFAULTS, *DERIVED]:
        assert any(p.name == name for p in ENTRIES[entry][1]), (entry, name)


@pytest.mark.parametrize("block", sorted(BLOCKS))
def test_inferred_params_are_the_designed_ones(block: str) -> None:
    inferred = {p.name for p in BLOCKS[block].params if p.inferred}
    assert inferred <= INFERRED_NAMES


def test_module_attributes_cover_torch_module() -> None:
    """A node id becomes an attribute of an nn.Module: it must not shadow torch's own."""
    public = {name for name in dir(nn.Module()) if not name.startswith("_")}
    missing = public - MODULE_ATTRIBUTES
    assert not missing, f"add to codegen.names.MODULE_ATTRIBUTES: {sorted(missing)}"
    for name in public | GENERATED_NAMES:
        assert id_problem(name) is not None, f"'{name}' is accepted as a node id"


def test_private_attributes_cannot_be_ids() -> None:
    private = [name for name in dir(nn.Module()) if name.startswith("_")]
    assert private
    assert all(id_problem(name) is not None for name in private)


# Values for what the registry leaves to the user or the generator, to build everything.
FILLED = {"milestones": (2, 4), "T_max": 10, "max_lr": 0.1, "total_steps": 10}


@pytest.mark.parametrize("entry", sorted(e for e in ENTRIES if not e.startswith("block:")))
def test_components_build_with_registry_defaults(entry: str) -> None:
    """The registry's defaults are values torch accepts."""
    target, params = ENTRIES[entry]
    kwargs: dict[str, Any] = {p.name: p.default for p in params if not p.required}
    kwargs.update({k: v for k, v in FILLED.items() if k in _signature(entry)})
    kind = entry.split(":")[0]
    weight = torch.zeros(3, 3, requires_grad=True)
    if kind == "loss":
        target(**kwargs)
    elif kind == "optimizer":
        target([weight], **kwargs).step()
    elif kind == "scheduler":
        optimizer = torch.optim.SGD([weight], lr=0.1)
        scheduler = target(optimizer, **kwargs)
        optimizer.step()
        if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            scheduler.step(1.0)  # the validation loss
        else:
            scheduler.step()
    else:
        with torch.no_grad():
            target(weight, **kwargs)


def test_every_block_has_a_known_category() -> None:
    from codegen.registry import CATEGORY_NAMES

    unknown = {b.type: b.category for b in BLOCKS.values() if b.category not in CATEGORY_NAMES}
    assert not unknown, "add the category to codegen/registry/categories.py"
