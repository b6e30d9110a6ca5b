"""A non-editable `pip install .` into a fresh venv works, templates and examples included."""

from __future__ import annotations

import json
import subprocess
import sys
import venv

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    env_dir = tmp_path_factory.mktemp("fresh-venv")
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    # --no-compile: the tests import a small part of what is installed; Python compiles that
    subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--no-compile", str(ROOT)],
        check=True,
        capture_output=True,
        cwd=env_dir,
    )
    return env_dir


def test_installed_package_is_not_the_checkout(installed):
    python = installed / "bin" / "python"
    where = subprocess.run(
        [python, "-c", "import codegen, builder; print(codegen.__file__, builder.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        cwd=installed,
    ).stdout
    assert str(ROOT) not in where
    assert "site-packages" in where


def test_installed_cli_generates_a_project(installed, tmp_path):
    cli = installed / "bin" / "torchcanvas"
    listing = subprocess.run([cli, "examples"], capture_output=True, text=True, cwd=tmp_path)
    assert listing.returncode == 0, listing.stderr
    assert "lenet-batchnorm" in listing.stdout
    spec = tmp_path / "spec.json"
    spec.write_text((ROOT / "examples" / "digits-mlp.json").read_text())
    run = subprocess.run(
        [cli, "generate", str(spec), "-o", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    files = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"model.py", "train.py", "data.py", "README.md", "requirements.txt"} <= files
    assert json.loads((tmp_path / "out" / "spec.json").read_text())["name"] == "Digits MLP"
    # the generated model builds with the test environment's torch
    probe = (
        "from model import build_model; print(sum(p.numel() for p in build_model().parameters()))"
    )
    count = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path / "out"
    )
    assert count.stdout.strip() == "9610", count.stderr


def test_installed_app_serves_its_pages_and_stylesheets(installed, tmp_path):
    """The page templates and stylesheets ship inside the package."""
    probe = (
        "import os, sys\n"
        "from builder import create_app\n"
        "client = create_app().test_client()\n"
        "for url in sys.argv[1:]:\n"
        "    response = client.get(url)\n"
        "    print(url, response.status_code, response.mimetype)\n"
    )
    urls = [
        "/gallery",
        "/pages/pages.css",
        "/api/docs",
        "/static/api-docs.css",
        "/api/openapi.json",
    ]
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}", "PATH": "/usr/bin:/bin"}
    upgrade = [installed / "bin" / "torchcanvas", "db", "upgrade"]  # the migrations ship too
    subprocess.run(upgrade, capture_output=True, check=True, cwd=tmp_path, env=env)
    run = subprocess.run(
        [installed / "bin" / "python", "-c", probe, *urls],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert run.returncode == 0, run.stderr
    statuses = {line.split()[0]: line.split()[1:] for line in run.stdout.splitlines()}
    assert all(statuses[url][0] == "200" for url in urls), statuses
    assert statuses["/pages/pages.css"][1] == "text/css"
