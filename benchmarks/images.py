"""Images: the generated LeNet and Fashion-MNIST MLP scripts against the seeds' loops.

The data are MNIST-format idx files of MNIST's size (60,000 training and 10,000 test images)
written by the benchmark. Both sides train the same model (the project's `build_model()`
after the same seed) on the same 90% of the training images, validate on the same 10%,
with the same loss, optimizer, batch size and epochs, in this process, with the same torch
threads. The hand-written side is the seeds' (d2l, PyTorch tutorial): a torchvision dataset
with `ToTensor()` + `Normalize()`, `DataLoader(shuffle=True)`, the tutorial's train loop and
test loop; once without workers (the tutorial) and once with d2l's 4 workers.

Run: `python -m benchmarks.run --only images` (add `--quick` for a smoke-sized run).
"""

from __future__ import annotations

import tempfile
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
    run_script,
    set_threads,
    steady,
    training_parts,
    with_changes,
    write_project,
)
from benchmarks.datasets import write_mnist

D2L_WORKERS = 4
"""d2l's `get_dataloader_workers()`."""


def lenet_spec() -> dict[str, Any]:
    """The LeNet-with-BatchNorm example on MNIST's 1x28x28 images."""
    spec = load_example("lenet-batchnorm")
    spec["name"] = "LeNet with BatchNorm on MNIST"
    spec["description"] = "LeNet-5 with batch normalisation, on MNIST (1x28x28)."
    spec["input"]["shape"] = [1, 28, 28]
    spec["training"]["dataset"] = {"kind": "mnist"}
    return spec


def mlp_spec() -> dict[str, Any]:
    """The d2l MLP with dropout on Fashion-MNIST, as in examples/."""
    return load_example("d2l-mlp-dropout")


def torchvision_dataset(kind: str, data_dir: Path, mean: float, std: float) -> Any:
    from torchvision import datasets, transforms

    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((mean,), (std,))])
    dataset_class = datasets.MNIST if kind == "mnist" else datasets.FashionMNIST
    return dataset_class(root=data_dir, train=True, transform=transform, download=False)


def split_indices(count: int, val_split: float, seed: int) -> tuple[list[int], list[int]]:
    """The generated data.py's split: a seeded permutation, the first part for validation."""
    import torch

    order = torch.randperm(count, generator=torch.Generator().manual_seed(seed))
    n_val = max(1, round(count * val_split))
    return order[n_val:].tolist(), order[:n_val].tolist()


def hand_written_run(
    project: SimpleNamespace, spec: dict[str, Any], data_dir: Path, epochs: int, workers: int
) -> dict[str, list[float]]:
    """The seeds' loop: torchvision dataset + transforms + DataLoader, test loop per epoch."""
    import torch
    from torch.utils.data import DataLoader, Subset

    training = spec["training"]
    seed, batch_size = training.get("seed", 0), training["batch_size"]
    mean, std = float(project.data.MEAN.flatten()[0]), float(project.data.STD.flatten()[0])
    dataset = torchvision_dataset(training["dataset"]["kind"], data_dir, mean, std)
    train_idx, val_idx = split_indices(len(dataset), project.data.VAL_SPLIT, seed)
    torch.manual_seed(seed)
    model = project.model.build_model()
    loss_fn, optimizer = training_parts(spec, model)
    train_iter = DataLoader(
        Subset(dataset, train_idx), batch_size, shuffle=True, num_workers=workers
    )
    val_iter = DataLoader(Subset(dataset, val_idx), batch_size, num_workers=workers)
    timings = hand_written_training(train_iter, val_iter, model, loss_fn, optimizer, epochs)
    return {**timings, "samples": [len(train_idx)]}


def generated_run(
    project: SimpleNamespace, data_dir: Path, epochs: int, out: Path
) -> dict[str, list[float]]:
    args = ["--epochs", str(epochs), "--data-dir", str(data_dir), "--device", "cpu"]
    run = run_script(project, args, out)
    return {"train": run.train_seconds, "epoch": run.epoch_seconds or run.train_seconds}


