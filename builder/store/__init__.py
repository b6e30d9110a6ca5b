"""The store of saved models: SQLAlchemy 2 on SQLite (default) or PostgreSQL.

`init_app(app)` records which database the app uses; `get_store()` opens it on first
use in each process (after a fork, so gunicorn workers never share connections).
The schema is created and migrated by Alembic: `torchcanvas db upgrade`, or
`torchcanvas serve`, which upgrades before it serves.
"""

from __future__ import annotations

import threading

from flask import Flask, current_app

from .db import make_engine, normalize_url, redacted, resolve_url
from .repo import Conflict, Forbidden, NotFound, SpecContent, Store, StoreError
from .tables import Revision, SavedModel

EXTENSION = "torchcanvas.store"
_lock = threading.Lock()

__all__ = [
    "Conflict",
    "Forbidden",
    "NotFound",
    "Revision",
    "SavedModel",
    "SpecContent",
    "Store",
    "StoreError",
    "database_url",
    "get_store",
    "init_app",
    "normalize_url",
    "redacted",
    "upgrade_app",
]


def database_url(app: Flask) -> str:
    """The app's database: config `DATABASE_URL`, the environment's, or the SQLite default."""
    return resolve_url(app.config.get("DATABASE_URL"), app.instance_path)


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = None


def get_store(app: Flask | None = None) -> Store:
    """The app's store, connected on first use."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    store = app.extensions.get(EXTENSION)
    if store is None:
        with _lock:
            store = app.extensions.get(EXTENSION)
            if store is None:
                store = Store(
                    make_engine(database_url(app)), int(app.config.get("MAX_REVISIONS") or 0)
                )
                app.extensions[EXTENSION] = store
    return store


def upgrade_app(app: Flask) -> str:
    """Migrate the app's database to the newest schema; returns its (redacted) URL."""
    from .migrate import upgrade

    url = database_url(app)
    upgrade(url)
    return redacted(url)
