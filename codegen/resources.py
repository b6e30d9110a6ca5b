"""Where the files that ship beside the code live, in a checkout and when installed.

In a checkout `templates/`, `examples/` and `static/dist/` sit at the top level; a wheel
installs them inside the packages (see `[tool.setuptools.package-dir]` in pyproject).
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent


def _first_existing(*candidates: Path) -> Path:
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return candidates[-1]


def templates_dir() -> Path:
    """The folder holding `code/` (generated files) and `pages/` (Flask pages)."""
    return _first_existing(_PACKAGE / "templates", _CHECKOUT / "templates")


def examples_dir() -> Path:
    return _first_existing(_PACKAGE / "examples", _CHECKOUT / "examples")


def static_dist_dir() -> Path:
    """The built frontend (`npm run build` in static/)."""
    return _first_existing(
        _PACKAGE.parent / "builder" / "static_dist", _CHECKOUT / "static" / "dist"
    )
