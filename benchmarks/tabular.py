"""Tabular: the generated train.py against a hand-written loop in the seeds' style.

Both sides train the same model (the project's `build_model()` after the same seed) on the
same tensors (the project's own train/validation split) with the same loss, optimizer,
batch size and number of epochs, in this process, with the same torch threads. The
hand-written side is the d2l one: `TensorDataset` + `DataLoader(shuffle=True)`, then the
PyTorch tutorial's train loop and test loop every epoch.

Run: `python -m benchmarks.run --only tabular` (add `--quick` for a smoke-sized run).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from benchmarks.common import (
    DEFAULT_THREADS,
    Result,
    hand_written_training,
    load_example,
    load_project,
    median,
    ratio,
    run_script,
    set_threads,
    steady,
    training_parts,
    with_changes,
    write_project,
)
from benchmarks.datasets import encoded_width, write_house_prices


@dataclass
class Timings:
    """Median seconds of one side: the training pass and the whole epoch."""

    train: float
    epoch: float
    runs: list[dict[str, list[float]]]


def hand_written_run(
    project: SimpleNamespace, spec: dict[str, Any], data_dir: Path, epochs: int
) -> dict[str, list[float]]:
    """d2l's `load_array` and training loop, with a validation pass per epoch."""

    import torch
    from torch.utils.data import DataLoader, TensorDataset

    seed = spec["training"].get("seed", 0)
    batch_size = spec["training"]["batch_size"]
    train_data, val_data = project.data.load_data(data_dir, torch.device("cpu"), seed=seed)
    torch.manual_seed(seed)
    model = project.model.build_model()
    loss_fn, optimizer = training_parts(spec, model)
    train_iter = DataLoader(TensorDataset(*train_data), batch_size, shuffle=True)
    val_iter = DataLoader(TensorDataset(*val_data), batch_size, shuffle=False)
    return hand_written_training(train_iter, val_iter, model, loss_fn, optimizer, epochs)


def generated_run(
    project: SimpleNamespace, data_dir: Path, epochs: int, out: Path
) -> dict[str, list[float]]:
    run = run_script(
        project,
        ["--epochs", str(epochs), "--data-dir", str(data_dir), "--device", "cpu"],
        out,
    )
    return {"train": run.train_seconds, "epoch": run.epoch_seconds}


def summarise(runs: list[dict[str, list[float]]]) -> Timings:
    return Timings(
        train=median(steady(run["train"]) for run in runs),
        epoch=median(steady(run["epoch"]) for run in runs),
        runs=runs,
    )


def compare(
    label: str,
    spec: dict[str, Any],
    data_dir: Path,
    work: Path,
    epochs: int,
    repeats: int,
) -> dict[str, Any]:
    """Alternate generated and hand-written runs `repeats` times; medians of steady epochs."""
    import torch

    project = load_project(write_project(spec, work / "project"))
    train_data, _ = project.data.load_data(data_dir, torch.device("cpu"), seed=0)
    samples = len(train_data[0])
    generated_runs, hand_runs = [], []
    for repeat in range(repeats):
        generated_runs.append(generated_run(project, data_dir, epochs, work / f"run{repeat}"))
        hand_runs.append(hand_written_run(project, spec, data_dir, epochs))
    generated, hand = summarise(generated_runs), summarise(hand_runs)
    return {
        "case": label,
        "samples": samples,
        "batch_size": spec["training"]["batch_size"],
        "epochs": epochs,
        "repeats": repeats,
        "generated_train_s": generated.train,
        "hand_train_s": hand.train,
        "generated_samples_per_s": samples / generated.train,
        "hand_samples_per_s": samples / hand.train,
        "train_ratio": hand.train / generated.train,
        "generated_epoch_s": generated.epoch,
        "hand_epoch_s": hand.epoch,
        "epoch_ratio": hand.epoch / generated.epoch,
        "generated_runs": generated.runs,
        "hand_runs": hand.runs,
    }


def cases(work: Path, quick: bool) -> list[tuple[str, dict[str, Any], Path]]:
    """(label, spec, data folder) of each tabular model; quick sizes shrink the data."""
    cute = load_example("cute-dl-regression-mlp")
    if quick:
        cute["training"]["dataset"]["params"]["n_samples"] = 200
    data = work / "house-prices-data"
    house = load_example("house-prices-mlp")
    if quick:
        write_house_prices(data, train=200, test=100)
        # quick data may not give the example's 330 features: take the width it gives
        house["input"]["shape"] = [encoded_width(data)]
    else:
        write_house_prices(data)  # Kaggle's size: 1460 training and 1459 test rows
    return [
        ("cute-dl MLP (synthetic quadratic)", cute, work / "no-data"),
        ("house-prices MLP (CSV, 330 features)", house, data),
    ]


def run(quick: bool = False) -> Result:
    set_threads(DEFAULT_THREADS)
    epochs, repeats = (3, 1) if quick else (30, 5)
    figures = []
    with tempfile.TemporaryDirectory(prefix="bench-tabular-") as folder:
        work = Path(folder)
        for k, (label, spec, data_dir) in enumerate(cases(work, quick)):
            spec = with_changes(spec, epochs=epochs)
            figures.append(compare(label, spec, data_dir, work / f"case{k}", epochs, repeats))
    rows = [
        [
            f["case"],
            f["samples"],
            f["batch_size"],
            f"{f['hand_samples_per_s']:,.0f}",
            f"{f['generated_samples_per_s']:,.0f}",
            f"{f['train_ratio']:.2f}x",
            f"{f['hand_epoch_s'] * 1000:.1f}",
            f"{f['generated_epoch_s'] * 1000:.1f}",
            f"{f['epoch_ratio']:.2f}x",
        ]
        for f in figures
    ]
    return Result(
        name="tabular",
        title="Tabular: generated train.py vs. TensorDataset + DataLoader",
        headers=[
            "model",
            "train samples",
            "batch",
            "hand-written samples/s",
            "generated samples/s",
            "speed-up (train pass)",
            "hand-written ms/epoch",
            "generated ms/epoch",
            "speed-up (whole epoch)",
        ],
        rows=rows,
        notes=[
            f"{epochs} epochs per run, {repeats} alternating runs per side; median over runs "
            "of the median epoch (first epoch of each run left out).",
            "Train pass: the training loop only. Whole epoch: training + validation pass "
            "(+ the generated script's printing and checkpoint.pt).",
            f"speed-up = hand-written time / generated time ({ratio(1, 1)} = same speed).",
        ],
        data={"epochs": epochs, "repeats": repeats, "cases": figures},
    )
