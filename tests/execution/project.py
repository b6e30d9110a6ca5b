"""Generate a project into a folder and run its train.py for real, in a process of its own
(forked from a Python with torch imported: tests/execution/preloaded.py)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codegen.render import generate
from tests.execution.preloaded import run_python


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    out: Path

    @property
    def history(self) -> list[dict[str, Any]]:
        return json.loads((self.out / "history.json").read_text())

    @property
    def metrics(self) -> dict[str, Any]:
        return json.loads((self.out / "metrics.json").read_text())


def write_project(spec: dict[str, Any], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in generate(spec).items():
        (folder / name).write_text(text)
    return folder


def run_train(folder: Path, *args: str, out: str = "run", timeout: int = 300) -> Run:
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTHONPATH", None)
    proc = run_python(["train.py", "--out", out, *args], folder, env, timeout)
    return Run(proc.returncode, proc.stdout, proc.stderr, folder / out)


def with_training(spec: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of `spec` with fields of `training` replaced."""
    spec = json.loads(json.dumps(spec))
    spec.setdefault("training", {}).update(changes)
    return spec
