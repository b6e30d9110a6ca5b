"""Bounded concurrency for CPU-heavy work: validating, generating, drawing a model's page.

Each server process runs at most `CPU_SLOTS` such jobs at once (default 1: with the
production server one per worker process, and `--workers` defaults to the number of
cores); up to `CPU_QUEUE` more wait for a slot, each at most `CPU_WAIT_SECONDS`. Past
that a request gets 503 with `Retry-After`. Cheap requests (health, reading a stored
model, the editor's files) never wait for a slot, so they always get served.

Under gevent (`torchcanvas serve --workers N`) a job runs in gevent's pool of native
threads, so the event loop goes on serving other connections while black formats code.
The CPU time of each job is added to `g.cpu_seconds`, which the cost-aware rate limit
charges to the client (limits.py).
"""

from __future__ import annotations

import math
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from flask import Flask, current_app, g
from werkzeug.exceptions import ServiceUnavailable

EXTENSION = "torchcanvas.workload"
DEFAULTS = {"CPU_SLOTS": 1, "CPU_QUEUE": 64, "CPU_WAIT_SECONDS": 10.0}

T = TypeVar("T")


class Busy(ServiceUnavailable):
    """Every slot is taken and the queue is full, or the wait ran out: 503 + Retry-After."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "the server is busy generating code for other requests", retry_after=retry_after
        )


class Slots:
    """A counting semaphore with a bounded queue in front of it."""

    def __init__(self, slots: int, queue: int, wait: float) -> None:
        # created in the serving process, after gevent patched `threading` (init_app)
        self.slots, self.queue, self.wait = slots, queue, wait
        self._free = threading.BoundedSemaphore(max(slots, 1))
        self._lock = threading.Lock()
        self.waiting = 0

    @property
    def retry_after(self) -> int:
        return max(1, math.ceil(self.wait / 2))

    @contextmanager
    def held(self) -> Iterator[None]:
        if self.slots <= 0:  # 0 switches the bound off
            yield
            return
        if not self._free.acquire(blocking=False):
            with self._lock:
                if self.waiting >= self.queue:
                    raise Busy(self.retry_after)
                self.waiting += 1
            try:
                acquired = self._free.acquire(timeout=self.wait)
            finally:
                with self._lock:
                    self.waiting -= 1
            if not acquired:
                raise Busy(self.retry_after)
        try:
            yield
        finally:
            self._free.release()


def init_app(app: Flask) -> None:
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.extensions[EXTENSION] = Slots(
        int(app.config["CPU_SLOTS"]),
        int(app.config["CPU_QUEUE"]),
        float(app.config["CPU_WAIT_SECONDS"]),
    )


def heavy(function: Callable[..., T], *args: Any) -> T:
    """`function(*args)` in a CPU slot (off the event loop under gevent); its CPU time
    is added to `g.cpu_seconds`. The function must not need the request context."""
    slots: Slots = current_app.extensions[EXTENSION]
    with slots.held():
        result, seconds = _run(function, args)
    g.cpu_seconds = g.get("cpu_seconds", 0.0) + seconds
    return result


def _run(function: Callable[..., T], args: tuple[Any, ...]) -> tuple[T, float]:
    def timed() -> tuple[T, float]:
        start = time.thread_time()
        value = function(*args)
        return value, time.thread_time() - start

    pool = _native_pool()
    return pool.apply(timed) if pool is not None else timed()


def _native_pool() -> Any:
    """gevent's native thread pool when gevent has patched this process, else None."""
    monkey = sys.modules.get("gevent.monkey")
    if monkey is None or not monkey.is_module_patched("threading"):
        return None
    import gevent

    return gevent.get_hub().threadpool
