"""The OpenAPI 3.1 document of the JSON API, and a bundled HTML reference rendered from it.

    GET /api/openapi.json     the document, built once from the pydantic models and the
                              route tables of `schemas.py` (the same classes the views use)
    GET /api/docs             the reference page: every operation, its parameters, bodies,
                              responses and a curl example; no script, no CDN
    GET /static/api-docs.css  the page's stylesheet

`tests/api/test_openapi.py` checks that the document's paths are exactly the app's `/api`
rules and runs schemathesis against a live server, so the document cannot drift.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from flask import Blueprint, Response, render_template
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from codegen.examples import load_example

from ..security import public_base
from .imports import IMPORT_ROUTES
from .run_schemas import RUN_ROUTES
from .schemas import CORE_ROUTES, ROUTES, JsonObject, ModelSpec, Route

bp = Blueprint("openapi", __name__)

REF = "#/components/schemas/{model}"
JSON = "application/json"
FORM = "multipart/form-data"
BINARY = {"type": "string", "format": "binary"}
EXAMPLE_SPEC = "digits-mlp"  # the request body example of every spec-taking operation

DOCS_ROUTES: list[Route] = [
    Route("get", "/api/openapi.json", "This OpenAPI document", {200: JsonObject}, tag="docs",
          description="OpenAPI 3.1; the schemas are generated from the server's own models."),
    Route("get", "/api/docs", "The API reference (HTML)", {200: None}, tag="docs",
          description="This document rendered as a page, without scripts.",
          media={200: "text/html"}),
]  # fmt: skip

TAGS = [
    {"name": "core", "description": "The catalog, checking a model and generating its project."},
    {"name": "models", "description": "Saved models: share links, edit tokens, forks, revisions."},
    {
        "name": "runs",
        "description": "Training in the app: runs on the job queue, their live "
        "events, artifacts, quick checks, uploads and predictions.",
    },
    {"name": "docs", "description": "This reference."},
]

STATUS = {
    200: "OK",
    201: "Created",
    204: "Deleted",
    304: "Not modified: the revision still has the ETag sent in If-None-Match",
    400: "The body is not valid JSON (or not UTF-8)",
    401: "No edit token: send Authorization: Bearer <edit_token>",
    403: "The edit token does not fit this model",
    404: "Not found",
    409: "The model has changed since the revision in If-Match",
    413: "The body is larger than the server takes (TORCHCANVAS_MAX_BODY_BYTES)",
    415: "The body is not JSON: send Content-Type: application/json",
    422: "Invalid: each error names its place with a JSON pointer",
    429: "Too many writes from this address (TORCHCANVAS_RATELIMIT_WRITES)",
    503: "The database is not available",
}
_NO_MODEL = "No model has this id (it may have been deleted)"
DESCRIPTIONS = {
    ("post", "/api/validate", 200): "The spec is valid: shapes and parameter counts of every node",
    ("post", "/api/validate", 422): "The spec is invalid: its errors, and the shapes of the "
    "valid part",
    ("post", "/api/generate", 200): "The project: a zip, or its files as JSON with ?format=json",
    ("post", "/api/graph", 200): "The picture: SVG, or PNG with ?format=png",
    ("post", "/api/graph", 422): "The body is not a spec object, or the graph is too big to draw",
    ("get", "/api/examples/{name}", 404): "No example has this name",
    ("get", "/api/models", 422): "The query string is invalid",
    ("get", "/api/models/{id}", 404): _NO_MODEL,
    ("put", "/api/models/{id}", 404): _NO_MODEL,
    ("delete", "/api/models/{id}", 404): _NO_MODEL,
    ("post", "/api/models/{id}/fork", 404): _NO_MODEL,
    ("get", "/api/models/{id}/revisions", 404): _NO_MODEL,
    ("get", "/api/models/{id}/revisions/{revision}", 404): "No such model, or no such revision",
    ("get", "/api/models/{id}/runs", 404): _NO_MODEL,
    ("get", "/api/models/{id}/runs", 422): "The query string is invalid",
    ("post", "/api/runs", 403): "Runs are not allowed for this client (TORCHCANVAS_RUNS)",
    ("post", "/api/runs", 404): "No saved model, revision or upload has this id",
    ("post", "/api/runs", 429): "This client has too many queued or running runs",
    ("post", "/api/runs", 503): "The queue is not available",
    ("post", "/api/runs/{run_id}/cancel", 403): "Only who may start runs may cancel them",
    ("post", "/api/runs/{run_id}/predict", 409): "The run has not succeeded (no model.pt)",
    ("post", "/api/runs/{run_id}/predict", 422): "The model cannot read this input",
    ("post", "/api/runs/{run_id}/predict", 503): "No worker answered in time",
    ("post", "/api/experiments/{experiment}/runs", 404): "No experiment has this name",
    ("post", "/api/experiments/{experiment}/runs", 429): "Too many queued or running runs",
    ("post", "/api/checks", 403): "Runs are not allowed for this client (TORCHCANVAS_RUNS)",
    ("post", "/api/checks", 429): "This client has too many queued or running runs",
    ("post", "/api/checks", 503): "No worker answered in time (is `torchcanvas worker` running?)",
    ("post", "/api/uploads", 403): "Runs are not allowed for this client (TORCHCANVAS_RUNS)",
    ("post", "/api/uploads", 422): "The file is not a CSV, UTF-8 text or a zip of images",
    ("post", "/api/uploads", 429): "Too many uploads from this address",
}

PATH_PARAMS: dict[str, dict[str, Any]] = {
    "id": {
        "description": "the model's id, as returned when it was saved",
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
    },
    "revision": {
        "description": "a revision number (1 is the first save)",
        "schema": {"type": "integer", "minimum": 1},
    },
    "name": {
        "description": "an example's name, as listed by GET /api/examples",
        "schema": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,63}$"},
    },
    "run_id": {
        "description": "the run's id, as returned when it was started",
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
    },
    "upload_id": {
        "description": "the upload's id, as returned when it was uploaded",
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
    },
    "experiment": {
        "description": "an experiment's name, as listed by GET /api/experiments",
        "schema": {"type": "string", "pattern": "^[a-z0-9-]{1,64}$"},
    },
    "artifact": {
        "description": "a file name listed in the run's `artifacts`",
        "schema": {"type": "string", "pattern": "^[a-z_]{1,32}[.](pt|json|png|log)$"},
    },
}

REQUEST_HEADERS: dict[str, dict[str, Any]] = {
    "If-None-Match": {
        "description": 'an ETag from an earlier answer, e.g. "r3": 304 while it is current',
        "schema": {"type": "string"},
    },
    "Last-Event-ID": {
        "description": 'the id of the last event received, e.g. "e7": epochs up to it are '
        "not sent again",
        "schema": {"type": "string"},
    },
    "If-Match": {
        "description": 'the revision the update is based on, e.g. "r3": 409 if the model has '
        'moved on since (no header or "*": no check)',
        "schema": {"type": "string"},
    },
}

RESPONSE_HEADERS: dict[str, dict[str, Any]] = {
    "ETag": {
        "description": 'the revision as an entity tag, "r<revision>"',
        "required": True,
        "schema": {"type": "string", "pattern": '^"r[0-9]+"$'},
    },
    "Location": {
        "description": "the new model's URL in the API, /api/models/{id}",
        "required": True,
        "schema": {"type": "string"},
    },
    "WWW-Authenticate": {
        "description": "Bearer: the edit token is missing",
        "required": True,
        "schema": {"type": "string"},
    },
    "Retry-After": {
        "description": "seconds until a write is allowed again",
        "schema": {"type": "string"},
    },
}

# what a client can do next with a saved model (OpenAPI links; schemathesis follows them)
_SAVED = {
    "model": ("get_models_id", "the saved model"),
    "revisions": ("get_models_id_revisions", "its revisions"),
    "fork": ("post_models_id_fork", "fork it"),
}
LINKS: dict[tuple[str, str], dict[str, Any]] = {
    (path, "201"): {
        name: {
            "operationId": operation,
            "parameters": {"id": "$response.body#/id"},
            "description": description,
        }
        for name, (operation, description) in _SAVED.items()
    }
    for path in ("/api/models", "/api/models/{id}/fork")
}

BEARER = {
    "type": "http",
    "scheme": "bearer",
    "description": "the edit_token returned when the model was saved (or forked)",
}

DOCS_CSP = "; ".join(
    [
        "default-src 'none'",
        "style-src 'self'",
        "img-src 'self' data:",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)


def api_routes() -> list[Route]:
    """Every endpoint of the JSON API, in the order of the reference."""
    return [*CORE_ROUTES, *IMPORT_ROUTES, *ROUTES, *RUN_ROUTES, *DOCS_ROUTES]


def package_version() -> str:
    try:
        return version("torchcanvas")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0+unknown"


def _component_schemas(routes: list[Route]) -> tuple[dict[Any, dict[str, Any]], dict[str, Any]]:
    """`$ref`s by (model, mode) and the shared component schemas of every body."""
    inputs = {r.body for r in routes if r.body is not None}
    models: dict[type[BaseModel], JsonSchemaMode] = {}
    for route in routes:
        for model in [route.body, *route.responses.values()]:
            if model is not None:
                models[model] = "validation" if model in inputs else "serialization"
    refs, top = models_json_schema(list(models.items()), ref_template=REF)
    by_model = {model: refs[(model, mode)] for model, mode in models.items()}
    return by_model, top.get("$defs", {})


def _query_parameters(query: type[BaseModel]) -> list[dict[str, Any]]:
    schema = query.model_json_schema(ref_template=REF)
    assert "$defs" not in schema, f"{query.__name__}: query fields must be simple"
    required = set(schema.get("required", []))
    parameters = []
    for name, field_schema in schema["properties"].items():
        field_schema = dict(field_schema)
        field_schema.pop("title", None)
        description = field_schema.pop("description", "")
        parameters.append(
            {
                "name": name,
                "in": "query",
                "required": name in required,
                "description": description,
                "schema": field_schema,
            }
        )
    return parameters


def _operation(route: Route, refs: dict[Any, dict[str, Any]]) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, **PATH_PARAMS[name]}
        for name in re.findall(r"{(\w+)}", route.path)
    ]
    if route.query is not None:
        parameters += _query_parameters(route.query)
    parameters += [
        {"name": name, "in": "header", "required": False, **REQUEST_HEADERS[name]}
        for name in route.headers
        if name != "Authorization"
    ]
    responses: dict[str, Any] = {}
    for status, model in sorted(route.responses.items()):
        response: dict[str, Any] = {
            "description": DESCRIPTIONS.get((route.method, route.path, status), STATUS[status])
        }
        content: dict[str, Any] = {}
        if model is not None:
            content[JSON] = {"schema": refs[model]}
        media_types = route.media.get(status, ())
        for media in (media_types,) if isinstance(media_types, str) else media_types:
            text = media in ("text/html", "image/svg+xml")
            content[media] = {"schema": {"type": "string"} if text else BINARY}
        if content:
            response["content"] = content
        headers = list(route.response_headers.get(status, ()))
        if status == 401:
            headers.append("WWW-Authenticate")
        if status == 429:
            headers.append("Retry-After")
        if headers:
            response["headers"] = {name: RESPONSE_HEADERS[name] for name in headers}
        if (route.path, str(status)) in LINKS:
            response["links"] = LINKS[(route.path, str(status))]
        responses[str(status)] = response
    operation: dict[str, Any] = {
        "tags": [route.tag],
        "summary": route.summary,
        "operationId": operation_id(route),
    }
    if route.description:
        operation["description"] = route.description
    if parameters:
        operation["parameters"] = parameters
    if route.body is not None:
        spec_body = route.body is ModelSpec
        operation["requestBody"] = {
            "required": True,
            "description": (
                "a model spec (torchcanvas.model v1); any other JSON gets 422"
                if spec_body
                else (route.body.__doc__ or "").strip().splitlines()[0]
            ),
            "content": {
                JSON: {"schema": refs[route.body], "examples": _body_examples(not spec_body)}
            },
        }
    elif route.form:
        properties = {
            name: {"type": "string", "description": text}
            | ({"format": "binary"} if name == "file" else {})
            for name, text in route.form.items()
        }
        operation["requestBody"] = {
            "required": True,
            "description": "a multipart form",
            "content": {FORM: {"schema": {"type": "object", "properties": properties}}},
        }
    if "Authorization" in route.headers:
        operation["security"] = [{"bearerAuth": []}]
    operation["responses"] = responses
    return operation


@cache
def _body_examples(wrapped: bool = False) -> dict[str, Any]:
    """The example spec as a body; `wrapped`: as the `spec` field of a body (runs)."""
    spec = load_example(EXAMPLE_SPEC)
    if spec is None:  # pragma: no cover - the examples ship with the package
        return {}
    return {
        EXAMPLE_SPEC: {
            "summary": spec.get("name", EXAMPLE_SPEC),
            "description": f"GET /api/examples/{EXAMPLE_SPEC}; the other examples work too",
            "value": {"spec": spec} if wrapped else spec,
        }
    }


def operation_id(route: Route) -> str:
    """e.g. `get_models_id_revisions_revision` for GET /api/models/{id}/revisions/{revision}."""
    words = re.findall(r"[A-Za-z0-9]+", route.path.removeprefix("/api"))
    return "_".join([route.method, *words])


@cache
def openapi_document() -> dict[str, Any]:
    """The OpenAPI document (built once: it only depends on the code). Do not mutate it."""
    routes = api_routes()
    refs, schemas = _component_schemas(routes)
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        paths.setdefault(route.path, {})[route.method] = _operation(route, refs)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "TorchCanvas",
            "version": package_version(),
            "summary": "Design PyTorch models visually and download a runnable training project.",
            "description": "Every body is JSON. Every error response is "
            '`{"errors": [{"path": "<JSON pointer>", "message": "...", "hint": "..."}]}`. '
            "Writes to the models API are rate limited per client address.",
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "servers": [{"url": "/"}],
        "tags": TAGS,
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": {"bearerAuth": BEARER}},
    }


@cache
def openapi_json() -> str:
    return json.dumps(openapi_document(), ensure_ascii=False)


@bp.get("/api/openapi.json")
def openapi() -> Response:
    response = Response(openapi_json(), mimetype=JSON)
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response


@bp.get("/api/docs")
def docs() -> Response:
    from .openapi_docs import docs_context  # it reads this module's document

    html = render_template("api_docs.html", **docs_context(public_base()))
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = DOCS_CSP
    return response


@bp.get("/static/api-docs.css")
def docs_css() -> Response:
    """The reference's stylesheet (a template named .html, so that the wheel ships it)."""
    response = Response(render_template("api_docs.css"), mimetype="text/css")
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response
