"""HTML pages: the editor shell, with the built frontend's files from the Vite manifest."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from flask import Blueprint, Response, abort, render_template, send_from_directory

from codegen.resources import static_dist_dir

bp = Blueprint("pages", __name__)
ENTRY = "src/main.tsx"


@cache
def _manifest_entry(mtime: float) -> dict[str, Any] | None:
    path = static_dist_dir() / ".vite" / "manifest.json"
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return manifest.get(ENTRY)


def frontend_entry() -> dict[str, Any] | None:
    """The manifest entry of the editor (its JS and CSS files), or None if not built."""
    path = static_dist_dir() / ".vite" / "manifest.json"
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    return _manifest_entry(mtime)


@bp.get("/")
def editor() -> str | tuple[str, int]:
    entry = frontend_entry()
    if entry is None:
        return render_template("not_built.html"), 503
    return render_template("editor.html", script=entry["file"], styles=entry.get("css", []))


@bp.get("/static/dist/<path:filename>")
def dist(filename: str) -> Response:
    folder = static_dist_dir()
    if not folder.is_dir():
        abort(404)
    response = send_from_directory(
        folder, filename, max_age=31536000 if "assets/" in filename else 0
    )
    return response
