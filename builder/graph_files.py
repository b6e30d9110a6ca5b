"""The graph picture as a file to download: the model page's SVG, and a PNG of it.

    GET  /m/<id>/graph.svg          a saved model's graph (as drawn on its page)
    GET  /m/<id>/graph.png          the same, rasterised at twice its size on a white ground
    POST /api/graph?format=svg|png  the graph of the spec in the body (the editor's model,
                                    saved or not)

The SVG comes from graph_picture (our own markup: every user string escaped, no scripts,
no external references). The PNG is drawn by resvg (resvg-py, a self-contained Rust
renderer that reads no files and fetches nothing) within a pixel budget: a picture larger
than `PNG_MAX_SIDE` or `PNG_MAX_PIXELS` is scaled down to fit. Graphs beyond the model
page's drawing limits (gallery.DRAW_MAX_NODES, DRAW_MAX_EDGES) get 422, as do bodies that
are not a spec. Both are CPU work: drawn in a slot and charged to the client's work budget.
"""

from __future__ import annotations

import math
import re
from typing import Any, Literal

import resvg_py
from flask import Blueprint, Response, request

from codegen.analysis import Analysis
from codegen.names import slug

from .api import checked, read_json
from .errors import error_response
from .gallery import (
    DRAW_MAX_EDGES,
    DRAW_MAX_NODES,
    PageError,
    graph_sizes,
    page_error,
    project,
    saved_model,
)
from .graph_picture import canvas_svg
from .limits import work
from .workload import heavy

bp = Blueprint("graph_files", __name__)
bp.register_error_handler(PageError, page_error)  # /m/<id>/...: HTML error pages

Format = Literal["svg", "png"]
PNG_SCALE = 2.0  # pixels per SVG unit (1 unit = 1 CSS pixel on the page)
PNG_MAX_SIDE = 8192
PNG_MAX_PIXELS = 16_000_000
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"
_SIZE = re.compile(r'<svg [^>]*?width="([0-9.]+)" height="([0-9.]+)"')


def png_zoom(width: float, height: float) -> float:
    """PNG_SCALE, or less when the picture would pass the side or pixel limit."""
    width, height = max(width, 1.0), max(height, 1.0)
    zoom = min(
        PNG_SCALE,
        PNG_MAX_SIDE / width,
        PNG_MAX_SIDE / height,
        math.sqrt(PNG_MAX_PIXELS / (width * height)),
    )
    # the renderer rounds the size up to whole pixels
    while math.ceil(width * zoom) * math.ceil(height * zoom) > PNG_MAX_PIXELS:
        zoom *= 0.999
    return zoom


def svg_to_png(svg: str) -> bytes:
    """The SVG drawn by resvg on white, within the pixel budget."""
    size = _SIZE.match(svg)
    width, height = (float(size[1]), float(size[2])) if size else (1.0, 1.0)
    zoom = png_zoom(width, height)
    return bytes(resvg_py.svg_to_bytes(svg_string=svg, background="white", zoom=zoom))


def too_big(data: Any) -> str | None:
    """Why the graph is not drawn (too many nodes or edges), or None."""
    sizes = graph_sizes(data)
    if sizes["nodes"] > DRAW_MAX_NODES or sizes["edges"] > DRAW_MAX_EDGES:
        return (
            f"the graph has {sizes['nodes']} nodes and {sizes['edges']} edges; pictures are "
            f"drawn up to {DRAW_MAX_NODES} nodes and {DRAW_MAX_EDGES} edges"
        )
    return None


def picture(data: Any, analysis: Analysis | None, name: str, kind: Format) -> bytes:
    """The graph of `data` as SVG or PNG bytes (pure: runs in a CPU slot)."""
    svg = str(canvas_svg(data, analysis, f"Graph of {name}"))
    return svg.encode("utf-8") if kind == "svg" else svg_to_png(svg)


def file_response(content: bytes, kind: Format, name: str) -> Response:
    response = Response(content, mimetype="image/svg+xml" if kind == "svg" else "image/png")
    filename = f"{slug(name)}-graph.{kind}"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    if kind == "svg":
        response.headers["Content-Security-Policy"] = SVG_CSP
    return response


@bp.get("/m/<model_id>/graph.<any(svg, png):kind>")
@work
def saved_graph(model_id: str, kind: Format) -> Response:
    model = saved_model(model_id)
    built = project(model.spec)
    reason = too_big(built.data)
    if reason is not None:
        raise PageError(422, "This graph is too big to draw", reason.capitalize() + ".")
    content = heavy(picture, built.data, built.analysis, model.name, kind)
    return file_response(content, kind, model.name)


@bp.post("/api/graph")
@work
def spec_graph() -> Response:
    kind = request.args.get("format", "svg")
    if kind not in ("svg", "png"):
        return error_response(
            422, "format must be svg or png", "send ?format=svg or ?format=png", "?format"
        )
    data, _ = read_json()
    if not isinstance(data, dict) or not isinstance(data.get("nodes", []), list):
        return error_response(
            422, "the body is not a model spec", "send a spec object with a 'nodes' list"
        )
    reason = too_big(data)
    if reason is not None:
        return error_response(422, reason, "draw a smaller model", "/nodes")
    analysis = checked(data)  # shapes and parameter counts when the spec is valid
    name = str(data.get("name") or "model")[:200]
    content = heavy(picture, data, analysis, name, kind)
    return file_response(content, kind, name)
