"""Image datasets read through the generated loading code from files in their real formats."""

from __future__ import annotations

import json

import pytest

from tests.conftest import load_example
from tests.execution.fake_data import write_cifar10, write_mnist
from tests.execution.project import run_train, with_training, write_project

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("kind", "folder"), [("mnist", "MNIST"), ("fashion-mnist", "FashionMNIST")]
)
def test_mnist_format(tmp_path, kind, folder):
    data = write_mnist(tmp_path / "data", folder)
    spec = with_training(
        load_example("d2l-mlp-dropout"), dataset={"kind": kind}, epochs=3, batch_size=32
    )
    run = run_train(write_project(spec, tmp_path / "p"), "--data-dir", str(data), out="r")
    assert run.returncode == 0, run.stderr
    metrics = run.metrics
    assert metrics["metric"] == "accuracy"
    assert 0 <= metrics["test_metric"] <= 1
    assert run.history[-1]["loss"] < run.history[0]["loss"]


def test_cifar10_python_batches_run_lenet(tmp_path):
    data = write_cifar10(tmp_path / "data")
    spec = with_training(load_example("lenet-batchnorm"), epochs=2, batch_size=32)
    run = run_train(write_project(spec, tmp_path / "p"), "--data-dir", str(data), out="r")
    assert run.returncode == 0, run.stderr
    assert "test_accuracy" in run.stdout
    assert len(run.history) == 2


def test_lenet_limit_batches_like_the_readme(tmp_path):
    data = write_cifar10(tmp_path / "data")
    folder = write_project(load_example("lenet-batchnorm"), tmp_path / "p")
    run = run_train(folder, "--limit-batches", "2", "--epochs", "1", "--data-dir", str(data))
    assert run.returncode == 0, run.stderr


def test_missing_image_data_is_a_one_line_error(tmp_path):
    folder = write_project(load_example("lenet-batchnorm"), tmp_path / "p")
    run = run_train(folder, "--data-dir", str(tmp_path / "nothing"))
    assert run.returncode != 0
    assert "CIFAR-10 not found" in run.stderr
    assert "--download" in run.stderr
    assert "Traceback" not in run.stderr


AUGMENTATIONS = [
    {"type": "RandomCrop", "params": {"padding": 4}},
    {"type": "RandomHorizontalFlip"},
    {"type": "RandomRotation", "params": {"degrees": 15}},
    {"type": "ColorJitter"},
]


def test_augmentation_changes_training_batches_only(tmp_path):
    """Batches from train_batches differ between draws; eval batches never change."""
    spec = with_training(load_example("lenet-batchnorm"), augmentations=AUGMENTATIONS)
    folder = write_project(spec, tmp_path / "p")
    data = write_cifar10(tmp_path / "data")
    probe = f"""
import json, torch
from data import load_data, train_batches, eval_batches, prepare
train, val = load_data(__import__('pathlib').Path({str(data)!r}), torch.device('cpu'), seed=0)
a = next(train_batches(train, 16, torch.Generator().manual_seed(1)))[0]
b = next(train_batches(train, 16, torch.Generator().manual_seed(1)))[0]
c = next(train_batches(train, 16, torch.Generator().manual_seed(2)))[0]
order = torch.randperm(len(train[0]), generator=torch.Generator().manual_seed(2))[:16]
plain = prepare(train[0][order])
v1 = next(eval_batches(val, 16))[0]
v2 = next(eval_batches(val, 16))[0]
print(json.dumps({{
    "same_seed_same": torch.equal(a, b),
    "augmented_differs": not torch.allclose(c, plain),
    "shape": list(c.shape),
    "eval_same": torch.equal(v1, v2),
    "eval_plain": torch.allclose(v1, prepare(val[0][:16])),
}}))
"""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=folder, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout)
    assert facts == {
        "same_seed_same": True,
        "augmented_differs": True,
        "shape": [16, 3, 32, 32],
        "eval_same": True,
        "eval_plain": True,
    }


def test_augmented_training_runs(tmp_path):
    spec = with_training(load_example("lenet-batchnorm"), augmentations=AUGMENTATIONS, epochs=1)
    data = write_cifar10(tmp_path / "data")
    run = run_train(write_project(spec, tmp_path / "p"), "--data-dir", str(data), out="aug")
    assert run.returncode == 0, run.stderr


def test_resize_makes_classic_32x32_lenet_on_mnist(tmp_path):
    spec = load_example("cifar10-tutorial-net")
    spec["input"]["shape"] = [1, 32, 32]
    spec = with_training(
        spec,
        dataset={"kind": "mnist"},
        augmentations=[{"type": "Resize", "params": {"size": [32, 32]}}],
        epochs=1,
        batch_size=32,
    )
    data = write_mnist(tmp_path / "data")
    run = run_train(write_project(spec, tmp_path / "p"), "--data-dir", str(data), out="rs")
    assert run.returncode == 0, run.stderr
