"""The example models shipped in `examples/` (the seed models among them)."""

from __future__ import annotations

import json
import re
from typing import Any

from .resources import examples_dir

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def list_examples() -> list[dict[str, Any]]:
    """Name, title and description of each example, sorted by name."""
    found = []
    for path in sorted(examples_dir().glob("*.json")):
        spec = json.loads(path.read_text(encoding="utf-8"))
        found.append(
            {
                "name": path.stem,
                "title": spec.get("name", path.stem),
                "description": spec.get("description", ""),
                "tags": spec.get("tags", []),
            }
        )
    return found


def load_example(name: str) -> dict[str, Any] | None:
    """The spec of one example, or None if there is no such example."""
    if not _NAME.match(name):
        return None
    path = examples_dir() / f"{name}.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))
