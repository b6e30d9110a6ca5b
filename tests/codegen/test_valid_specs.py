"""Property tests of the code generator (docs/architecture.md, "Quality bar"): random
*valid* specs (sequential stacks and DAGs with merges, over flat, sequence, (C, L),
(C, H, W) and (C, D, H, W) inputs, float features or token ids) must analyse cleanly,
generate a project, and the generated model.py must build in torch with exactly the shapes,
parameter and buffer counts the inference reported (checked per node with forward hooks).
"""

from __future__ import annotations

import ast
import copy
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


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(spec=valid_specs())
def test_valid_specs_build_with_the_inferred_shapes(spec: dict[str, Any]) -> None:
    analysis = analyze(copy.deepcopy(spec))
    assert analysis.valid, analysis.problems
    assert sorted(analysis.order) == sorted(n["id"] for n in spec["nodes"])
    files = generate(copy.deepcopy(spec))
    for name, text in files.items():
        if name.endswith(".py"):
            ast.parse(text, filename=name)

    with tempfile.TemporaryDirectory() as tmp:
        model = build_generated_model(files, Path(tmp))
    model.eval()
    seen: dict[str, tuple[int, ...]] = {}
    modules = {}
    for node_id in analysis.nodes:
        module = getattr(model, node_id, None)
        if isinstance(module, torch.nn.Module):
            modules[node_id] = module
            module.register_forward_hook(
                lambda _m, _i, out, node_id=node_id: seen.__setitem__(node_id, _shape(out))
            )
    # every layer block is an attribute named by its id; merges are expressions
    expected_modules = {i for i, n in analysis.nodes.items() if BLOCKS[n.type].is_module}
    assert set(modules) == expected_modules

    torch.manual_seed(0)
    with torch.no_grad():
        out = model(sample_batch(spec["input"]))
    assert tuple(out.shape) == (2, *analysis.output_shape)
    assert set(seen) == expected_modules
    for node_id, shape in seen.items():
        assert shape == (2, *analysis.nodes[node_id].output_shape), node_id
        count = sum(p.numel() for p in modules[node_id].parameters())
        assert count == analysis.nodes[node_id].param_count, node_id
    assert sum(p.numel() for p in model.parameters()) == analysis.total_params
    floats = sum(b.numel() for b in model.buffers() if b.is_floating_point())
    assert floats == sum(n.buffer_count for n in analysis.nodes.values())
