"""Generated train.py under torchrun: DistributedDataParallel in two CPU processes (gloo).

Two processes with 32 samples each per step see the same global batches as one process
with 64 (each takes every other sample of the same shuffle), so they must end at the
same validation loss, up to dropout's different draws and the order of float sums.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import load_example
from tests.execution.fake_data import write_cifar10, write_image_folder
from tests.execution.project import Run, run_train, with_training, write_project

pytestmark = pytest.mark.slow

EPOCHS = "3"


def torchrun(folder: Path, *args: str, out: str, processes: int = 2) -> Run:
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTHONPATH", None)
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
    command += ["--nproc_per_node", str(processes), "train.py", "--device", "cpu"]
    proc = subprocess.run(
        [*command, "--out", out, *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr, folder / out)


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    return write_project(load_example("digits-mlp"), tmp_path_factory.mktemp("digits"))


@pytest.fixture(scope="module")
def both(digits):
    """Two processes of 32 samples a step each, reporting JSON lines."""
    return torchrun(digits, "--epochs", EPOCHS, "--batch-size", "32", "--progress", "json",
                    out="ddp")  # fmt: skip


def test_two_processes_match_one_with_the_same_global_batch(digits, both):
    single = run_train(digits, "--epochs", EPOCHS, "--batch-size", "64", out="single")
    assert single.returncode == 0, single.stderr
    assert both.returncode == 0, both.stderr
    events = [json.loads(line) for line in both.stdout.splitlines()]
    # only rank 0 reports: one start, one line per epoch, one done
    assert [e["event"] for e in events] == ["start", "epoch", "epoch", "epoch", "done"]
    assert events[0]["batches"] == 23  # 719 samples of each process in batches of 32
    assert both.metrics["val_loss"] == pytest.approx(single.metrics["val_loss"], rel=0.02)
    assert both.metrics["val_metric"] == pytest.approx(single.metrics["val_metric"], abs=0.02)
    assert single.history[0]["val_loss"] > 2 * single.metrics["val_loss"]  # it learned
    assert {"model.pt", "checkpoint.pt", "metrics.json", "confusion.json"} <= {
        path.name for path in both.out.iterdir()
    }
    # evaluation is over all 359 validation digits, split between the processes
    confusion = json.loads((both.out / "confusion.json").read_text())
    assert sum(map(sum, confusion["matrix"])) == 359


def test_resume_under_torchrun_continues_exactly(digits, both):
    first = torchrun(digits, "--epochs", "2", "--batch-size", "32", out="resumed")
    resumed = torchrun(digits, "--epochs", EPOCHS, "--batch-size", "32", "--resume",
                       out="resumed")  # fmt: skip
    assert both.returncode == first.returncode == resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.count("resumed from epoch 2") == 1
    assert [row["epoch"] for row in resumed.history] == [1, 2, 3]
    for a, b in zip(both.history, resumed.history, strict=True):
        assert a["loss"] == pytest.approx(b["loss"], rel=1e-6)
        assert a["val_loss"] == pytest.approx(b["val_loss"], rel=1e-6)


def test_image_folder_under_torchrun(tmp_path):
    """DataLoader datasets: a DistributedSampler shares out the images."""
    data = write_image_folder(tmp_path / "data" / "pets")
    spec = {
        "format": "torchcanvas.model",
        "version": 1,
        "name": "Pets",
        "input": {"shape": [3, 16, 16]},
        "nodes": [
            {"id": "flatten", "type": "Flatten"},
            {"id": "fc", "type": "Linear", "params": {"out_features": 3}},
        ],
        "training": {"dataset": {"kind": "image-folder", "params": {"path": "pets"}}},
    }
    spec = with_training(spec, epochs=2, batch_size=4)
    folder = write_project(spec, tmp_path / "project")
    run = torchrun(folder, "--data-dir", str(data.parent), out="run")
    assert run.returncode == 0, run.stderr
    assert len(run.history) == 2
    assert run.stdout.count("epoch 2/2") == 1
    assert (run.out / "preprocessing.json").is_file()


LEAVE = """import sys

import torch.distributed as dist

import train

try:
    train.main(sys.argv[1:])
finally:  # one write of the whole line: the two processes share the pipe
    sys.stdout.write(f"in the group after main: {dist.is_initialized()}\\n")
    sys.stdout.flush()
"""


@pytest.mark.parametrize("args", [["--check"], ["--resume"]], ids=["check", "failed-resume"])
def test_every_exit_leaves_the_process_group(tmp_path, args):
    """--check returns early and --resume without a checkpoint exits with its reason: both
    destroy the process group, as a finished run does. LeNet's BatchNorm stays BatchNorm
    on the CPU (gloo): SyncBatchNorm is for GPUs and would refuse CPU tensors."""
    folder = write_project(load_example("lenet-batchnorm"), tmp_path / "lenet")
    (folder / "leave.py").write_text(LEAVE)
    write_cifar10(folder / "data", per_batch=16, test=16)
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node",
               "2", "leave.py", "--device", "cpu", "--out", "out", *args]  # fmt: skip
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=300,
                          env=env)  # fmt: skip
    assert proc.stdout.count("in the group after main: False") == 2, proc.stdout + proc.stderr
    if args == ["--check"]:
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.count("gradients finite") == 1  # rank 0 reports
    else:
        assert proc.returncode != 0
        assert "--resume: no out/checkpoint.pt" in proc.stderr
