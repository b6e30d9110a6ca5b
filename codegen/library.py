"""The built-in library of definitions: common blocks the editor's palette offers
(`examples/library/*.json`, served in `GET /api/catalog` as `library`).

Each file holds one definition under its name, with an input it fits and the instance
parameters for that input, so that it can be tried (and is tested) on its own. Dropping
one into a model copies its definition into the spec's `modules`.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from .resources import examples_dir


@cache
def library_entries() -> tuple[dict[str, Any], ...]:
    """The library's entries as JSON, sorted by name."""
    folder = examples_dir() / "library"
    return tuple(
        json.loads(path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.json"))
    )


def library_spec(entry: dict[str, Any]) -> dict[str, Any]:
    """A model of one instance of a library entry on its sample input (to try it)."""
    return {
        "format": "torchcanvas.model",
        "version": 1,
        "name": entry["title"],
        "input": entry["input"],
        "modules": {entry["name"]: entry["definition"]},
        "nodes": [{"id": "block", "type": entry["name"], "params": entry["params"]}],
    }
