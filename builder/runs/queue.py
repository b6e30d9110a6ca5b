"""The job queue (Huey): SQLite in the instance folder by default, Redis when configured.

The web tier only enqueues; `torchcanvas worker` consumes. Both build the same `Queue`
from the same settings, so the task names (`train`, `check`, `predict`) agree. A job
carries only a run id (or a check id): everything else is read from the database, so a
job that is delivered twice, or again after its worker died, does no harm.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from huey import RedisHuey, SqliteHuey
from huey.api import Huey

QUEUE_FILE = "queue.db"
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def make_huey(url: str, instance: Path) -> Huey:
    """A Huey for `url` (redis://..., or empty for the SQLite file in the instance folder)."""
    if url.startswith(REDIS_SCHEMES):
        return RedisHuey("torchcanvas", url=url, results=True)
    if url and not url.startswith("sqlite:///"):
        raise ValueError(
            f"TORCHCANVAS_QUEUE_URL {url!r}: use redis://host:port/db or sqlite:///path.db"
        )
    path = Path(url.removeprefix("sqlite:///")) if url else instance / QUEUE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("torchcanvas", filename=str(path), results=True)


def describe(url: str) -> str:
    """The queue for messages, without a password."""
    if url.startswith(REDIS_SCHEMES):
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    return url or "SQLite in the instance folder"


class Queue:
    """The tasks of one Huey instance. Calling a task enqueues it and returns a Result."""

    def __init__(self, huey: Huey) -> None:
        from . import jobs  # worker-side code; torch-free, imported lazily by name only

        self.huey = huey
        self.train: Callable[..., Any] = huey.task(name="train")(jobs.train)
        self.check: Callable[..., Any] = huey.task(name="check")(jobs.check)
        self.predict: Callable[..., Any] = huey.task(name="predict")(jobs.predict)

    def pending(self) -> int:
        return int(self.huey.pending_count())
