"""The store suite runs on SQLite and on PostgreSQL.

PostgreSQL needs `DATABASE_URL` (`scripts/with-postgres.sh CMD` starts a private server
and sets it; `make test` does this). Each test session gets its own PostgreSQL database,
so parallel workers never see each other's rows; without DATABASE_URL the PostgreSQL
variants skip, and the run ends with a warning saying so.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import create_engine, delete, text
from sqlalchemy.engine import make_url

from builder import create_app
from builder.store import Revision, SavedModel, get_store, normalize_url
from builder.store.migrate import upgrade
from tests.conftest import load_example

PG_SKIP = (
    "PostgreSQL store tests SKIPPED: DATABASE_URL is not set. Run them with "
    "`scripts/with-postgres.sh .venv/bin/python -m pytest tests/store` (or `make test`)."
)
TEST_CONFIG = {
    "TESTING": True,
    "MAX_BODY_BYTES": 200_000,
    "MAX_NODES": 50,
    "RATELIMIT_WRITES": "100000/minute",
    "RATELIMIT_WORK": "1000000/second",
}
_skipped_pg: list[str] = []


def pg_server_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "").strip()
    return normalize_url(url) if url.startswith(("postgres", "postgresql")) else None


@contextmanager
def private_pg_database(server: str) -> Iterator[str]:
    """A new, empty database on the server of `server` (a URL), dropped afterwards."""
    name = f"torchcanvas_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def require_pg() -> str:
    """The PostgreSQL server URL, or skip (loudly) without one."""
    server = pg_server_url()
    if server is None:
        _skipped_pg.append(PG_SKIP)
        pytest.skip(PG_SKIP)
    return server


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of its own on the PostgreSQL server of DATABASE_URL."""
    with private_pg_database(require_pg()) as url:
        yield url


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database of each kind."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'torchcanvas.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    upgrade(url)
    return url


@pytest.fixture
def app(database_url: str) -> Iterator[Any]:
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url})
    store = get_store(app)
    with store.engine.begin() as connection:
        connection.execute(delete(Revision))
        connection.execute(delete(SavedModel))
    yield app
    store.dispose()


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


def spec_text(example: str = "lenet-batchnorm", /, **changes: Any) -> str:
    """An example spec as pretty-printed JSON text, with some fields changed."""
    spec = load_example(example)
    spec.update(changes)
    return json.dumps(spec, indent=2, ensure_ascii=False) + "\n"


def tiny_spec(**changes: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "format": "torchcanvas.model",
        "version": 1,
        "name": "Tiny",
        "input": {"shape": [4]},
        "nodes": [{"id": "fc", "type": "Linear", "params": {"out_features": 2}}],
    }
    spec.update(changes)
    return spec


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _skipped_pg:
        terminalreporter.write_sep("!", "PostgreSQL NOT TESTED", red=True, bold=True)
        terminalreporter.write_line(PG_SKIP, red=True)
