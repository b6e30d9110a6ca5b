"""Alembic migrations: they build exactly the ORM tables, go down and up, and ship."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from builder.cli import main
from builder.store.db import make_engine
from builder.store.migrate import current, head, upgrade
from builder.store.tables import Base
from tests.conftest import ROOT


def test_migrations_match_the_orm_tables(database_url):
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()
    assert current(database_url) == head()


def test_downgrade_and_upgrade_again(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url)
    from alembic import command

    from builder.store.migrate import alembic_config

    command.downgrade(alembic_config(url), "base")
    engine = make_engine(url)
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    engine.dispose()
    upgrade(url)
    upgrade(url)  # idempotent
    assert current(url) == head()


def test_cli_db_upgrade_and_current(tmp_path, monkeypatch, capsys):
    db = tmp_path / "sub" / "cli.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    assert main(["db", "current"]) == 0
    assert "revision none" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    assert f"is at revision {head()}" in capsys.readouterr().out
    assert main(["db", "current"]) == 0
    assert f"revision {head()} (newest: {head()})" in capsys.readouterr().out
    assert db.exists()


def test_cli_reports_an_unreachable_database_in_one_line(monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", "postgresql://someone:secret@127.0.0.1:1/nothing")
    assert main(["db", "upgrade"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("torchcanvas: cannot migrate postgresql+psycopg://someone:***@")
    assert "secret" not in err and "Traceback" not in err


def test_default_database_is_in_the_instance_folder(monkeypatch, tmp_path):
    from builder import create_app
    from builder.store import database_url

    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"TESTING": True})
    app.instance_path = str(tmp_path / "instance")
    assert database_url(app) == f"sqlite:///{tmp_path / 'instance' / 'torchcanvas.db'}"
    assert (tmp_path / "instance").is_dir()


@pytest.mark.parametrize(
    "given, used",
    [
        ("postgresql://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        ("postgres://u@h:5433/db", "postgresql+psycopg://u@h:5433/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:////abs/path.db", "sqlite:////abs/path.db"),
    ],
)
def test_database_url_schemes(given, used):
    from builder.store import normalize_url

    assert normalize_url(given) == used


@pytest.mark.slow
def test_wheel_ships_the_migrations(tmp_path):
    # build from a copy: an in-tree build would share build/ with other tests
    source = tmp_path / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ["builder", "codegen", "templates", "examples"]:
        shutil.copytree(ROOT / folder, source / folder, ignore=ignore)
    for name in ["setup.py", "pyproject.toml", "README.md", "LICENSE"]:
        shutil.copy(ROOT / name, source / name)
    (source / "builder" / "migrations" / "__pycache__").mkdir()
    (source / "builder" / "migrations" / "__pycache__" / "env.cpython-311.pyc").touch()
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "-w", str(tmp_path), str(source)],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )  # fmt: skip
    wheel = next(tmp_path.glob("torchcanvas-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "builder/migrations/env.py" in names
    assert "builder/migrations/script.py.mako" in names
    assert "builder/migrations/versions/0001_initial.py" in names
    assert not any("__pycache__" in n for n in names)
