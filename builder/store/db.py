"""Which database to use and how to connect to it.

The default is a SQLite file in the app's instance folder (`instance/torchcanvas.db`);
`DATABASE_URL` selects any other database SQLAlchemy knows, e.g.
`postgresql+psycopg://user:password@host/dbname` or `sqlite:////absolute/path.db`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

DB_FILE = "torchcanvas.db"
SQLITE_BUSY_TIMEOUT_S = 30
# connections that will write start with BEGIN IMMEDIATE on SQLite (see _sqlite_events)
IMMEDIATE = "torchcanvas_immediate"


def normalize_url(url: str) -> str:
    """Map the bare PostgreSQL schemes (as Heroku and libpq write them) to psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def default_url(instance_path: str | os.PathLike[str]) -> str:
    """The SQLite file in the instance folder, created with its folder on first use."""
    folder = Path(instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / DB_FILE}"


def resolve_url(configured: str | None, instance_path: str | os.PathLike[str]) -> str:
    """The URL from the app config or `DATABASE_URL`, or the default SQLite file."""
    url = configured or os.environ.get("DATABASE_URL") or ""
    return normalize_url(url.strip()) if url.strip() else default_url(instance_path)


def redacted(url: str) -> str:
    """The URL without its password, for logs and messages."""
    return make_url(url).render_as_string(hide_password=True)


def make_engine(url: str, **options: Any) -> Engine:
    """An engine for `url`; SQLite gets WAL, a busy timeout and foreign keys."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        options.setdefault("connect_args", {"timeout": SQLITE_BUSY_TIMEOUT_S})
        engine = create_engine(url, **options)
        _sqlite_events(engine)
        return engine
    options.setdefault("pool_pre_ping", True)
    return create_engine(url, **options)


def _sqlite_events(engine: Engine) -> None:
    """Let SQLAlchemy, not pysqlite, emit BEGIN, so that writers can BEGIN IMMEDIATE.

    A deferred transaction that reads and then writes cannot wait for another process's
    write lock (SQLite reports "database is locked" at once); an immediate one waits up
    to the busy timeout. Readers keep plain BEGIN and run beside a writer (WAL).
    """

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get(IMMEDIATE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
