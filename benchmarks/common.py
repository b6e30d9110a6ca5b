"""Helpers shared by the benchmarks: the machine, generated projects run in-process, tables."""

from __future__ import annotations

import contextlib
import importlib
import io
import itertools
import json
import multiprocessing
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
DEFAULT_THREADS = 2
"""torch intra-op threads for both sides of every comparison (the test machine has 2 cores)."""


def load_example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"{name}.json").read_text())


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, Any]:
    import torch

    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


def machine_line() -> str:
    info = machine()
    return (
        f"{info['cpu']}, {info['cores']} logical cores, Python {info['python']}, "
        f"torch {info['torch']}, {info['threads']} torch threads, "
        f"load average {info['load_average_1min']} at the start"
    )


def load_average() -> float:
    """1-minute load average: other processes on the machine skew every timing."""
    return round(os.getloadavg()[0], 2)


def set_threads(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)


T = TypeVar("T")


def in_own_process(function: Callable[..., T], *args: Any) -> T:
    """`function(*args)` in a fresh Python process, with DEFAULT_THREADS torch threads.

    A generated train.py runs in a process of its own; measured after another case's
    runs in the same process, a case's tensors land where that history left room, which
    moved its figures by a point or more. `function` and the arguments are pickled.
    """
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        1, mp_context=context, initializer=set_threads, initargs=(DEFAULT_THREADS,)
    ) as pool:
        return pool.submit(function, *args).result()


def write_project(spec: dict[str, Any], folder: Path) -> Path:
    from codegen.render import generate

    folder.mkdir(parents=True, exist_ok=True)
    for name, text in generate(spec).items():
        (folder / name).write_text(text)
    return folder


def load_project(folder: Path) -> SimpleNamespace:
    """Import the generated data.py, model.py and train.py of `folder` as modules.

    train.py does `from data import ...`, so the folder goes on sys.path while importing;
    afterwards the names `data`, `model` and `train` are taken out of sys.modules again so
    that several projects can be loaded side by side.
    """
    names = ("data", "model", "train")
    saved = {name: sys.modules.pop(name) for name in names if name in sys.modules}
    sys.path.insert(0, str(folder))
    importlib.invalidate_caches()
    try:
        modules = {name: importlib.import_module(name) for name in names}
    finally:
        sys.path.remove(str(folder))
        for name in names:
            sys.modules.pop(name, None)
        sys.modules.update(saved)
    return SimpleNamespace(**modules)


@dataclass
class ScriptRun:
    """What one in-process run of a generated train.py measured."""

    train_seconds: list[float]
    """Wall time of each call of the script's own train_one_epoch (training only)."""
    epoch_seconds: list[float]
    """Wall time from the start of one epoch's training to the next's: the whole epoch as the
    script runs it (training, validation, printing, checkpoint). One fewer than epochs."""
    history: list[dict[str, Any]]
    """The script's history.json: `seconds` there include the validation pass."""
    stdout: str


def run_script(
    project: SimpleNamespace,
    args: Sequence[str],
    out: Path,
    between: Callable[[], None] | None = None,
) -> ScriptRun:
    """Run the generated train.py's `main()` in this process with `args` as its command line.

    The script runs unchanged, except that its `train_one_epoch` is wrapped in a timer: that
    call covers the whole training part of an epoch (shuffling, batch slicing and
    normalisation happen lazily inside it, in the generator from data.train_batches).
    `between`, if given, runs after each timed training pass (a baseline timed epoch by
    epoch beside the script; it then counts in `epoch_seconds`).
    """
    train = project.train
    original = train.train_one_epoch
    seconds: list[float] = []
    starts: list[float] = []

    def timed(*args: Any, **kwargs: Any) -> float:
        start = time.perf_counter()
        starts.append(start)
        result = original(*args, **kwargs)
        seconds.append(time.perf_counter() - start)
        if between is not None:
            between()
        return result

    train.train_one_epoch = timed
    argv = sys.argv
    sys.argv = ["train.py", *args, "--out", str(out)]
    os.environ.setdefault("MPLBACKEND", "Agg")
    buffer = io.StringIO()
    try:
        with contextlib.redirect_stdout(buffer):
            train.main()
    finally:
        sys.argv = argv
        train.train_one_epoch = original
    history = json.loads((out / "history.json").read_text())
    epochs = [later - earlier for earlier, later in itertools.pairwise(starts)]
    return ScriptRun(seconds, epochs, history, buffer.getvalue())


