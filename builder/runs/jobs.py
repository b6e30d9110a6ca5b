"""What a worker does with a job: generate the project of a stored spec and run it.

`train(run_id)` claims the run, writes the project TorchCanvas generates from the run's
stored spec into the run folder (never code from a request), runs `train.py --progress
json` in the sandbox and records what it reports: batch progress, one row per epoch,
the final metrics, or the one-line reason it failed. `check` runs one batch (train.py
--check) and `predict` runs the project's predict.py on an input file; both return their
result through the queue.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from codegen.problems import SpecError
from codegen.render import generate

from . import sandbox
from .worker import WorkerContext, context

log = logging.getLogger("torchcanvas.worker")
PROGRESS_EVERY_S = 0.25  # at most this often a write of a run's epochs and progress
READ_CHUNK = 1 << 16
READ_PAUSE_S = 0.1  # a run's lines wait this long in the pipe (64 KiB), then are read together
CHECK_TIMEOUT_S = 60
MEMORY_SIGNS = (
    "MemoryError",
    "Cannot allocate memory",
    "can't allocate memory",
    "bad_alloc",
    "failed to map segment",  # a shared library did not fit in the address space
)


def run_folder(ctx: WorkerContext, run_id: str) -> Path:
    return ctx.settings.runs_dir / run_id


def write_project(spec_text: str, folder: Path) -> None:
    files = generate(json.loads(spec_text))
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")


def finite(value: Any) -> Any:
    """`value` with NaN and infinities replaced by None (they are not JSON)."""
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [finite(v) for v in value]
    return value


def data_dir(ctx: WorkerContext, upload_id: str | None, project: Path) -> Path:
    if upload_id:
        return ctx.settings.uploads_dir / upload_id / "data"
    if ctx.settings.data_dir is not None:
        return ctx.settings.data_dir
    return project / "data"


def limits(ctx: WorkerContext) -> sandbox.Limits:
    s = ctx.settings
    return sandbox.Limits(wall_s=s.timeout_s, cpu_s=s.cpu_s, memory_mb=s.memory_mb)


def failure_reason(returncode: int, stderr_tail: str, limit: sandbox.Limits) -> str:
    """The one line a person needs: which limit stopped the run, or train.py's reason."""
    if returncode == -signal.SIGXCPU:
        return (
            f"stopped: the run used its {limit.cpu_s} s of CPU time "
            "(the server's limit, TORCHCANVAS_RUN_CPU_SECONDS)"
        )
    if any(sign in stderr_tail for sign in MEMORY_SIGNS):
        return (
            f"stopped: the run needed more than its {limit.memory_mb} MiB of memory "
            "(the server's limit, TORCHCANVAS_RUN_MEMORY_MB)"
        )
    lines = [line.strip() for line in stderr_tail.splitlines() if line.strip()]
    if lines:
        return lines[-1][:500]
    if returncode < 0:
        return f"train.py was killed by {signal.Signals(-returncode).name}"
    return f"train.py exited with status {returncode}"


def tail(path: Path, size: int = 8192) -> str:
    try:
        with path.open("rb") as file:
            file.seek(max(0, path.stat().st_size - size))
            return file.read().decode("utf-8", "replace")
    except OSError:
        return ""


class Follower:
    """Reads a run's JSON lines and records what they say.

    Epochs and the latest batch progress are kept and written together, in one short
    transaction at most every PROGRESS_EVERY_S (train.py's first progress at once): a
    run of small epochs reports dozens a second, and every write takes CPU from the
    training beside it. The epochs of a worker killed meanwhile are not lost: the
    resumed run reports those of its checkpoint.
    """

    def __init__(self, ctx: WorkerContext, run_id: str | None, log_file: Any) -> None:
        self.ctx = ctx
        self.run_id = run_id
        self.log_file = log_file
        self.pending_epochs: list[dict[str, Any]] = []
        self.pending_progress: dict[str, Any] | None = None
        self.last_write = 0.0
        self.done: dict[str, Any] | None = None
        self.check: dict[str, Any] | None = None
        self.prediction: dict[str, Any] | None = None
        self.epochs = self.batches = 0

    def line(self, raw: bytes) -> None:
        text = raw.decode("utf-8", "replace").strip()
        if not text:
            return
        try:
            event = json.loads(text)
        except ValueError:
            event = None
        if not isinstance(event, dict) or "event" not in event:
            self.log_file.write(raw + b"\n")
            return
        kind = event.pop("event")
        if kind == "check":
            self.check = finite(event)
        elif kind == "prediction":
            self.prediction = finite(event)
        elif kind == "done":
            self.done = finite(event.get("metrics") or {})
        elif self.run_id is None:  # a check: nothing is recorded
            return
        elif kind == "resumed":
            # The epochs in the checkpoint: a worker killed mid-run may not have read the
            # last ones from the pipe before train.py saved them.
            self.pending_epochs += event.get("history") or []
        elif kind == "start":
            self.epochs = int(event.get("epochs") or 0)
            self.batches = int(event.get("batches") or 0)
            self.ctx.runs.epochs_total(self.run_id, self.ctx.name, self.epochs)
            self.pending_progress = self._progress(int(event.get("start_epoch") or 1))
            self.flush(force=True)
        elif kind == "batch":
            fields = {k: event.get(k) for k in ("epoch", "batch", "batches", "loss")}
            self.pending_progress = finite({"stage": "training", **fields})
        elif kind == "epoch":
            self.pending_epochs.append(event)
            epoch = int(event.get("epoch") or 0)
            if epoch < self.epochs:
                self.pending_progress = self._progress(epoch + 1)

    def _progress(self, epoch: int) -> dict[str, Any]:
        return {"stage": "training", "epoch": epoch, "batch": 0, "batches": self.batches}

    def flush(self, force: bool = False) -> None:
        """Write what is pending if PROGRESS_EVERY_S have passed since the last write."""
        now = time.monotonic()
        pending = self.pending_epochs or self.pending_progress
        if self.run_id and pending and (force or now - self.last_write >= PROGRESS_EVERY_S):
            self.ctx.runs.record(
                self.run_id, self.ctx.name, self.pending_epochs, self.pending_progress
            )
            self.pending_epochs, self.pending_progress = [], None
            self.last_write = now


