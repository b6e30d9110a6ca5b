"""In-app runs: the same training in the app and by hand, the time from "Run" to the
first progress event, and other requests while 50 event streams are open.

- **in-app against by hand**: the digits MLP trained by `POST /api/runs` (client's wall
  time from the POST to `succeeded`: queue, project generation, sandbox, train.py and
  recording included) against the downloaded project's `python train.py` (wall time of
  the process) on the same data and epochs, alternating, median of the repeats;
- **first progress**: from the POST to the first `progress` event of the run's stream
  (the worker's `starting`: what the editor shows first), on the embedded SQLite queue
  with an idle worker waiting; and to train.py's own first event, against the same
  train.py by hand from its start to its first line (both wait for `import torch` and
  the data);
- **open streams**: wrk's p50 of `GET /api/models/<id>` against `torchcanvas serve
  --workers 2` (the production server), alone and with 50 event streams open on a run.

Run: `python -m benchmarks.run --only runs` (add `--quick` for a smoke-sized run).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks.common import Result, load_example, median, ratio, write_project
from benchmarks.http import free_port, wrk

STREAMS = 50
AIMS = {"speed": 0.95, "first_progress_s": 2.0, "p50_growth": 0.20}
HAND_ENV = {**os.environ, "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1"}


def digits(epochs: int, batch_size: int = 8) -> dict[str, Any]:
    spec = load_example("digits-mlp")
    spec["training"].update(epochs=epochs, batch_size=batch_size)
    return spec


class Stack:
    """`torchcanvas serve` (and, when asked, a worker) on a fresh instance folder."""

    def __init__(self, folder: Path, *serve_args: str, worker: bool = True) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.env = {
            **os.environ,
            "TORCHCANVAS_INSTANCE_PATH": str(folder / "instance"),
            "DATABASE_URL": f"sqlite:///{folder / 'store.db'}",
            "TORCHCANVAS_RATELIMIT_ENABLED": "false",
            "TORCHCANVAS_RUNS_PER_CLIENT": "1000",
        }
        self.env.pop("TORCHCANVAS_QUEUE_URL", None)
        port = free_port()
        self.base = f"http://127.0.0.1:{port}"
        self.processes = [self._start("serve", "--port", str(port), *serve_args)]
        self._wait_healthy()
        if worker:
            self.processes.append(self._start("worker", "--no-migrate"))

    def _start(self, *args: str) -> subprocess.Popen[bytes]:
        log = (self.folder / f"{args[0]}.log").open("ab")
        command = [sys.executable, "-m", "builder.cli", *args]
        return subprocess.Popen(command, env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{self.base}/api/health", timeout=1),
            ):
                return
            time.sleep(0.2)
        raise RuntimeError("the server did not start:\n" + (self.folder / "serve.log").read_text())

    def post(self, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else b""
        request = urllib.request.Request(self.base + path, data=data, method="POST",
                                         headers={"Content-Type": "application/json"})  # fmt: skip
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.base + path, timeout=60) as response:
            return json.loads(response.read())

    def events(self, run_id: str) -> Iterator[tuple[float, str, dict[str, Any]]]:
        """(time, event, data) of the run's stream, as the editor follows it, to the end."""
        url = f"{self.base}/api/runs/{run_id}/events"
        with urllib.request.urlopen(url, timeout=600) as stream:
            kind = ""
            for raw in stream:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    kind = line[len("event: ") :]
                elif line.startswith("data: "):
                    yield time.perf_counter(), kind, json.loads(line[len("data: ") :])
                    if kind == "end":
                        return

    def wait(self, run_id: str) -> dict[str, Any]:
        for _, kind, data in self.events(run_id):
            if kind == "end" and data["status"] != "succeeded":
                raise RuntimeError(f"run {run_id} {data['status']}: {data['error']}")
        return dict(self.get(f"/api/runs/{run_id}"))

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


@contextlib.contextmanager
def stack(folder: Path, *serve_args: str, worker: bool = True) -> Iterator[Stack]:
    running = Stack(folder, *serve_args, worker=worker)
    try:
        yield running
    finally:
        running.stop()


