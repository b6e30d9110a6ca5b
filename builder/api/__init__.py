"""The JSON API (docs/api.md): catalog, validate, generate, schema, examples.

Validate and generate are CPU work: they run in a bounded slot (workload.py) and are
charged to the client's work budget (limits.py).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, current_app, g, jsonify, request

from codegen.analysis import Analysis, analyze
from codegen.definitions import graph_size
from codegen.examples import list_examples, load_example
from codegen.names import slug
from codegen.problems import Problem
from codegen.registry.catalog import build_catalog
from codegen.render import render_project, zip_project
from codegen.spec import json_schema

from ..errors import error_response
from ..limits import work
from ..workload import heavy

api = Blueprint("api", __name__, url_prefix="/api")


def reject_constant(name: str) -> None:
    """NaN and Infinity are not JSON, though Python's parser accepts them."""
    raise ValueError(f"{name} is not JSON")


BOM = "\ufeff"


def body_bytes() -> bytes:
    """The request body, at most MAX_CONTENT_LENGTH bytes, chunked or not (else 413)."""
    if "body" in g:
        return g.body  # type: ignore[no-any-return]
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if request.content_length is None and request.environ.get("wsgi.input_terminated"):
        # a chunked body: the server decodes it; Werkzeug would cut it at the limit silently
        data = request.environ["wsgi.input"].read(limit + 1)
        if len(data) > limit:
            abort(413)
    else:
        data = request.get_data(cache=True)
    g.body = data
    return data


def read_json() -> tuple[Any, str]:
    """The parsed JSON body and its text (UTF-8, a leading BOM dropped); aborts with 415
    for another content type, 400 for text that is not UTF-8 or not JSON."""
    if not request.is_json:
        abort(error_response(415, "the body must be JSON", "send Content-Type: application/json"))
    try:
        text = body_bytes().decode("utf-8").removeprefix(BOM)
    except UnicodeDecodeError:
        abort(error_response(400, "the body is not UTF-8", "send JSON encoded as UTF-8"))
    try:
        data = json.loads(text, parse_constant=reject_constant)
    except (ValueError, RecursionError):
        abort(
            error_response(
                400, "the body is not valid JSON", "check the syntax, e.g. with a JSON linter"
            )
        )
    return data, text


def size_problems(data: Any, max_nodes: int, max_edges: int) -> list[Problem]:
    """The server's limits on graph size, checked before any analysis is spent on it.

    Instances count as the blocks they stand for (times their repeat), and a definition
    the model does not use counts its own graph (`codegen.definitions.graph_size`).
    """
    problems = []
    sizes = dict(zip(("nodes", "edges"), graph_size(data), strict=True))
    for field, limit, setting in (
        ("nodes", max_nodes, "TORCHCANVAS_MAX_NODES"),
        ("edges", max_edges, "TORCHCANVAS_MAX_EDGES"),
    ):
        items = data.get(field) if isinstance(data, dict) else None
        count = sizes[field]
        if count > limit:
            expanded = isinstance(items, list) and len(items) < count
            problems.append(
                Problem(
                    f"/{field}" if isinstance(items, list) else "",
                    f"the model has {count:,} {field}"
                    + (" with its instances and repeats expanded" if expanded else "")
                    + f"; this server takes at most {limit:,}",
                    f"split the model, or raise {setting} on your own server",
                )
            )
    return problems


def analysis_of(data: Any, max_nodes: int, max_edges: int) -> Analysis:
    """`analyze` within the server's limits (pure: safe to run off the request thread)."""
    problems = size_problems(data, max_nodes, max_edges)
    return Analysis(spec=None, problems=problems) if problems else analyze(data)


def graph_limits() -> tuple[int, int]:
    return int(current_app.config["MAX_NODES"]), int(current_app.config["MAX_EDGES"])


def checked(data: Any) -> Analysis:
    """The analysis of a spec within this server's limits, in a CPU slot."""
    return heavy(analysis_of, data, *graph_limits())


def project_of(data: Any, max_nodes: int, max_edges: int) -> tuple[Analysis, dict[str, str]]:
    """The analysis of a spec, and its files when it is valid."""
    analysis = analysis_of(data, max_nodes, max_edges)
    return analysis, render_project(analysis) if analysis.valid else {}


@api.get("/health")
def health() -> Response:
    return jsonify({"status": "ok"})


@api.get("/catalog")
def get_catalog() -> Response:
    response = jsonify(build_catalog().model_dump(mode="json"))
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response


@api.get("/schema")
def get_schema() -> Response:
    return jsonify(json_schema())


@api.get("/examples")
def get_examples() -> Response:
    """The examples this server takes (a server with lower limits offers fewer)."""
    limits = graph_limits()
    return jsonify(
        [e for e in list_examples() if not size_problems(load_example(e["name"]), *limits)]
    )


@api.get("/examples/<name>")
def get_example(name: str) -> Response:
    spec = load_example(name)
    if spec is None:
        return error_response(
            404, f"no example named '{name[:64]}'", "GET /api/examples lists them"
        )
    return jsonify(spec)


@api.post("/validate")
@work
def validate() -> Response:
    data, _ = read_json()
    analysis = checked(data)
    response = jsonify(analysis.to_dict())
    response.status_code = 200 if analysis.valid else 422
    return response


@api.post("/generate")
@work
def generate() -> Response:
    data, _ = read_json()
    analysis, files = heavy(project_of, data, *graph_limits())
    if not analysis.valid:
        response = jsonify({"errors": [p.to_dict() for p in analysis.problems]})
        response.status_code = 422
        return response
    if request.args.get("format") == "json":
        return jsonify({"files": files})
    assert analysis.spec is not None
    return zip_response(files, analysis.spec.name)


def zip_response(files: dict[str, str], model_name: str) -> Response:
    """The project as a zip download named after the model (also /m/<id>/download.zip)."""
    name = slug(model_name)
    return Response(
        zip_project(files, name),
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}.zip"'},
    )
