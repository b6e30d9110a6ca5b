"""The contract of generated train.py (docs/architecture.md), checked by running it for real."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch

from tests.conftest import load_example
from tests.execution.project import run_train, with_training, write_project

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def digits_project(tmp_path_factory):
    return write_project(load_example("digits-mlp"), tmp_path_factory.mktemp("digits"))


def test_digits_mlp_learns_real_data(digits_project):
    """scikit-learn's digits: the example MLP must reach at least 0.9 validation accuracy."""
    run = run_train(digits_project, "--epochs", "15", out="learn")
    assert run.returncode == 0, run.stderr
    history = run.history
    assert [row["epoch"] for row in history] == list(range(1, 16))
    assert set(history[0]) == {"epoch", "loss", "val_loss", "metric", "lr", "seconds"}
    assert history[-1]["loss"] < history[0]["loss"] / 3
    assert run.metrics["metric"] == "accuracy"
    assert run.metrics["val_metric"] >= 0.9
    assert "val_accuracy" in run.stdout.splitlines()[-2]
    state = torch.load(run.out / "model.pt", weights_only=True)
    assert set(state) == {"fc1.weight", "fc1.bias", "out.weight", "out.bias"}
    assert (run.out / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    confusion = json.loads((run.out / "confusion.json").read_text())
    matrix = torch.tensor(confusion["matrix"])
    assert matrix.shape == (10, 10)
    assert int(matrix.sum()) == 359  # 20% of the 1797 digits
    assert float(matrix.diag().sum() / matrix.sum()) == pytest.approx(run.metrics["val_metric"])
    assert run.metrics["per_class_accuracy"] == confusion["per_class_accuracy"]
    assert (run.out / "confusion.png").read_bytes()[:4] == b"\x89PNG"


def test_same_seed_same_numbers_and_resume_continues_exactly(digits_project):
    """Two epochs give the same numbers as the first two of four in another process (the same
    seed). Two more with --resume equal four epochs in one go. Resumed again from the
    checkpoint of epoch 2, to 3 epochs, history.json (one line an epoch) holds exactly those
    3: the longer file of the 4 epochs is cut."""
    straight = run_train(digits_project, "--epochs", "4", out="straight")
    first = run_train(digits_project, "--epochs", "2", out="resumed")
    assert straight.returncode == first.returncode == 0, straight.stderr + first.stderr
    strip = [{k: v for k, v in row.items() if k != "seconds"} for row in straight.history[:2]]
    assert strip == [{k: v for k, v in row.items() if k != "seconds"} for row in first.history]
    epoch_two = (first.out / "checkpoint.pt").read_bytes()
    resumed = run_train(digits_project, "--epochs", "4", "--resume", out="resumed")
    assert resumed.returncode == 0, resumed.stderr
    assert "resumed from epoch 2" in resumed.stdout
    assert [r["epoch"] for r in resumed.history] == [1, 2, 3, 4]
    for a, b in zip(straight.history, resumed.history, strict=True):
        assert a["loss"] == pytest.approx(b["loss"], rel=1e-6)
        assert a["val_loss"] == pytest.approx(b["val_loss"], rel=1e-6)
    checkpoint = torch.load(resumed.out / "checkpoint.pt", weights_only=False)
    assert checkpoint["epoch"] == 4

    (first.out / "checkpoint.pt").write_bytes(epoch_two)
    rewound = run_train(digits_project, "--epochs", "3", "--resume", out="resumed")
    assert rewound.returncode == 0, rewound.stderr
    lines = (rewound.out / "history.json").read_text().splitlines()
    assert lines[0] == "[" and lines[-1] == "]"
    rows = [json.loads(line.rstrip(",")) for line in lines[1:-1]]
    assert [row["epoch"] for row in rows] == [1, 2, 3]
    for a, b in zip(straight.history[:3], rows, strict=True):
        assert a["loss"] == pytest.approx(b["loss"], rel=1e-6)


@pytest.mark.parametrize("every", ["0", "3600"])
def test_checkpoints_are_written_every_checkpoint_every_seconds(digits_project, every):
    """Killed when its second epoch reports: with --checkpoint-every 0 train.py has saved
    the first epoch; with an hour between checkpoints it has saved none (the last epoch of
    50 would be the first)."""
    out = digits_project / f"every-{every}"
    args = ["--out", str(out), "--epochs", "50", "--progress", "json"]
    command = [sys.executable, "train.py", *args, "--checkpoint-every", every]
    process = subprocess.Popen(command, cwd=digits_project, stdout=subprocess.PIPE, text=True)
    try:
        for line in process.stdout or ():
            event = json.loads(line)
            if event["event"] == "epoch" and event["epoch"] == 2:
                process.kill()
                break
    finally:
        process.kill()
        process.wait()
    checkpoint = out / "checkpoint.pt"
    if every == "0":
        assert 1 <= torch.load(checkpoint, weights_only=True)["epoch"] < 50
    else:
        assert not checkpoint.exists() and (out / "history.json").exists()


def test_resume_without_checkpoint_is_a_one_line_error(digits_project):
    run = run_train(digits_project, "--resume", out="nothing")
    assert run.returncode != 0
    assert run.stderr.strip().count("\n") == 0
    assert "checkpoint.pt; train without --resume first" in run.stderr


def test_limit_batches(digits_project):
    run = run_train(digits_project, "--epochs", "1", "--limit-batches", "2", out="limited")
    assert run.returncode == 0, run.stderr
    assert len(run.history) == 1


def test_early_stopping_restores_best_weights(tmp_path):
    spec = with_training(
        load_example("digits-mlp"),
        epochs=60,
        early_stopping={"patience": 2, "min_delta": 0.05},
    )
    run = run_train(write_project(spec, tmp_path), out="early")
    assert run.returncode == 0, run.stderr
    assert "early stop" in run.stdout
    metrics = run.metrics
    assert len(run.history) < 60
    best = min(run.history, key=lambda row: row["val_loss"])
    assert metrics["best_epoch"] == best["epoch"]
    assert metrics["val_loss"] == pytest.approx(best["val_loss"])


@pytest.mark.parametrize(
    "scheduler",
    [
        {"type": "StepLR", "params": {"step_size": 1, "gamma": 0.5}},
        {"type": "MultiStepLR", "params": {"milestones": [1, 2]}},
        {"type": "ExponentialLR", "params": {"gamma": 0.5}},
        {"type": "CosineAnnealingLR"},
        {"type": "OneCycleLR"},
        {"type": "ReduceLROnPlateau", "params": {"patience": 0, "factor": 0.5}},
    ],
)
def test_schedulers_change_the_learning_rate(tmp_path, scheduler):
    spec = with_training(load_example("iris-classifier"), epochs=3, scheduler=scheduler)
    run = run_train(write_project(spec, tmp_path), out="sched")
    assert run.returncode == 0, run.stderr
    rates = [row["lr"] for row in run.history]
    if scheduler["type"] == "ReduceLROnPlateau":
        assert rates[-1] <= rates[0]
    else:
        assert len(set(rates)) > 1


@pytest.mark.parametrize("optimizer", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_optimizers_with_decay_exempting_biases(tmp_path, optimizer):
    spec = with_training(
        load_example("digits-resnet"),
        epochs=1,
        optimizer={
            "type": optimizer,
            "params": {"lr": 0.01, "weight_decay": 0.01},
            "exempt_bias_and_norm": True,
        },
        grad_clip=1.0,
    )
    folder = write_project(spec, tmp_path)
    train_py = (folder / "train.py").read_text()
    assert "parameter_groups(model, 0.01)" in train_py
    assert "clip_grad_norm_" in train_py
    run = run_train(folder, "--limit-batches", "3", out="opt")
    assert run.returncode == 0, run.stderr
    checkpoint = torch.load(run.out / "checkpoint.pt", weights_only=False)
    groups = checkpoint["optimizer"]["param_groups"]
    assert [g["weight_decay"] for g in groups] == [0.01, 0.0]
    # decayed: the 3 conv weights and the classifier weight; exempt: biases and GroupNorm
    assert len(groups[0]["params"]) == 4
    assert len(groups[1]["params"]) == 4 + 4


@pytest.mark.parametrize(
    ("example", "torch_named_biases"),
    [
        ("digits-vit", {"encoder1.self_attn.in_proj_bias", "encoder2.self_attn.in_proj_bias"}),
        ("lstm-text-classifier", {"lstm.bias_ih_l0", "lstm.bias_hh_l0"}),
    ],
)
def test_attention_and_recurrent_biases_take_no_weight_decay(tmp_path, example, torch_named_biases):
    """Biases under torch's other names (in_proj_bias, bias_ih_l0) are exempt too."""
    optimizer = {
        "type": "AdamW",
        "params": {"lr": 0.001, "weight_decay": 0.1},
        "exempt_bias_and_norm": True,
    }
    folder = write_project(with_training(load_example(example), optimizer=optimizer), tmp_path)
    probe = (
        "import json; from model import build_model; from train import parameter_groups;"
        "m = build_model(); names = {id(p): n for n, p in m.named_parameters()};"
        "print(json.dumps([[names[id(p)] for p in g['params']] for g in parameter_groups(m, 0.1)]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=folder, capture_output=True, text=True, check=True
    ).stdout
    decayed, exempt = json.loads(out)
    assert decayed and not [name for name in decayed if "bias" in name]
    assert torch_named_biases <= set(exempt)


@pytest.mark.parametrize(
    "init", ["xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal", "normal"]
)
def test_initialisations_zero_the_biases(tmp_path, init):
    spec = with_training(load_example("iris-classifier"), init={"type": init})
    folder = write_project(spec, tmp_path)
    probe = (
        "import torch; from model import build_model; torch.manual_seed(0); m = build_model();"
        "print(float(m.fc1.bias.abs().sum()), float(m.fc1.weight.std()))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=folder, capture_output=True, text=True, check=True
    ).stdout.split()
    assert float(out[0]) == 0.0
    assert float(out[1]) > 0.0


def test_tensorboard_logging(tmp_path):
    pytest.importorskip("tensorboard")
    spec = with_training(load_example("iris-classifier"), epochs=2, tensorboard=True)
    run = run_train(write_project(spec, tmp_path), out="tb")
    assert run.returncode == 0, run.stderr
    assert list((run.out / "tensorboard").glob("events.out.tfevents.*"))


def test_history_is_json_with_numbers(digits_project):
    run = run_train(digits_project, "--epochs", "1", out="json")
    rows = json.loads((run.out / "history.json").read_text())
    assert all(isinstance(rows[0][k], float) for k in ("loss", "val_loss", "metric", "lr"))


def test_speed_options_mixed_precision_channels_last_compile(tmp_path):
    """One mixed-precision path (autocast on CUDA only), on from the spec or from
    --mixed-precision; compile and channels_last only when asked for."""
    plain = write_project(load_example("digits-resnet"), tmp_path / "plain")
    text = (plain / "train.py").read_text()
    assert "torch.compile" not in text and "channels_last" not in text
    assert '"--mixed-precision",\n        action=argparse.BooleanOptionalAction,\n' in text
    assert 'default=False,\n        help="16-bit autocast on CUDA"' in text
    spec = with_training(
        load_example("digits-resnet"),
        epochs=2,
        mixed_precision=True,
        channels_last=True,
        compile=True,
    )
    folder = write_project(spec, tmp_path / "fast")
    text = (folder / "train.py").read_text()
    assert 'default=True,\n        help="16-bit autocast on CUDA"' in text
    assert "torch.compile(model)" in text
    run = run_train(folder, "--limit-batches", "3", out="fast", timeout=600)
    assert run.returncode == 0, run.stderr
    resumed = run_train(folder, "--epochs", "3", "--limit-batches", "3", "--resume", out="fast")
    assert resumed.returncode == 0, resumed.stderr
    state = torch.load(run.out / "model.pt", weights_only=True)
    assert not any(key.startswith("_orig_mod") for key in state)
