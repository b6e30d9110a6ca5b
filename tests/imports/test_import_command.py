"""`torchcanvas import` as users run it: in a subprocess, on a model in a file of their own."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import torch

from builder.cli import main

MODELS = Path(__file__).with_name("models.py")
TORCHCANVAS = [sys.executable, "-m", "builder.cli"]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*TORCHCANVAS, *args], capture_output=True, text=True, timeout=300, cwd=cwd
    )


def test_an_unsupported_op_exits_2_naming_it_with_its_line() -> None:
    result = run("import", f"{MODELS}:Unsupported", "--input-shape", "8")
    assert result.returncode == 2
    line = next(
        n
        for n, text in enumerate(MODELS.read_text().splitlines(), 1)
        if "return torch.cumsum" in text
    )
    assert (
        f"unsupported: torch.cumsum in the model's own forward ({MODELS}:{line})" in result.stderr
    )
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_a_parameter_used_otherwise_than_a_block_would_is_named(capsys) -> None:
    assert main(["import", f"{MODELS}:TokenAtTheEnd", "--input-shape", "4", "8"]) == 2
    error = capsys.readouterr().err
    assert "unsupported: Tensor.expand in the model's own forward" in error
    assert "expands token, a parameter of the module's own; the block for it is a ClassToken" in (
        error
    )


def test_bad_targets_exit_2_with_a_reason(tmp_path: Path, capsys) -> None:
    for target, reason in [
        ("no-colon", "give TARGET as package.module:factory or path/file.py:Class"),
        (f"{tmp_path}/missing.py:Model", "no such file"),
        (f"{MODELS}:Missing", "has no Missing"),
        ("no_such_package_xyz:model", "cannot import it"),
    ]:
        assert main(["import", target, "--input-shape", "8"]) == 2, target
        assert reason in capsys.readouterr().err


def test_weights_start_generated_training(tmp_path: Path) -> None:
    """import --weights, generate, then train.py --init-weights: at lr 0 the model it saves
    is the original's, under the generated names."""
    spec_path, weights = tmp_path / "spec.json", tmp_path / "weights.pt"
    result = run(
        "import", f"{MODELS}:Encoder", "--input-shape", "7", "12",
        "-o", str(spec_path), "--weights", str(weights),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "traced with torch.export" in result.stderr
    assert "gives the original's outputs" in result.stderr
    spec = json.loads(spec_path.read_text())
    spec["training"] = {
        "dataset": {"kind": "synthetic-classification", "params": {"n_samples": 40}},
        "optimizer": {"type": "SGD"},
        "batch_size": 8,
    }
    spec_path.write_text(json.dumps(spec))
    project = tmp_path / "project"
    assert run("generate", str(spec_path), "-o", str(project)).returncode == 0
    out = tmp_path / "run"
    train = subprocess.run(
        [sys.executable, "train.py", "--epochs", "1", "--limit-batches", "1", "--out", str(out),
         "--lr", "0", "--init-weights", str(weights)],
        cwd=project, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert train.returncode == 0, train.stderr
    saved = torch.load(out / "model.pt", weights_only=True)
    expected = torch.load(weights, weights_only=True)
    assert saved.keys() == expected.keys()
    assert all(torch.equal(saved[k], expected[k]) for k in expected if "running" not in k)
    bad = subprocess.run(
        [sys.executable, "train.py", "--epochs", "1", "--init-weights", str(tmp_path / "no.pt")],
        cwd=project, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert bad.returncode != 0
    assert bad.stderr.strip().splitlines()[-1].startswith("--init-weights")