def by_hand(spec: dict[str, Any], folder: Path) -> tuple[float, float]:
    """Wall seconds of the downloaded project's `python train.py`, and of its epochs."""
    project = write_project(spec, folder / "project")
    started = time.perf_counter()
    subprocess.run([sys.executable, "train.py", "--out", str(folder / "out")], cwd=project,
                   env=HAND_ENV, check=True, capture_output=True)  # fmt: skip
    wall = time.perf_counter() - started
    return wall, epoch_seconds(json.loads((folder / "out" / "history.json").read_text()))


def first_line_by_hand(spec: dict[str, Any], folder: Path) -> float:
    """Seconds from starting `python train.py` to its first line (the parameters and the
    samples: torch imported, the data loaded, the model built)."""
    project = write_project(spec, folder / "project")
    started = time.perf_counter()
    command = [sys.executable, "train.py", "--out", str(folder / "out")]
    with subprocess.Popen(command, cwd=project, env=HAND_ENV, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL) as process:  # fmt: skip
        assert process.stdout is not None
        process.stdout.readline()
        first = time.perf_counter() - started
        process.kill()  # the rest of the run is not measured
    return first


def epoch_seconds(history: list[dict[str, Any]]) -> float:
    """The run's own time in its epochs (training and validation), from its history."""
    return sum(row["seconds"] for row in history)


