"""A spec without `training` is a model only: no loss is checked and no training script is made."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from codegen.analysis import analyze
from codegen.render import render_project

FEATURE_MAPS = {
    "format": "torchcanvas.model",
    "version": 1,
    "name": "Feature maps",
    "input": {"shape": [3, 32, 32]},
    "nodes": [
        {"id": "conv", "type": "Conv2d", "params": {"out_channels": 6, "kernel_size": 3}},
        {"id": "norm", "type": "GroupNorm", "params": {"num_groups": 3}},
    ],
}


def test_a_model_without_training_is_valid_whatever_its_output() -> None:
    analysis = analyze(FEATURE_MAPS)
    assert analysis.valid, analysis.problems
    assert analysis.output_shape == (6, 30, 30)
    assert analysis.to_dict()["task"] is None


def test_the_same_model_with_training_gets_the_loss_problem() -> None:
    analysis = analyze({**FEATURE_MAPS, "training": {}})
    assert [p.to_dict()["path"] for p in analysis.problems] == ["/nodes/1"]
    assert "Flatten and Linear" in analysis.problems[0].to_dict()["hint"]


def test_model_only_project_has_the_model_and_builds(tmp_path: Path) -> None:
    files = render_project(analyze(FEATURE_MAPS))
    assert sorted(files) == ["README.md", "export.py", "model.py", "requirements.txt", "spec.json"]
    assert "no training script" in files["README.md"]
    required, *optional = files["requirements.txt"].split("\n# ", 1)
    assert required == "torch>=2.5"  # what model.py needs; ONNX export's packages commented out
    assert "# onnx\n# onnxscript\n# onnxruntime\n" in optional[0]
    assert json.loads(files["spec.json"]) == FEATURE_MAPS
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    probe = (
        "import torch; from model import INPUT_SHAPE, build_model; m = build_model();"
        "print(tuple(m(torch.zeros(2, *INPUT_SHAPE)).shape), sum(p.numel() for p in m.parameters()))"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert run.stdout.split() == ["(2,", "6,", "30,", "30)", "180"]
