"""Shared test helpers: paths and loading example specs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Modules with slow tests first (training runs, browsers, servers): with `-n 2` the many
    quick tests then fill the end, instead of one worker waiting while the other runs a long
    test collected last. Each module's tests stay together and in their order."""
    slow = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow)


def load_example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"{name}.json").read_text())


@pytest.fixture
def example():
    return load_example
