"""Helpers of the code generator tests: generated projects on disk, imported modules."""

from __future__ import annotations

import importlib.util
import itertools
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

_counter = itertools.count()


def write_project(files: dict[str, str], folder: Path) -> Path:
    """Write the generated files into `folder` (created) and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def import_file(path: Path) -> ModuleType:
    """Import one generated file under a unique module name, without touching sys.path."""
    name = f"_torchcanvas_generated_{path.stem}_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module


def build_generated_model(files: dict[str, str], folder: Path) -> Any:
    """Write a generated project into `folder` and build its model (model.build_model())."""
    write_project(files, folder)
    return import_file(folder / "model.py").build_model()


def resolve_pointer(document: Any, path: str) -> tuple[bool, Any]:
    """Follow a JSON pointer (RFC 6901); (found, value)."""
    if path == "":
        return True, document
    if not path.startswith("/"):
        return False, None
    current = document
    for raw in path[1:].split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(current, dict):
            if token not in current:
                return False, None
            current = current[token]
        elif isinstance(current, list):
            if not token.isdigit() or (token != "0" and token.startswith("0")):
                return False, None
            index = int(token)
            if index >= len(current):
                return False, None
            current = current[index]
        else:
            return False, None
    return True, current


def parent_pointer(path: str) -> str:
    return path.rsplit("/", 1)[0] if path else ""
