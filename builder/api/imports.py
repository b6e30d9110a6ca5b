"""Starting from an existing model: the shipped architectures, and ONNX uploads.

`POST /api/import/onnx` parses the uploaded file with the `onnx` package (importers.onnx_import)
and never runs it; the architectures are specs imported beforehand (codegen.architectures).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from pydantic import Field

from codegen.analysis import analyze
from codegen.architectures import list_architectures, load_architecture

from ..errors import error_response, problems_response
from ..limits import work
from . import graph_limits
from .models import json_response
from .schemas import ErrorResponse, ModelSpec, Route, _Out

bp = Blueprint("imports_api", __name__)

MAX_ONNX_BYTES = 64 << 20
"""Default upload limit of an ONNX file (TORCHCANVAS_MAX_ONNX_BYTES)."""
ONNX_FORM = {"file": "an .onnx model file (parsed, never run)"}


class ArchitectureSummary(_Out):
    name: str = Field(description="GET /api/architectures/{name} gives its spec")
    title: str
    description: str
    params: int = Field(description="parameter count (as torchvision's model)")
    blocks: int = Field(description="blocks with every instance and repeat expanded")
    edges: int = Field(description="edges, counted the same way")
    definitions: int = Field(description="reusable block definitions in the spec")


class ArchitectureList(_Out):
    """`GET /api/architectures`: the architectures a new model can start from."""

    architectures: list[ArchitectureSummary]


class OnnxImport(_Out):
    """200 of `POST /api/import/onnx`: the spec of the file's graph."""

    spec: dict[str, Any] = Field(description="a torchcanvas.model spec (no training section)")
    params: int = Field(description="parameter count of the spec")
    nodes: int


@bp.get("/api/architectures")
def get_architectures() -> Response:
    nodes, edges = graph_limits()
    found = [
        ArchitectureSummary(**a)
        for a in list_architectures()
        if a["blocks"] <= nodes and a["edges"] <= edges
    ]
    return json_response(ArchitectureList(architectures=found))


@bp.get("/api/architectures/<name>")
def get_architecture(name: str) -> Response:
    spec = load_architecture(name)
    if spec is None:
        return error_response(
            404, f"no architecture named '{name[:64]}'", "GET /api/architectures lists them"
        )
    return jsonify(spec)


@bp.post("/api/import/onnx")
@work
def import_onnx() -> Response:
    limit = int(current_app.config.get("MAX_ONNX_BYTES", MAX_ONNX_BYTES))
    request.max_content_length = limit + (64 << 10)
    if not (request.mimetype or "").startswith("multipart/form-data"):
        return error_response(
            415, "send the file as multipart/form-data", "e.g. curl -F file=@model.onnx"
        )
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return error_response(
            400, "no `file` in the form", "e.g. curl -F file=@model.onnx", "/file"
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        return error_response(
            413, f"the file is larger than {limit} bytes", "export a smaller model", "/file"
        )
    try:
        from importers.onnx_import import OnnxImportError, onnx_to_spec
    except ImportError:
        return error_response(503, "this server cannot read ONNX files", "pip install onnx")
    name = (upload.filename.rsplit("/", 1)[-1].removesuffix(".onnx") or "ONNX model")[:100]
    try:
        spec = onnx_to_spec(data, name)
    except OnnxImportError as error:
        if not error.unsupported:
            return error_response(422, error.message, "send a model saved as .onnx", "/file")
        return problems_response(
            422,
            [
                {"path": "/file", "message": f"unsupported op: {op}", "hint": "no block does this"}
                for op in error.unsupported
            ],
        )
    analysis = analyze(spec)
    if not analysis.valid:
        return problems_response(422, [p.to_dict() for p in analysis.problems])
    body = OnnxImport(spec=spec, params=analysis.total_params, nodes=len(spec["nodes"]))
    return json_response(body)


_E = ErrorResponse
IMPORT_ROUTES: list[Route] = [
    Route("get", "/api/architectures", "Architectures to start from", {200: ArchitectureList},
          tag="core", description="torchvision's classification models that import cleanly, "
          "as pre-imported specs (within this server's MAX_NODES and MAX_EDGES)."),
    Route("get", "/api/architectures/{name}", "The spec of one architecture",
          {200: ModelSpec, 404: _E}, tag="core"),
    Route("post", "/api/import/onnx", "Import an ONNX file",
          {200: OnnxImport, 400: _E, 413: _E, 415: _E, 422: _E, 429: _E, 503: _E}, tag="core",
          form=ONNX_FORM, description="The spec of an uploaded .onnx file's graph, parsed with "
          "the onnx package and never run. A file that is not ONNX, or has ops no block does, "
          "gets 422 listing them. Uploads are limited to TORCHCANVAS_MAX_ONNX_BYTES (64 MiB)."),
]  # fmt: skip
