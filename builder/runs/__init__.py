"""In-app runs: a job queue (Huey), workers that train generated projects, and their store.

    web tier (torch-free)                         worker (`torchcanvas worker`)
    POST /api/runs -> runs table + queue.train -> claim -> generate project -> train.py
    GET  /api/runs/<id>/events <- runs table  <-  JSON lines (progress, epochs, metrics)

Modules: `settings` (environment), `queue` (Huey tasks), `repo` (tables), `policy` (who
may run how much), `uploads` (data files), `jobs` and `worker` (worker side), `sandbox`
and `launch` (the limited subprocess). docs/runs.md is the guide.
"""

from __future__ import annotations

import threading

from flask import Flask, current_app

from ..store import get_store
from .queue import Queue, make_huey
from .repo import RunStore
from .settings import RunSettings

EXTENSION = "torchcanvas.runs"
_lock = threading.Lock()


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = {"settings": RunSettings.from_config(app.config, app.instance_path)}


def _app(app: Flask | None) -> Flask:
    return app or current_app._get_current_object()  # type: ignore[attr-defined]


def run_settings(app: Flask | None = None) -> RunSettings:
    settings: RunSettings = _app(app).extensions[EXTENSION]["settings"]
    return settings


def _lazy(app: Flask, key: str, make: object) -> object:
    state = app.extensions[EXTENSION]
    if key not in state:
        with _lock:
            if key not in state:
                state[key] = make()  # type: ignore[operator]
    return state[key]


def get_queue(app: Flask | None = None) -> Queue:
    """The app's queue, opened on first use (after a fork, in each gunicorn worker)."""
    app = _app(app)
    settings = run_settings(app)
    queue = _lazy(app, "queue", lambda: Queue(make_huey(settings.queue_url, settings.instance)))
    assert isinstance(queue, Queue)
    return queue


def get_runs(app: Flask | None = None) -> RunStore:
    app = _app(app)
    runs = _lazy(app, "runs", lambda: RunStore(get_store(app).engine))
    assert isinstance(runs, RunStore)
    return runs
