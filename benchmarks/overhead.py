"""Overhead: the generated training pass against bare forward + backward + step.

For each example model, the generated train.py runs as it is (its `train_one_epoch` timed,
which includes shuffling, slicing batches from the in-memory tensors and, for images, the
uint8-to-float normalisation); the bare loop runs the same model, loss and optimizer over the
same number of batches prepared beforehand (already normalised, fixed order, nothing else in
the loop). The difference is everything the generated code adds around the arithmetic.
The generated loop also runs alone (its `train_batches` and `train_one_epoch`, epoch after
epoch, nothing between them), which tells the loop's own cost from the effect of what the
script does between epochs (validation, history.json, printing) on the epoch after.

The baseline is timed epoch by epoch beside what it is compared with (a bare epoch after each
of the script's training passes), and each figure is a median over many short runs: on this
kind of machine one run's speed depends on where its tensors landed in memory, by up to 10%
either way, so few long runs measure the placement more than the code. Each model is measured
in a fresh process, as train.py runs for its user.

Run: `python -m benchmarks.run --only overhead` (add `--quick` for a smoke-sized run).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from benchmarks.common import (
    DEFAULT_THREADS,
    Result,
    in_own_process,
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
from benchmarks.images import lenet_spec, mlp_spec
from benchmarks.tabular import cases as tabular_cases

TABULAR_AIM, IMAGES_AIM = 0.05, 0.15
"""How much longer than the bare loop the generated training pass may take: 5% on the tiny
tabular MLPs (where any per-batch Python work shows), 15% on images."""


def preloaded_batches(
    project: SimpleNamespace, data_dir: Path, batch_size: int, seed: int
) -> list[tuple[Any, Any]]:
    """The training split cut into ready batches (normalised when the data.py has `prepare`)."""
    import torch

    (inputs, targets), _ = project.data.load_data(data_dir, torch.device("cpu"), seed=seed)
    prepare = getattr(project.data, "prepare", None)
    batches = []
    for start in range(0, len(inputs), batch_size):
        batch = inputs[start : start + batch_size]
        batch = prepare(batch) if prepare is not None else batch.clone()
        batches.append((batch.contiguous(), targets[start : start + batch_size].clone()))
    return batches


class BareLoop:
    """Nothing but zero_grad, forward, loss, backward and step over prepared batches, one
    timed epoch per call: the baseline, run epoch by epoch beside what it is compared with,
    so that both see the same moments of a machine whose speed drifts."""

    def __init__(
        self, project: SimpleNamespace, spec: dict[str, Any], batches: list[tuple[Any, Any]]
    ) -> None:
        self.model, self.loss_fn, self.optimizer = fresh_model(project, spec)
        self.batches = batches
        self.seconds: list[float] = []

    def epoch(self) -> None:
        model, loss_fn, optimizer = self.model, self.loss_fn, self.optimizer
        start = time.perf_counter()
        for inputs, targets in self.batches:
            optimizer.zero_grad(set_to_none=True)
            loss_fn(model(inputs), targets).backward()
            optimizer.step()
        self.seconds.append(time.perf_counter() - start)


def loop_run(
    project: SimpleNamespace,
    spec: dict[str, Any],
    data_dir: Path,
    epochs: int,
    between: Callable[[], None],
) -> list[float]:
    """Seconds per epoch of the generated `train_batches` and `train_one_epoch` alone, one
    epoch after the other (`between` runs after each, untimed): the script's loop without
    its validation, checkpoint and printing between epochs."""
    import torch

    train, cpu = project.train, torch.device("cpu")
    model, loss_fn, optimizer = fresh_model(project, spec)
    seed, batch_size = spec["training"].get("seed", 0), spec["training"]["batch_size"]
    train_data, _ = project.data.load_data(data_dir, cpu, seed=seed)
    autocast, scaler = train.mixed_precision(cpu, False)
    progress = train.Progress("quiet", 0, epochs, 0)
    generator = torch.Generator().manual_seed(seed)
    seconds = []
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        batches = project.data.train_batches(train_data, batch_size, generator)
        train.train_one_epoch(
            model=model, batches=batches, loss_fn=loss_fn, optimizer=optimizer,
            autocast=autocast, scaler=scaler, progress=progress, epoch=epoch,
        )  # fmt: skip
        seconds.append(time.perf_counter() - start)
        between()
    return seconds


def fresh_model(project: SimpleNamespace, spec: dict[str, Any]) -> tuple[Any, Any, Any]:
    """The model (seeded as the script seeds it), its loss and optimizer, in training mode."""
    import torch

    torch.manual_seed(spec["training"].get("seed", 0))
    model = project.model.build_model()
    model.train()
    loss_fn, optimizer = training_parts(spec, model)
    return model, loss_fn, optimizer


def overheads(runs: list[tuple[list[float], list[float]]]) -> list[float]:
    """Each run's overhead: its median steady epoch over its own baseline's."""
    return [steady(timed) / steady(bare) - 1 for timed, bare in runs]


def middle(values: list[float]) -> str:
    """The middle half of the runs' overheads (first to third quartile)."""
    ordered = sorted(values)
    quarter = len(ordered) // 4
    return f"{ordered[quarter] * 100:+.1f}% to {ordered[-quarter - 1] * 100:+.1f}%"


