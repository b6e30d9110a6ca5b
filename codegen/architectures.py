"""Architectures to start from: torchvision's classification models, imported beforehand.

`scripts/import_architectures.py` imports each model that maps cleanly (`torchcanvas
import`) and writes its spec to `examples/architectures/`, with `index.json` listing them;
the server only reads those files, so no model code runs on it.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from .definitions import graph_size
from .resources import examples_dir

_NAME = re.compile(r"^[a-z0-9][a-z0-9_]{0,63}$")


def architectures_dir() -> Path:
    return examples_dir() / "architectures"


@cache
def list_architectures() -> tuple[dict[str, Any], ...]:
    """Each architecture's summary (name, title, description, parameters, definitions), with
    its blocks and edges counted as the server's limits count them."""
    index = architectures_dir() / "index.json"
    if not index.is_file():
        return ()
    found = []
    for entry in json.loads(index.read_text(encoding="utf-8")):
        path = architectures_dir() / f"{entry['name']}.json"
        if path.is_file():
            blocks, edges = graph_size(json.loads(path.read_text(encoding="utf-8")))
            found.append({**entry, "blocks": blocks, "edges": edges})
    return tuple(found)


def load_architecture(name: str) -> dict[str, Any] | None:
    """The spec of one architecture, or None if there is none of that name."""
    if not _NAME.match(name) or name not in {a["name"] for a in list_architectures()}:
        return None
    path = architectures_dir() / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