def follow(
    ctx: WorkerContext, run_id: str, process: subprocess.Popen[bytes], follower: Follower,
    wall_s: float, lease: bool = True, pause_s: float = 0.0,
) -> tuple[str, int, int]:  # fmt: skip
    """Read the run's output until it ends; (outcome, return code, peak RSS in KiB).

    outcome is "exited", "cancelled", "timeout", "stopping" (the worker shuts down) or
    "lost" (another worker took the run over). After reading, the worker waits `pause_s`
    while lines gather in the pipe, instead of waking for each one beside a run that
    keeps every core busy.
    """
    assert process.stdout is not None
    fd = process.stdout.fileno()
    os.set_blocking(fd, False)
    selector = selectors.DefaultSelector()
    selector.register(fd, selectors.EVENT_READ)
    deadline = time.monotonic() + wall_s
    next_beat = time.monotonic() + ctx.settings.heartbeat_s
    buffer = b""
    outcome = "exited"
    try:
        while True:
            if selector.select(timeout=0.25):
                try:
                    chunk = os.read(fd, READ_CHUNK)
                except BlockingIOError:
                    chunk = b"?"
                if not chunk:
                    break
                if chunk != b"?":
                    buffer += chunk
                    *lines, buffer = buffer.split(b"\n")
                    for line in lines:
                        follower.line(line)
                    ctx.stop.wait(pause_s)
            follower.flush()
            now = time.monotonic()
            if lease and now >= next_beat:
                owned, cancel = ctx.runs.heartbeat(run_id, ctx.name)
                next_beat = now + ctx.settings.heartbeat_s
                if not owned or cancel:
                    outcome = "lost" if not owned else "cancelled"
                    break
            if now > deadline:
                outcome = "timeout"
                break
            if ctx.stop.is_set():
                outcome = "stopping"
                break
    finally:
        selector.close()
    if buffer:
        follower.line(buffer)
    follower.flush(force=True)
    if outcome != "exited":
        sandbox.kill_group(process)
    _, status, usage = os.wait4(process.pid, 0) if process.returncode is None else (0, 0, None)
    if usage is not None:
        process.returncode = os.waitstatus_to_exitcode(status)
    peak_kib = int(usage.ru_maxrss) if usage is not None else 0
    return outcome, int(process.returncode or 0), peak_kib


