"""`torchcanvas worker`: a Huey consumer that runs the jobs, and the reaper.

Each worker process knows its app (database, settings) through `context()`. Besides the
consumer's threads, a reaper thread looks for running runs whose worker stopped renewing
its heartbeat (killed, or its machine gone) and queues them again: the next worker to
take one resumes it from its last checkpoint.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

from .repo import RunStore, stale_cutoff
from .settings import RunSettings

log = logging.getLogger("torchcanvas.worker")
MAX_ATTEMPTS = 5


@dataclass
class WorkerContext:
    app: Flask
    settings: RunSettings
    runs: RunStore
    queue: Any
    name: str
    stop: threading.Event = field(default_factory=threading.Event)


_context: WorkerContext | None = None


def bind(app: Flask) -> WorkerContext:
    """Make `app` the one this process's jobs work for."""
    from . import get_queue, get_runs, run_settings

    global _context
    _context = WorkerContext(
        app=app,
        settings=run_settings(app),
        runs=get_runs(app),
        queue=get_queue(app),
        name=f"{socket.gethostname()}:{os.getpid()}",
    )
    return _context


def context() -> WorkerContext:
    if _context is None:
        raise RuntimeError("jobs run in `torchcanvas worker`, which binds an app first")
    return _context


def reap(ctx: WorkerContext) -> list[str]:
    """Queue again the runs whose worker went silent; returns their ids."""
    cutoff = stale_cutoff(ctx.settings.stale_s)
    requeued = []
    for run_id in ctx.runs.stale(cutoff):
        if not ctx.runs.requeue_stale(run_id, cutoff):
            continue  # another reaper was first, or the worker came back
        run = ctx.runs.get(run_id)
        if run is not None and run.attempts >= MAX_ATTEMPTS:
            ctx.runs.fail_queued(
                run_id, f"its worker stopped {run.attempts} times; the run was given up"
            )
            continue
        log.warning("run %s: its worker went silent; queued again to resume", run_id)
        ctx.queue.train(run_id)
        requeued.append(run_id)
    return requeued


def _reaper(ctx: WorkerContext, stopped: threading.Event) -> None:
    interval = max(0.5, min(ctx.settings.stale_s / 3, 10.0))
    while not stopped.wait(interval):
        try:
            reap(ctx)
        except Exception:  # the database may be briefly away; try again next time
            log.exception("reaping stale runs failed")


def run_worker(app: Flask, concurrency: int = 1) -> None:
    """Consume jobs until SIGINT/SIGTERM (graceful: running runs go back to the queue)."""
    ctx = bind(app)
    consumer = ctx.queue.huey.create_consumer(
        workers=concurrency, worker_type="thread", periodic=False, initial_delay=0.05,
        max_delay=0.1, backoff=1.5,
    )  # fmt: skip
    ctx.stop = consumer.stop_flag
    reaper_stopped = threading.Event()
    reaper = threading.Thread(
        target=_reaper, args=(ctx, reaper_stopped), name="reaper", daemon=True
    )
    reap(ctx)
    reaper.start()
    try:
        consumer.run()
    finally:
        reaper_stopped.set()