def cpu_seconds(pid: int) -> float:
    """CPU seconds a process has used itself (not its children: train.py's are not counted)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def in_app(app: Stack, spec: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    run = app.wait(app.post("/api/runs", {"spec": spec})["id"])
    return time.perf_counter() - started, run


def first_progress(app: Stack, spec: dict[str, Any]) -> tuple[float, float]:
    """Seconds from the POST to the first `progress` event of the run's stream (the worker
    has taken the run: "starting"), and to the first from train.py ("training")."""
    started = time.perf_counter()
    run_id = app.post("/api/runs", {"spec": spec})["id"]
    seen: dict[str, float] = {}
    for at, kind, data in app.events(run_id):
        if kind == "progress":
            seen.setdefault(data.get("stage", "training"), at - started)
    return seen["starting"], seen["training"]


def in_app_against_by_hand(
    app: Stack, spec: dict[str, Any], folder: Path, repeats: int
) -> dict[str, list[float]]:
    """The same runs both ways, alternating: wall and epoch seconds, and the CPU seconds the
    server and the worker spent themselves (recording, streaming) on each in-app run."""
    names = ("hand_s", "hand_epochs_s", "in_app_s", "in_app_epochs_s", "in_app_cpu_s")
    figures: dict[str, list[float]] = {name: [] for name in names}
    for repeat in range(repeats):
        wall, epochs = by_hand(spec, folder / f"hand{repeat}")
        figures["hand_s"].append(wall)
        figures["hand_epochs_s"].append(epochs)
        cpu_before = sum(cpu_seconds(p.pid) for p in app.processes)
        wall, run = in_app(app, spec)
        figures["in_app_cpu_s"].append(sum(cpu_seconds(p.pid) for p in app.processes) - cpu_before)
        figures["in_app_s"].append(wall)
        figures["in_app_epochs_s"].append(epoch_seconds(run["history"]))
    return figures


def first_events(app: Stack, spec: dict[str, Any], folder: Path, repeats: int) -> dict[str, Any]:
    """POST to the first progress event and to train.py's, against train.py's first line by
    hand (the same spec), alternating."""
    names = ("first_progress_s", "first_training_progress_s", "hand_first_line_s")
    figures: dict[str, list[float]] = {name: [] for name in names}
    for repeat in range(repeats):
        first, training = first_progress(app, spec)
        figures["first_progress_s"].append(first)
        figures["first_training_progress_s"].append(training)
        figures["hand_first_line_s"].append(first_line_by_hand(spec, folder / f"first{repeat}"))
    return figures


def open_streams(base: str, run_id: str, count: int, stop: threading.Event) -> list[int]:
    """`count` event streams held open on one run until `stop`; returns bytes read by each."""
    received = [0] * count
    opened = threading.Barrier(count + 1)

    def hold(index: int) -> None:
        with urllib.request.urlopen(f"{base}/api/runs/{run_id}/events", timeout=60) as stream:
            opened.wait()
            while not stop.is_set():
                received[index] += len(stream.readline())

    for index in range(count):
        threading.Thread(target=hold, args=(index,), daemon=True).start()
    opened.wait(timeout=60)
    return received


def run(quick: bool = False) -> Result:
    repeats, epochs, wrk_seconds = (1, 1, 2) if quick else (3, 60, 10)
    first_epochs = 1 if quick else 2
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with stack(folder / "dev") as app:
            if not quick:
                in_app(app, digits(1))  # a warm worker, as a user meets it after a first run
            runs = in_app_against_by_hand(app, digits(epochs), folder, repeats)
            firsts = first_events(app, digits(first_epochs), folder, 1 if quick else 5)

        with stack(folder / "production", "--workers", "2", worker=False) as app:
            saved = app.post("/api/models", load_example("lenet-batchnorm"))
            queued = app.post("/api/runs", {"spec": digits(1)})["id"]  # no worker: it waits
            url = f"{app.base}/api/models/{saved['id']}"
            alone = wrk(url, wrk_seconds, 4)
            stop = threading.Event()
            received = open_streams(app.base, queued, STREAMS, stop)
            beside = wrk(url, wrk_seconds, 4)
            stop.set()

    hand, app_time = median(runs["hand_s"]), median(runs["in_app_s"])
    first = median(firsts["first_progress_s"])
    training = median(firsts["first_training_progress_s"])
    hand_first = median(firsts["hand_first_line_s"])
    growth = beside.p50_ms / alone.p50_ms - 1
    rows = [
        ["digits MLP, in the app / by hand", f"{app_time:.2f} s / {hand:.2f} s",
         ratio(hand, app_time), f">= {AIMS['speed']}x"],
        ["the same runs' epochs (history.json seconds), in the app / by hand",
         f"{median(runs['in_app_epochs_s']):.2f} s / {median(runs['hand_epochs_s']):.2f} s",
         ratio(median(runs["hand_epochs_s"]), median(runs["in_app_epochs_s"])), ""],
        ["CPU of the server and the worker themselves during an in-app run",
         f"{median(runs['in_app_cpu_s']):.2f} s", "", ""],
        ["POST /api/runs to the first progress event (the worker's `starting`)",
         f"{first:.2f} s", "", f"< {AIMS['first_progress_s']:g} s"],
        ["POST /api/runs to train.py's first progress event / train.py by hand to its "
         "first line", f"{training:.2f} s / {hand_first:.2f} s", "", ""],
        [f"p50 of GET /api/models/<id>, alone / with {STREAMS} open streams",
         f"{alone.p50_ms:.2f} ms / {beside.p50_ms:.2f} ms", f"{growth:+.0%}",
         f"<= +{AIMS['p50_growth']:.0%}"],
    ]  # fmt: skip
    notes = [
        f"{epochs} epochs of the digits MLP (batch 8, {repeats} repeats each, alternating); "
        "the in-app time is the client's, from the POST to `succeeded`",
        f"first progress: median of {len(firsts['first_progress_s'])} runs of {first_epochs} "
        "epochs on the SQLite queue, an idle worker. The first event is the worker's "
        "(`starting`, shown in the editor at once); train.py's own first event waits, as by "
        "hand, for a fresh Python to import torch and scikit-learn and load the data",
        f"streams: `torchcanvas serve --workers 2` (gevent), wrk 4 connections for "
        f"{wrk_seconds} s; the streams poll a queued run (no worker) and got heartbeats "
        f"({min(received)} bytes or more each)",
    ]
    data = {
        **runs, **firsts, "speed": hand / app_time,
        "alone": vars(alone), "with_streams": vars(beside), "p50_growth": growth,
        "streams": STREAMS, "aims": AIMS,
    }  # fmt: skip
    return Result("runs", "In-app runs", ["what", "measured", "ratio", "aim"], rows, notes, data)