def compare(
    label: str, spec: dict[str, Any], data_dir: Path, work: Path, epochs: int, repeats: int
) -> dict[str, Any]:
    """Alternate the generated script and the two hand-written variants `repeats` times."""
    project = load_project(write_project(spec, work / "project"))
    sides: dict[str, list[dict[str, list[float]]]] = {
        "generated": [],
        "hand_workers0": [],
        f"hand_workers{D2L_WORKERS}": [],
    }
    samples = 0
    for repeat in range(repeats):
        sides["generated"].append(generated_run(project, data_dir, epochs, work / f"r{repeat}"))
        for workers in (0, D2L_WORKERS):
            run = hand_written_run(project, spec, data_dir, epochs, workers)
            samples = int(run.pop("samples")[0])
            sides[f"hand_workers{workers}"].append(run)
    figures: dict[str, Any] = {
        "case": label,
        "samples": samples,
        "batch_size": spec["training"]["batch_size"],
        "epochs": epochs,
        "repeats": repeats,
        "runs": sides,
    }
    for side, runs in sides.items():
        figures[f"{side}_train_s"] = median(steady(run["train"]) for run in runs)
        figures[f"{side}_epoch_s"] = median(steady(run["epoch"]) for run in runs)
    return figures


def run(quick: bool = False) -> Result:
    set_threads(DEFAULT_THREADS)
    train, test = (300, 100) if quick else (60_000, 10_000)
    epochs, repeats = (1, 1) if quick else (2, 3)
    cases = [
        ("LeNet + BatchNorm (MNIST)", lenet_spec(), "MNIST"),
        ("d2l MLP + dropout (Fashion-MNIST)", mlp_spec(), "FashionMNIST"),
    ]
    figures = []
    with tempfile.TemporaryDirectory(prefix="bench-images-") as folder:
        work = Path(folder)
        for k, (label, spec, dataset_folder) in enumerate(cases):
            data_dir = write_mnist(work / f"data{k}", dataset_folder, train=train, test=test)
            spec = with_changes(spec, epochs=epochs)
            figures.append(compare(label, spec, data_dir, work / f"case{k}", epochs, repeats))
    rows = []
    for f in figures:
        generated = f["generated_train_s"]
        for side, name in (("hand_workers0", "0"), (f"hand_workers{D2L_WORKERS}", "4")):
            rows.append(
                [
                    f["case"],
                    f["batch_size"],
                    f"workers={name}",
                    f"{f['samples'] / f[f'{side}_train_s']:,.0f}",
                    f"{f['samples'] / generated:,.0f}",
                    f"{f[f'{side}_train_s'] / generated:.2f}x",
                    f"{f[f'{side}_epoch_s']:.2f}",
                    f"{f['generated_epoch_s']:.2f}",
                    f"{f[f'{side}_epoch_s'] / f['generated_epoch_s']:.2f}x",
                ]
            )
    sizes = f"{train:,} training images ({figures[0]['samples']:,} after the validation split)"
    return Result(
        name="images",
        title="Images: generated train.py vs. torchvision dataset + transforms + DataLoader",
        headers=[
            "model",
            "batch",
            "hand-written DataLoader",
            "hand-written samples/s",
            "generated samples/s",
            "speed-up (train pass)",
            "hand-written s/epoch",
            "generated s/epoch",
            "speed-up (whole epoch)",
        ],
        rows=rows,
        notes=[
            f"{sizes}; {epochs} epochs per run, {repeats} alternating runs per side; median "
            "over runs of the epoch times (first epoch of each run left out when there are "
            "several).",
            "Train pass: the training loop only. Whole epoch: training + validation pass "
            "(+ the generated script's printing and checkpoint.pt).",
            "speed-up = hand-written time / generated time.",
        ],
        data={"train_images": train, "epochs": epochs, "repeats": repeats, "cases": figures},
    )
