"""Building the generated model of an import and checking it against the original."""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from pathlib import Path

import torch
from torch import nn

from codegen.render import render_project

from .pytorch import Imported, example_input, map_weights


def build_generated(imported: Imported) -> nn.Module:
    """`build_model()` of the generated model.py, imported from a temporary folder."""
    files = render_project(imported.analysis)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.py"
        path.write_text(files["model.py"], encoding="utf-8")
        name = f"_torchcanvas_imported_{id(imported)}"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
            return module.build_model()
        finally:
            sys.modules.pop(name, None)


def largest_difference(original: nn.Module, imported: Imported) -> float:
    """The generated model with the original's weights, against the original on a sample
    batch in eval mode: the largest difference of their outputs, relative to the original's
    output where it exceeds 1 in size (float32 rounding grows with the values)."""
    generated = build_generated(imported)
    generated.load_state_dict(map_weights(original, imported), strict=True)
    source = imported.spec["input"]
    batch, _ = example_input(
        original, source["shape"], source.get("dtype", "float32"), source.get("vocab_size")
    )
    original.eval()
    generated.eval()
    with torch.no_grad():
        expected, got = original(batch), generated(batch)
    if expected.shape != got.shape:
        return float("inf")
    return float(((expected - got).abs() / expected.abs().clamp(min=1)).max())
