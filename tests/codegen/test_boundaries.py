"""Where torch itself refuses a layer, analysis must refuse the spec (not generate code
that crashes): each boundary case is either rejected or builds and runs with the inferred
shape.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from codegen_support import build_generated_model

from codegen.analysis import analyze
from codegen.render import generate

torch = pytest.importorskip("torch")

BOUNDARY_CASES = [
    ([2, 1, 1], {"type": "InstanceNorm2d"}),
    ([2, 1], {"type": "InstanceNorm1d"}),
    ([2, 2], {"type": "InstanceNorm1d"}),
    (
        [2, 2, 2],
        {
            "type": "Conv2d",
            "params": {
                "out_channels": 2,
                "kernel_size": 3,
                "padding": 2,
                "padding_mode": "reflect",
            },
        },
    ),
    (
        [2, 3, 3],
        {
            "type": "Conv2d",
            "params": {
                "out_channels": 2,
                "kernel_size": 3,
                "padding": 2,
                "padding_mode": "reflect",
            },
        },
    ),
    (
        [2, 2, 2],
        {
            "type": "Conv2d",
            "params": {
                "out_channels": 2,
                "kernel_size": 3,
                "padding": 3,
                "padding_mode": "circular",
            },
        },
    ),
    (
        [2, 2, 2],
        {
            "type": "Conv2d",
            "params": {
                "out_channels": 2,
                "kernel_size": 3,
                "padding": 2,
                "padding_mode": "circular",
            },
        },
    ),
    (
        [2, 2, 2],
        {
            "type": "Conv2d",
            "params": {
                "out_channels": 2,
                "kernel_size": 3,
                "padding": 3,
                "padding_mode": "replicate",
            },
        },
    ),
    (
        [2, 3],
        {
            "type": "Conv1d",
            "params": {
                "out_channels": 2,
                "kernel_size": 3,
                "padding": 3,
                "padding_mode": "reflect",
            },
        },
    ),
    (
        [2, 5, 5],
        {
            "type": "ConvTranspose2d",
            "params": {
                "out_channels": 4,
                "kernel_size": 3,
                "stride": 2,
                "output_padding": 1,
                "padding": 1,
            },
        },
    ),
    (
        [2, 5, 5],
        {
            "type": "ConvTranspose2d",
            "params": {"out_channels": 4, "kernel_size": 1, "stride": 1, "padding": 1},
        },
    ),
    (
        [2, 7, 7],
        {
            "type": "MaxPool2d",
            "params": {
                "kernel_size": 3,
                "stride": 2,
                "dilation": 2,
                "ceil_mode": True,
                "padding": 1,
            },
        },
    ),
    ([2, 4, 4], {"type": "MaxPool2d", "params": {"kernel_size": 2, "padding": 2}}),
    ([2, 5], {"type": "AvgPool1d", "params": {"kernel_size": 2, "ceil_mode": True, "padding": 1}}),
    ([2, 6, 6], {"type": "LayerNorm", "params": {"normalized_shape": [2, 6, 6]}}),
    ([2, 6, 6], {"type": "LayerNorm", "params": {"normalized_shape": [5]}}),
    ([12], {"type": "Unflatten", "params": {"dim": -1, "unflattened_size": [3, 4]}}),
    ([12], {"type": "Unflatten", "params": {"dim": 1, "unflattened_size": [5, 2]}}),
    ([2, 3, 3], {"type": "Flatten", "params": {"start_dim": -2}}),
    ([2, 3, 3], {"type": "Flatten", "params": {"start_dim": 0}}),
    ([2, 5, 5], {"type": "AdaptiveMaxPool2d", "params": {"output_size": [7, 3]}}),
    (
        [4, 3, 3],
        {
            "type": "Conv2d",
            "params": {"out_channels": 4, "kernel_size": [1, 3], "groups": 4, "padding": [0, 1]},
        },
    ),
    ([4, 3, 3], {"type": "Conv2d", "params": {"out_channels": 6, "kernel_size": 1, "groups": 4}}),
    ([3, 2], {"type": "GroupNorm", "params": {"num_groups": 3}}),
    ([3, 4], {"type": "Softmax", "params": {"dim": 2}}),
    ([3, 4], {"type": "Softmax", "params": {"dim": 3}}),
]


@pytest.mark.parametrize(("input_shape", "layer"), BOUNDARY_CASES)
def test_boundaries_agree_with_torch(input_shape: list[int], layer: dict[str, Any]) -> None:
    spec = {
        "input": {"shape": input_shape},
        "nodes": [{"id": "layer", **layer}, {"id": "flat", "type": "Flatten"}],
    }
    analysis = analyze(spec)
    if not analysis.valid:
        assert all(p.path.startswith("/nodes/0") for p in analysis.problems), analysis.problems
        return
    with tempfile.TemporaryDirectory() as tmp:
        model = build_generated_model(generate(spec), Path(tmp))
    seen = []
    model.layer.register_forward_hook(lambda _m, _i, out: seen.append(tuple(out.shape)))
    for mode in (model.train, model.eval):
        mode()
        out = model(torch.randn(2, *input_shape))
        assert tuple(out.shape) == (2, *analysis.output_shape)
        assert seen.pop() == (2, *analysis.nodes["layer"].output_shape)
