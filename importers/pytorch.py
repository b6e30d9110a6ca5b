"""`torchcanvas import`: a PyTorch module on the user's machine into a spec (and its weights).

`load_target` finds the model (`package.module:factory` or `path/file.py:Class`), `import_model`
traces it (importers.trace), maps its calls onto blocks (importers.mapping) and its module
hierarchy onto definitions (importers.structure), then checks the spec as the server would:
it must be valid and have exactly the original's parameter count. `map_weights` renames the
original's state_dict onto the generated model's attribute names.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from codegen.analysis import Analysis, analyze

from .mapping import Unsupported, map_trace
from .structure import build_structure
from .trace import TraceError, trace

EXAMPLE_BATCH = 2


class ImportFailure(Exception):
    """The model cannot be imported: a one-line reason, and what could not be mapped."""

    def __init__(self, reason: str, unsupported: list[Unsupported] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.unsupported = unsupported or []


@dataclass
class Imported:
    """A model imported into a spec, with where its weights go."""

    spec: dict[str, Any]
    analysis: Analysis
    weight_paths: dict[str, str]
    original_params: int
    tracer: str
    notes: list[str] = field(default_factory=list)
    weight_layouts: dict[str, tuple[int, ...]] = field(default_factory=dict)


def load_target(target: str) -> nn.Module:
    """The model a TARGET names: a factory or class, called without arguments."""
    location, _, attribute = target.rpartition(":")
    if not location or not attribute:
        raise ImportFailure(
            f"{target}: give TARGET as package.module:factory or path/file.py:Class"
        )
    if location.endswith(".py"):
        path = Path(location)
        if not path.is_file():
            raise ImportFailure(f"{location}: no such file")
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules.setdefault(path.stem, module)
        sys.path.insert(0, str(path.parent.resolve()))
        try:
            spec.loader.exec_module(module)
        finally:
            sys.path.pop(0)
    else:
        try:
            module = importlib.import_module(location)
        except ImportError as error:
            raise ImportFailure(f"{location}: cannot import it ({error})") from None
    factory = getattr(module, attribute, None)
    if factory is None:
        raise ImportFailure(f"{location} has no {attribute}")
    model = factory() if callable(factory) and not isinstance(factory, nn.Module) else factory
    if not isinstance(model, nn.Module):
        raise ImportFailure(f"{target} gave a {type(model).__name__}, not an nn.Module")
    return model


def example_input(
    model: nn.Module, shape: list[int], dtype: str, vocab_size: int | None
) -> tuple[torch.Tensor, int | None]:
    """A batch for tracing, and the vocabulary of token ids (the first Embedding's size)."""
    if dtype == "int64":
        if vocab_size is None:
            embedding = next((m for m in model.modules() if isinstance(m, nn.Embedding)), None)
            if embedding is None:
                raise ImportFailure("--input-dtype int64 needs --vocab-size (no nn.Embedding)")
            vocab_size = embedding.num_embeddings
        generator = torch.Generator().manual_seed(0)
        return (
            torch.randint(0, vocab_size, (EXAMPLE_BATCH, *shape), generator=generator),
            vocab_size,
        )
    return torch.randn(EXAMPLE_BATCH, *shape, generator=torch.Generator().manual_seed(0)), None


def import_model(
    model: nn.Module,
    shape: list[int],
    *,
    name: str,
    dtype: str = "float32",
    vocab_size: int | None = None,
    description: str = "",
) -> Imported:
    """The spec of `model` for inputs of one sample's `shape`."""
    example, vocab = example_input(model, shape, dtype, vocab_size)
    model.train()  # functional dropout traces as dropout
    try:
        found = trace(model, example)
    except TraceError as error:
        raise ImportFailure(str(error)) from None
    mapped = map_trace(found, EXAMPLE_BATCH)
    if mapped.unsupported:
        raise ImportFailure(
            f"{len(mapped.unsupported)} operation(s) cannot be mapped onto blocks",
            mapped.unsupported,
        )
    structure = build_structure(mapped, model)
    source: dict[str, Any] = {"shape": list(shape)}
    if dtype == "int64":
        source.update({"dtype": "int64", "vocab_size": vocab})
    spec: dict[str, Any] = {
        "format": "torchcanvas.model",
        "version": 1,
        "name": name,
        "description": description or f"{type(model).__name__}, imported by torchcanvas import",
        "input": source,
    }
    if structure.modules:
        spec["modules"] = structure.modules
    spec.update({"nodes": structure.nodes, "edges": structure.edges, "output": structure.output})
    analysis = analyze(spec)
    if not analysis.valid:
        problems = [f"{p.path}: {p.message}" for p in analysis.problems[:10]]
        raise ImportFailure(
            "the imported spec does not check: "
            + "; ".join(problems)
            + " (please report this model: the import should have caught it)"
        )
    original = sum(p.numel() for p in model.parameters())
    notes = list(found.notes)
    if analysis.total_params != original:
        used = set(structure.weight_paths)
        idle = [
            n
            for n, m in model.named_modules()
            if n
            and not list(m.children())
            and n not in used
            and any(True for _ in m.parameters(recurse=False))
        ]
        notes.append(
            f"the original has {original:,} parameters, the import {analysis.total_params:,}"
            + (f"; never called: {', '.join(idle[:8])}" if idle else "")
        )
    return Imported(
        spec,
        analysis,
        structure.weight_paths,
        original,
        found.tracer,
        notes,
        structure.weight_layouts,
    )


def map_weights(model: nn.Module, imported: Imported) -> dict[str, torch.Tensor]:
    """The original's state_dict under the generated model's names (and, for a parameter a
    block holds, in the block's layout)."""
    paths = imported.weight_paths
    by_length = sorted(paths, key=len, reverse=True)
    mapped: dict[str, torch.Tensor] = {}
    for key, tensor in model.state_dict().items():
        if key in imported.weight_layouts:
            mapped[paths[key]] = tensor.detach().reshape(imported.weight_layouts[key])
            continue
        owner = next((p for p in by_length if key.startswith(p + ".")), None)
        if owner is None:
            raise ImportFailure(f"the weight {key} has no place in the imported model")
        mapped[paths[owner] + key[len(owner) :]] = tensor.detach()
    return mapped


def target_name(target: str) -> str:
    """A model name from a TARGET: `torchvision.models:resnet18` -> `resnet18`."""
    return target.rpartition(":")[2] or "Imported model"
