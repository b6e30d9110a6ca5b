"""The JSON API (docs/api.md): catalog, validate, generate, schema, examples."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from codegen.analysis import Analysis, analyze
from codegen.examples import list_examples, load_example
from codegen.names import slug
from codegen.registry import catalog
from codegen.render import render_project, zip_project
from codegen.spec import json_schema

from ..errors import error_response

api = Blueprint("api", __name__, url_prefix="/api")


def reject_constant(name: str) -> None:
    """NaN and Infinity are not JSON, though Python's parser accepts them."""
    raise ValueError(f"{name} is not JSON")


def read_spec() -> tuple[Any, Response | None]:
    """The JSON body, or an error response for a wrong content type or malformed JSON."""
    if not request.is_json:
        return None, error_response(
            415, "the body must be JSON", "send Content-Type: application/json"
        )
    try:
        data = json.loads(request.get_data(cache=True), parse_constant=reject_constant)
    except (ValueError, RecursionError):
        return None, error_response(
            400, "the body is not valid JSON", "check the syntax, e.g. with a JSON linter"
        )
    return data, None


def checked(data: Any) -> Analysis:
    analysis = analyze(data)
    limit = current_app.config["MAX_NODES"]
    nodes = data.get("nodes") if isinstance(data, dict) else None
    if isinstance(nodes, list) and len(nodes) > limit:
        from codegen.problems import Problem

        analysis.problems.append(
            Problem(
                "/nodes",
                f"the model has {len(nodes)} nodes; this server takes {limit}",
                "split the model or raise TORCHCANVAS_MAX_NODES",
            )
        )
    return analysis


@api.get("/health")
def health() -> Response:
    return jsonify({"status": "ok"})


@api.get("/catalog")
def get_catalog() -> Response:
    response = jsonify(catalog())
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response


@api.get("/schema")
def get_schema() -> Response:
    return jsonify(json_schema())


@api.get("/examples")
def get_examples() -> Response:
    return jsonify(list_examples())


@api.get("/examples/<name>")
def get_example(name: str) -> Response:
    spec = load_example(name)
    if spec is None:
        return error_response(
            404, f"no example named '{name[:64]}'", "GET /api/examples lists them"
        )
    return jsonify(spec)


@api.post("/validate")
def validate() -> Response:
    data, error = read_spec()
    if error:
        return error
    analysis = checked(data)
    response = jsonify(analysis.to_dict())
    response.status_code = 200 if analysis.valid else 422
    return response


@api.post("/generate")
def generate() -> Response:
    data, error = read_spec()
    if error:
        return error
    analysis = checked(data)
    if not analysis.valid:
        response = jsonify({"errors": [p.to_dict() for p in analysis.problems]})
        response.status_code = 422
        return response
    files = render_project(analysis)
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
