"""Property tests of the code generator (docs/architecture.md, "Quality bar"): random
*valid* specs (sequential stacks and DAGs with merges, over flat, sequence, (C, L),
(C, H, W) and (C, D, H, W) inputs, float features or token ids; with definitions, nested
and repeated) must analyse cleanly, generate a project, and the generated model.py must
build in torch with exactly the shapes, parameter and buffer counts the inference reported
(checked per node, and per node inside each instance, with forward hooks); with
definitions, model.py also passes ruff's E, F, W, I, B and UP rules.
"""

from __future__ import annotations

import ast
import copy
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from codegen_support import build_generated_model
from hypothesis import HealthCheck, given, settings
from spec_builder import valid_specs

from codegen.analysis import analyze
from codegen.registry import BLOCKS
from codegen.render import generate

torch = pytest.importorskip("torch")


def sample_batch(given: dict[str, Any]) -> Any:
    """A batch of 2 random inputs: floats, or token ids below the vocabulary size."""
    if given.get("dtype") == "int64":
        return torch.randint(0, given["vocab_size"], (2, *given["shape"]))
    return torch.randn(2, *given["shape"])


def _shape(output: Any) -> tuple[int, ...]:
    """The shape of a module's output; of its first part for (output, state) tuples (LSTM,
    attention), which the generated forward unpacks."""
    return tuple((output[0] if isinstance(output, tuple) else output).shape)


def _watch(
    module: Any, nodes: dict[str, Any], prefix: str, seen: dict[str, tuple[int, ...]]
) -> dict[str, tuple[Any, Any]]:
    """Forward hooks on every layer of `module` that stands for one of `nodes` (the layers
    inside instances too, under `<instance>.<k>.<node>`); returns name -> (module, info)."""
    watched = {}
    for node_id, info in nodes.items():
        layer = getattr(module, node_id, None)
        if info.run is None and not BLOCKS[info.type].is_module:
            assert layer is None or not isinstance(layer, torch.nn.Module), node_id
            continue  # merges and other expressions
        assert isinstance(layer, torch.nn.Module), f"{prefix}{node_id} is not a layer"
        name = prefix + node_id
        watched[name] = (layer, info)
        layer.register_forward_hook(
            lambda _m, _i, out, name=name: seen.__setitem__(name, _shape(out))
        )
        if info.run is not None:
            copies = list(layer) if info.repeat > 1 else [layer]
            assert len(copies) == info.repeat
            for k, copy_ in enumerate(copies):
                watched |= _watch(copy_, info.run.nodes, f"{name}.{k}.", seen)
    return watched


def _builds_as_inferred(spec: dict[str, Any], lint: bool = False) -> None:
    """`lint`: model.py must also pass ruff with the house's rules for generated code."""
    analysis = analyze(copy.deepcopy(spec))
    assert analysis.valid, analysis.problems
    assert sorted(analysis.order) == sorted(n["id"] for n in spec["nodes"])
    files = generate(copy.deepcopy(spec))
    for name, text in files.items():
        if name.endswith(".py"):
            ast.parse(text, filename=name)

    with tempfile.TemporaryDirectory() as tmp:
        model = build_generated_model(files, Path(tmp))
        if lint:
            args = ["check", "--isolated", "--no-cache", "--select", "E,F,W,I,B,UP", "model.py"]
            ruff = subprocess.run(
                [sys.executable, "-m", "ruff", *args], cwd=tmp, capture_output=True, text=True
            )
            assert ruff.returncode == 0, ruff.stdout + files["model.py"]
    model.eval()
    seen: dict[str, tuple[int, ...]] = {}
    watched = _watch(model, analysis.nodes, "", seen)

    torch.manual_seed(0)
    with torch.no_grad():
        out = model(sample_batch(spec["input"]))
    assert tuple(out.shape) == (2, *analysis.output_shape)
    assert set(seen) == set(watched)
    for name, (layer, info) in watched.items():
        assert seen[name] == (2, *info.output_shape), name
        assert sum(p.numel() for p in layer.parameters()) == info.param_count, name
    assert sum(p.numel() for p in model.parameters()) == analysis.total_params
    floats = sum(b.numel() for b in model.buffers() if b.is_floating_point())
    assert floats == sum(n.buffer_count for n in analysis.nodes.values())


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(spec=valid_specs())
def test_valid_specs_build_with_the_inferred_shapes(spec: dict[str, Any]) -> None:
    _builds_as_inferred(spec)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(spec=valid_specs(definitions=True))
def test_valid_specs_with_definitions_build_with_the_inferred_shapes(
    spec: dict[str, Any],
) -> None:
    """Definitions (nested, repeated, used twice) build in torch with the shapes and counts
    inferred for every instance and for every layer inside one."""
    assert spec["modules"]
    _builds_as_inferred(spec, lint=True)