def hand_written_epoch(loader: Iterable, model: Any, loss_fn: Any, optimizer: Any) -> float:
    """One epoch of the PyTorch tutorial's `train_loop` (also d2l's loop, without its plots)."""
    model.train()
    total, count = 0.0, 0
    for inputs, targets in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(targets)
        count += len(targets)
    return total / count


def timed_epochs(epochs: int, run_epoch: Callable[[], object]) -> list[float]:
    """Seconds of each of `epochs` calls of `run_epoch`."""
    seconds = []
    for _ in range(epochs):
        start = time.perf_counter()
        run_epoch()
        seconds.append(time.perf_counter() - start)
    return seconds


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A Markdown table (so that the README can take it as printed)."""
    text_rows = [[_cell(value) for value in row] for row in rows]
    widths = [
        max([len(header)] + [len(row[i]) for row in text_rows]) for i, header in enumerate(headers)
    ]

    def line(cells: Sequence[str]) -> str:
        return (
            "| "
            + " | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
            + " |"
        )

    divider = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([line(headers), divider, *(line(row) for row in text_rows)])


def _cell(value: object) -> str:
    if isinstance(value, float):
        if value >= 1000:
            return f"{value:,.0f}"
        if value >= 100:
            return f"{value:.0f}"
        if value >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}" if value >= 0.1 else f"{value:.3g}"
    return str(value)


def ratio(fast: float, slow: float) -> str:
    return f"{fast / slow:.2f}x"


def hand_written_eval(loader: Iterable, model: Any, loss_fn: Any) -> float:
    """The tutorial's `test_loop`: mean loss under `torch.no_grad()` in eval mode."""
    import torch

    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for inputs, targets in loader:
            total += loss_fn(model(inputs), targets).item() * len(targets)
            count += len(targets)
    return total / count


def hand_written_training(
    train_iter: Iterable, val_iter: Iterable, model: Any, loss_fn: Any, optimizer: Any, epochs: int
) -> dict[str, list[float]]:
    """The seeds' epochs (train loop, then test loop), timed: train pass and whole epoch."""
    train_seconds, epoch_seconds = [], []
    for _ in range(epochs):
        start = time.perf_counter()
        hand_written_epoch(train_iter, model, loss_fn, optimizer)
        middle = time.perf_counter()
        hand_written_eval(val_iter, model, loss_fn)
        train_seconds.append(middle - start)
        epoch_seconds.append(time.perf_counter() - start)
    return {"train": train_seconds, "epoch": epoch_seconds}


def steady(values: Sequence[float]) -> float:
    """Median of per-epoch timings without the first (warm-up) epoch when there are others."""
    return median(values[1:] if len(values) > 1 else values)


@dataclass
class Result:
    """What one benchmark module reports: a Markdown table plus the same figures as JSON."""

    name: str
    title: str
    headers: list[str]
    rows: list[list[Any]]
    notes: list[str]
    data: dict[str, Any]
    """JSON-able raw figures (medians, all repeats, settings)."""

    def markdown(self) -> str:
        parts = [f"### {self.title}", "", table(self.headers, self.rows)]
        if self.notes:
            parts += ["", *(f"- {note}" for note in self.notes)]
        return "\n".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "headers": self.headers,
            "rows": [[_jsonable(cell) for cell in row] for row in self.rows],
            "notes": self.notes,
            "data": self.data,
        }


def _jsonable(value: Any) -> Any:
    return value if isinstance(value, int | float | str | bool) or value is None else str(value)


def training_parts(spec: dict[str, Any], model: Any) -> tuple[Any, Any]:
    """The spec's loss and optimizer, built directly with torch (as a hand-written script would).

    Only the types and parameters the benchmark examples use; weight decay applies to all
    parameters, as in the generated code of these examples.
    """
    import torch
    from torch import nn

    training = spec.get("training", {})
    loss = training.get("loss", {})
    optimizer = training.get("optimizer", {})
    loss_fn = getattr(nn, loss.get("type", "MSELoss"))(**loss.get("params", {}))
    optimizer_class = getattr(torch.optim, optimizer.get("type", "Adam"))
    return loss_fn, optimizer_class(model.parameters(), **optimizer.get("params", {}))


def with_changes(spec: dict[str, Any], **training: Any) -> dict[str, Any]:
    """A deep copy of `spec` with fields of `training` replaced."""
    spec = json.loads(json.dumps(spec))
    spec.setdefault("training", {}).update(training)
    return spec