def measure(
    label: str, spec: dict[str, Any], data_dir: Path, work: Path, epochs: int, repeats: int
) -> dict[str, Any]:
    """`repeats` runs of the script and of its loop alone, each with a bare epoch after
    every epoch; an overhead is the median over runs of each run's against its own bare
    epochs (steady epochs)."""
    spec = with_changes(spec, epochs=epochs)
    project = load_project(write_project(spec, work / "project"))
    training = spec["training"]
    batches = preloaded_batches(project, data_dir, training["batch_size"], training.get("seed", 0))
    args = ["--epochs", str(epochs), "--data-dir", str(data_dir), "--device", "cpu"]
    generated_runs, loop_runs = [], []
    for repeat in range(repeats):
        bare = BareLoop(project, spec, batches)
        run = run_script(project, args, work / f"r{repeat}", between=bare.epoch)
        generated_runs.append((run.train_seconds, bare.seconds))
        bare = BareLoop(project, spec, batches)
        loop_runs.append((loop_run(project, spec, data_dir, epochs, bare.epoch), bare.seconds))
    generated = median(steady(timed) for timed, _ in generated_runs)
    loop = median(steady(timed) for timed, _ in loop_runs)
    bare_generated = median(steady(bare) for _, bare in generated_runs)
    bare_loop = median(steady(bare) for _, bare in loop_runs)
    return {
        "case": label,
        "batches": len(batches),
        "batch_size": training["batch_size"],
        "epochs": epochs,
        "repeats": repeats,
        "bare_s": bare_generated,
        "generated_s": generated,
        "overhead": median(overheads(generated_runs)),
        "run_overheads": overheads(generated_runs),
        "loop_bare_s": bare_loop,
        "loop_s": loop,
        "loop_overhead": median(overheads(loop_runs)),
        "loop_run_overheads": overheads(loop_runs),
        "generated_runs": generated_runs,
        "loop_runs": loop_runs,
    }


def run(quick: bool = False) -> Result:
    set_threads(DEFAULT_THREADS)
    images = 300 if quick else 60_000
    figures = []
    with tempfile.TemporaryDirectory(prefix="bench-overhead-") as folder:
        work = Path(folder)
        (_, cute, no_data), (_, house, house_data) = tabular_cases(work, quick)
        test = 100 if quick else 10_000
        mnist = write_mnist(work / "mnist", "MNIST", train=images, test=test)
        fashion = write_mnist(work / "fashion", "FashionMNIST", train=images, test=test)
        cases = [
            ("cute-dl MLP", cute, no_data, 10, 40, TABULAR_AIM),
            ("house-prices MLP", house, house_data, 10, 40, TABULAR_AIM),
            ("LeNet + BatchNorm (MNIST)", lenet_spec(), mnist, 3, 3, IMAGES_AIM),
            ("d2l MLP (Fashion-MNIST)", mlp_spec(), fashion, 3, 3, IMAGES_AIM),
        ]
        for k, (label, spec, data_dir, epochs, repeats, aim) in enumerate(cases):
            if quick:
                epochs, repeats = 2, 1
            arguments = (label, spec, data_dir, work / f"case{k}", epochs, repeats)
            # a fresh process for each model, as train.py runs; smoke-sized runs share this one
            figure = measure(*arguments) if quick else in_own_process(measure, *arguments)
            figures.append({**figure, "aim": aim})
    rows = [
        [
            f["case"],
            f["batches"],
            f["batch_size"],
            f"{f['bare_s'] * 1000:.1f}",
            f"{f['generated_s'] * 1000:.1f}",
            f"{f['overhead'] * 100:+.1f}%",
            f"+{f['aim']:.0%}: {'yes' if f['overhead'] <= f['aim'] else 'no'}",
            middle(f["run_overheads"]),
            f"{f['loop_s'] * 1000:.1f}",
            f"{f['loop_overhead'] * 100:+.1f}%",
            middle(f["loop_run_overheads"]),
        ]
        for f in figures
    ]
    return Result(
        name="overhead",
        title="Overhead: generated training pass vs. bare forward + backward + step",
        headers=[
            "model",
            "batches/epoch",
            "batch",
            "bare ms/epoch",
            "generated ms/epoch",
            "overhead",
            "within the aim",
            "runs' middle half",
            "loop alone ms/epoch",
            "loop alone overhead",
            "loop runs' middle half",
        ],
        rows=rows,
        notes=[
            "Median over runs of each run's median epoch (first epoch left out) against its "
            "own bare epochs, timed one after each of its epochs; the tabular models run "
            f"{figures[0]['epochs']} epochs x {figures[0]['repeats']} runs, the image models "
            f"{figures[-1]['epochs']} epochs x {figures[-1]['repeats']} runs on {images:,} "
            "MNIST-size images. Middle half: the runs' quartiles.",
            "Bare: batches sliced and normalised before timing, fixed order, nothing but "
            "zero_grad/forward/loss/backward/step. Generated: the script's train_one_epoch, "
            "which also shuffles, gathers each batch and normalises uint8 images.",
            "Loop alone: the generated train_batches + train_one_epoch, epoch after epoch, "
            "without the script's validation, history.json and printing between epochs.",
        ],
        data={"cases": figures},
    )
