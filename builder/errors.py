"""Every error leaves the app as JSON `{"errors": [{path, message, hint}]}`, never a traceback."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

HINTS = {
    400: "send a JSON body with Content-Type: application/json",
    401: "send Authorization: Bearer <edit_token>",
    403: "the edit token does not fit this model",
    404: "see /api/openapi.json or docs/api.md for the endpoints",
    405: "see docs/api.md for the methods each endpoint takes",
    413: "send a smaller body",
    415: "send Content-Type: application/json",
    429: "wait a moment and try again",
    503: "try again in a moment",
}


def error_response(status: int, message: str, hint: str = "", path: str = "") -> Response:
    response = jsonify({"errors": [{"path": path, "message": message, "hint": hint}]})
    response.status_code = status
    return response


def problems_response(status: int, problems: Iterable[Mapping[str, str]]) -> Response:
    """A list of `{path, message, hint}` problems (e.g. from codegen) as an error response."""
    items = [
        {"path": p.get("path", ""), "message": p.get("message", ""), "hint": p.get("hint", "")}
        for p in problems
    ]
    response = jsonify({"errors": items})
    response.status_code = status
    return response


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        status = error.code or 500
        message = error.description or error.name
        if status == 413:
            limit = request.max_content_length or app.config["MAX_CONTENT_LENGTH"]
            message = f"the request body is larger than {limit} bytes"
        response = error_response(status, message, HINTS.get(status, ""))
        if status == 405 and error.valid_methods:  # type: ignore[attr-defined]
            response.headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.path)
        return error_response(500, "internal error", "try again; if it persists, report it")