@contextlib.contextmanager
def launched(
    ctx: WorkerContext, script: str, args: list[str], cwd: Path, home: Path,
    limit: sandbox.Limits, log_path: Path,
) -> Iterator[tuple[subprocess.Popen[bytes], Any]]:  # fmt: skip
    """`python script args` in the sandbox, stderr to `log_path`, with a private temporary
    folder (short: multiprocessing puts its sockets there, and their paths are limited)."""
    tmp = Path(tempfile.mkdtemp(prefix="torchcanvas-"))
    try:
        with log_path.open("ab") as log:
            env = sandbox.scrubbed_env(home, ctx.settings.threads, tmp=tmp)
            process = sandbox.start(sandbox.python_command(script, *args), cwd, limit,
                                    stdout=subprocess.PIPE, stderr=log, env=env)  # fmt: skip
            yield process, log
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def train(run_id: str) -> None:
    """The `train` job: run train.py for a queued run (resuming if it has a checkpoint)."""
    ctx = context()
    run = ctx.runs.claim(run_id, ctx.name)
    if run is None:
        return  # cancelled while queued, or taken by another worker
    folder = run_folder(ctx, run_id)
    project, out = folder / "project", folder / "out"
    resume = (out / "checkpoint.pt").is_file()
    try:
        if not resume:
            shutil.rmtree(folder, ignore_errors=True)
            write_project(run.spec, project)
    except SpecError as error:
        first = error.problems[0] if error.problems else None
        reason = f"{first.path}: {first.message}" if first else "the spec is invalid"
        ctx.runs.finish(run_id, ctx.name, "failed", error=reason)
        return
    out.mkdir(parents=True, exist_ok=True)
    settings = run.settings or {}
    args = ["--out", str(out), "--data-dir", str(data_dir(ctx, run.upload_id, project))]
    args += ["--progress", "json", "--log-interval", str(ctx.settings.log_interval)]
    if ctx.settings.checkpoint_every_s is not None:
        args += ["--checkpoint-every", f"{ctx.settings.checkpoint_every_s:g}"]
    if settings.get("device"):
        args += ["--device", str(settings["device"])]
    if resume:
        args.append("--resume")
    limit = limits(ctx)
    log_path = folder / "train.log"
    with launched(ctx, "train.py", args, project, folder, limit, log_path) as (process, log):
        ctx.runs.started(run_id, ctx.name, process.pid)
        follower = Follower(ctx, run_id, log)
        outcome, code, _ = follow(ctx, run_id, process, follower, limit.wall_s,
                                  pause_s=READ_PAUSE_S)  # fmt: skip
    if outcome == "lost":
        return
    if outcome == "stopping":
        if ctx.runs.release(run_id, ctx.name):
            ctx.queue.train(run_id)  # the next worker resumes it from its checkpoint
        return
    if outcome == "cancelled":
        ctx.runs.finish(run_id, ctx.name, "cancelled", error="cancelled")
    elif outcome == "timeout":
        ctx.runs.finish(
            run_id, ctx.name, "failed",
            error=f"stopped: the run took longer than its {limit.wall_s:g} s "
            "(the server's limit, TORCHCANVAS_RUN_TIMEOUT)",
        )  # fmt: skip
    elif code == 0:
        metrics = follower.done or _read_json(out / "metrics.json") or {}
        ctx.runs.finish(run_id, ctx.name, "succeeded", metrics=finite(metrics))
    else:
        reason = failure_reason(code, tail(log_path), limit)
        ctx.runs.finish(run_id, ctx.name, "failed", error=reason)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def check(spec_text: str) -> dict[str, Any]:
    """The `check` job: one batch forward and backward (train.py --check) of a spec."""
    ctx = context()
    folder = ctx.settings.runs_dir / "checks" / os.urandom(8).hex()
    project = folder / "project"
    try:
        write_project(spec_text, project)
        limit = sandbox.Limits(
            wall_s=min(ctx.settings.timeout_s, CHECK_TIMEOUT_S),
            cpu_s=min(ctx.settings.cpu_s, 4 * CHECK_TIMEOUT_S),
            memory_mb=ctx.settings.memory_mb,
        )
        args = ["--check", "--progress", "json", "--out", str(folder / "out")]
        args += ["--data-dir", str(data_dir(ctx, None, project))]
        log_path = folder / "check.log"
        with launched(ctx, "train.py", args, project, folder, limit, log_path) as (process, log):
            follower = Follower(ctx, None, log)
            outcome, code, peak_kib = follow(ctx, "", process, follower, limit.wall_s, lease=False)
        if outcome == "timeout":
            return {"error": f"the check took longer than {limit.wall_s:g} s"}
        if code != 0 or follower.check is None:
            return {"error": failure_reason(code, tail(log_path), limit)}
        return {**follower.check, "peak_memory_mb": round(peak_kib / 1024, 1)}
    except SpecError as error:
        first = error.problems[0] if error.problems else None
        return {"error": f"{first.path}: {first.message}" if first else "the spec is invalid"}
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def predict(run_id: str, input_name: str) -> dict[str, Any]:
    """The `predict` job: the run's predict.py on one input file, as class probabilities."""
    ctx = context()
    folder = run_folder(ctx, run_id)
    project, out = folder / "project", folder / "out"
    inputs = folder / "inputs"
    limit = sandbox.Limits(wall_s=CHECK_TIMEOUT_S, cpu_s=4 * CHECK_TIMEOUT_S,
                           memory_mb=ctx.settings.memory_mb)  # fmt: skip
    args = ["--json", "--out", str(out), str(inputs / input_name)]
    run = ctx.runs.get(run_id)
    if run is not None and json.loads(run.spec)["training"]["dataset"]["kind"] == "csv":
        args += ["--data-dir", str(data_dir(ctx, run.upload_id, project))]
    log_path = inputs / f"{input_name}.log"
    try:
        with launched(ctx, "predict.py", args, project, inputs, limit, log_path) as (process, log):
            follower = Follower(ctx, None, log)
            outcome, code, _ = follow(ctx, "", process, follower, limit.wall_s, lease=False)
        if outcome == "timeout":
            return {"error": f"the prediction took longer than {limit.wall_s:g} s"}
        if code != 0 or follower.prediction is None:
            return {"error": failure_reason(code, tail(log_path), limit)}
        return follower.prediction
    finally:
        for path in inputs.glob(f"{input_name}*"):
            path.unlink(missing_ok=True)
