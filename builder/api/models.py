"""Saved models: create, read, update with an edit token, delete, fork, list, revisions.

A spec is stored as the exact JSON text that was sent and given back byte for byte
inside the response (`"spec": <that text>`). Concurrency control is optimistic: each
response carries `ETag: "r<revision>"`; a PUT with a stale `If-Match` gets 409, and the
store's conditional UPDATE makes sure two writers never both win.

    POST   /api/models                    body: a spec -> 201 {id, edit_token, url}
    GET    /api/models?q=&sort=&page=&per_page=        -> 200 ModelList
    GET    /api/models/<id>               (If-None-Match) -> 200 ModelOut + ETag | 304
    PUT    /api/models/<id>               body: a spec; Authorization: Bearer <token>;
                                          If-Match: "r<n>" (optional) -> 200 ModelOut
                                          | 401 no token | 403 wrong token | 409 stale
    DELETE /api/models/<id>               Authorization: Bearer <token> -> 204
    POST   /api/models/<id>/fork          -> 201 {id, edit_token, url, forked_from, ...}
    GET    /api/models/<id>/revisions     -> 200 RevisionList
    GET    /api/models/<id>/revisions/<n> -> 200 RevisionOut + ETag

Bodies are in `schemas.py`. Writes are rate limited (limits.py); invalid specs get 422
like /api/validate (unpaired surrogates among their problems), NUL characters, which the
databases cannot store, 422 with their path.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, NoReturn

from flask import Blueprint, Response, abort, current_app, request
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import OperationalError, ProgrammingError

from codegen.problems import pointer

from ..errors import error_response, problems_response
from ..limits import writes
from ..security import external_url
from ..store import Conflict, Forbidden, NotFound, SavedModel, SpecContent, get_store
from . import checked, read_json
from .schemas import (
    CreatedModel,
    ForkedModel,
    ListQuery,
    ModelList,
    ModelOut,
    ModelSummary,
    RevisionList,
    RevisionOut,
    RevisionSummary,
)

bp = Blueprint("models", __name__, url_prefix="/api/models")

ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
JSON_WHITESPACE = " \t\n\r"
MAX_TEXT_PROBLEMS = 20
MAX_REVISION = 2**31 - 1  # revision numbers are 32-bit INTEGER columns


# responses


def json_response(body: BaseModel | str, status: int = 200) -> Response:
    text = body if isinstance(body, str) else body.model_dump_json()
    return Response(text, status=status, mimetype="application/json")


def with_spec(body: BaseModel, spec_text: str) -> str:
    """`body` as JSON with its `spec` field replaced by the stored text, unchanged."""
    fields = []
    for key, value in body.model_dump(mode="json").items():
        encoded = spec_text if key == "spec" else json.dumps(value)
        fields.append(f"{json.dumps(key)}: {encoded}")
    return "{" + ", ".join(fields) + "}"


def etag(revision: int) -> str:
    return f"r{revision}"


def share_url(model_id: str) -> str:
    return external_url("gallery.model_page", model_id=model_id)


def metadata(model: SavedModel) -> dict[str, Any]:
    """The fields every view of a saved model shares (ModelOut, ModelSummary)."""
    return {
        "id": model.id,
        "name": model.name,
        "description": model.description,
        "tags": model.tags,
        "revision": model.revision,
        "forked_from": model.forked_from,
        "forks": model.forks,
        "total_params": model.total_params,
        "created_at": model.created_at,
        "updated_at": model.updated_at,
    }


def model_out(model: SavedModel, status: int = 200) -> Response:
    body = ModelOut(spec={}, **metadata(model))
    response = json_response(with_spec(body, model.spec), status)
    response.set_etag(etag(model.revision))
    response.cache_control.no_cache = True
    return response


def summary(model: SavedModel) -> ModelSummary:
    return ModelSummary(url=share_url(model.id), **metadata(model))


def not_modified(tag: str) -> bool:
    return request.if_none_match.contains_weak(tag)


def fail(status: int, message: str, hint: str = "", path: str = "") -> NoReturn:
    abort(error_response(status, message, hint, path))


def no_model(model_id: str) -> NoReturn:
    fail(404, f"no model with id '{model_id[:64]}'", "it may have been deleted; check the link")


def checked_id(model_id: str) -> str:
    if not ID.match(model_id):
        fail(404, "no model has this id", "ids are made of letters, digits, '-' and '_'")
    return model_id


# requests


def read_body() -> tuple[Any, str]:
    """The parsed JSON body and its exact text (without surrounding whitespace)."""
    data, text = read_json()
    return data, text.strip(JSON_WHITESPACE)


def unstorable_text(value: Any, path: tuple[Any, ...] = ()) -> list[dict[str, str]]:
    """Strings the databases cannot hold: NUL characters (codegen reports lone surrogates)."""
    found: list[dict[str, str]] = []
    if isinstance(value, str):
        if "\x00" in value:
            found.append(
                {
                    "path": pointer(*path),
                    "message": "the text contains a NUL character (\\u0000), which cannot be saved",
                    "hint": "remove the NUL character",
                }
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            found += unstorable_text(key, (*path, key)) + unstorable_text(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += unstorable_text(item, (*path, index))
    return found[:MAX_TEXT_PROBLEMS]


def spec_content() -> SpecContent:
    """The request's spec, validated by codegen like /api/validate, ready to store."""
    data, text = read_body()
    problems = unstorable_text(data)
    analysis = checked(data)
    located = {p["path"] for p in problems}  # codegen may report the same string again
    problems += [p.to_dict() for p in analysis.problems if p.path not in located]
    if problems:
        abort(problems_response(422, problems))
    assert analysis.spec is not None
    spec = analysis.spec
    return SpecContent(text, spec.name, spec.description, list(spec.tags), analysis.total_params)


def bearer_token() -> str:
    auth = request.authorization
    if auth is None or auth.type != "bearer" or not auth.token:
        response = error_response(
            401,
            "changing a model needs its edit token",
            "send Authorization: Bearer <edit_token>, the token returned when it was saved",
        )
        response.headers["WWW-Authenticate"] = 'Bearer realm="torchcanvas"'
        abort(response)
    return auth.token


def expected_revisions() -> set[int] | None:
    """The revisions `If-Match` accepts (None: no header or `*`); tags are "r<revision>"."""
    if "If-Match" not in request.headers or request.if_match.star_tag:
        return None
    tags = request.if_match.as_set()
    # an empty tag ("") parses as None
    return {int(tag[1:]) for tag in tags if tag and re.fullmatch(r"r[0-9]{1,9}", tag)}


def forbidden(model_id: str) -> NoReturn:
    fail(
        403,
        "the edit token does not fit this model",
        "use the edit_token returned when this model was saved; fork it to edit a copy",
    )


def conflict(model_id: str, error: Conflict, sent: set[int] | None) -> NoReturn:
    current = error.current
    sent_text = ", ".join(f'"r{n}"' for n in sorted(sent or ())) or "an unknown ETag"
    response = error_response(
        409,
        f"the model was changed in the meantime: it is at revision {current}, "
        f"and this update was based on {sent_text}",
        f"GET /api/models/{model_id} again, reapply your change and send "
        f'If-Match: "r{current}"',
        "/If-Match",
    )
    if current is not None:
        response.set_etag(etag(current))
    abort(response)


# views


@bp.post("")
@writes
def create() -> Response:
    content = spec_content()
    model, token = get_store().create(content)
    response = json_response(
        CreatedModel(id=model.id, edit_token=token, url=share_url(model.id)), 201
    )
    response.headers["Location"] = f"{request.script_root}/api/models/{model.id}"
    response.set_etag(etag(model.revision))
    return response


@bp.get("")
def list_models() -> Response:
    try:
        query = ListQuery.model_validate(request.args.to_dict())
    except ValidationError as error:
        abort(
            problems_response(
                422,
                (
                    {
                        "path": pointer("query", *e["loc"]),
                        "message": e["msg"],
                        "hint": "e.g. ?q=lenet&sort=newest|forks|params&page=1&per_page=20",
                    }
                    for e in error.errors(include_url=False)
                ),
            )
        )
    models, total = get_store().search(
        query.q.replace("\x00", ""), query.sort, query.page, query.per_page
    )
    body = ModelList(
        models=[summary(m) for m in models],
        page=query.page,
        per_page=query.per_page,
        total=total,
        pages=max(1, math.ceil(total / query.per_page)),
    )
    return json_response(body)


@bp.get("/<model_id>")
def get_model(model_id: str) -> Response:
    model = get_store().get(checked_id(model_id))
    if model is None:
        no_model(model_id)
    if not_modified(etag(model.revision)):
        response = Response(status=304)
        response.set_etag(etag(model.revision))
        response.cache_control.no_cache = True
        return response
    return model_out(model)


@bp.put("/<model_id>")
@writes
def update_model(model_id: str) -> Response:
    checked_id(model_id)
    token = bearer_token()
    content = spec_content()
    expected = expected_revisions()
    try:
        model = get_store().update(model_id, token, content, expected)
    except NotFound:
        no_model(model_id)
    except Forbidden:
        forbidden(model_id)
    except Conflict as error:
        conflict(model_id, error, expected)
    return model_out(model)


@bp.delete("/<model_id>")
@writes
def delete_model(model_id: str) -> Response:
    checked_id(model_id)
    token = bearer_token()
    try:
        get_store().delete(model_id, token)
    except NotFound:
        no_model(model_id)
    except Forbidden:
        forbidden(model_id)
    return Response(status=204)


@bp.post("/<model_id>/fork")
@writes
def fork_model(model_id: str) -> Response:
    checked_id(model_id)
    try:
        child, token = get_store().fork(model_id)
    except NotFound:
        no_model(model_id)
    assert child.forked_from is not None and child.forked_from_revision is not None
    body = ForkedModel(
        id=child.id,
        edit_token=token,
        url=share_url(child.id),
        forked_from=child.forked_from,
        forked_from_revision=child.forked_from_revision,
    )
    response = json_response(body, 201)
    response.headers["Location"] = f"{request.script_root}/api/models/{child.id}"
    response.set_etag(etag(child.revision))
    return response


@bp.get("/<model_id>/revisions")
def list_revisions(model_id: str) -> Response:
    revisions = get_store().revisions(checked_id(model_id))
    if revisions is None:
        no_model(model_id)
    body = RevisionList(
        id=model_id,
        current=revisions[-1].number if revisions else 0,
        revisions=[
            RevisionSummary(
                revision=r.number, name=r.name, total_params=r.total_params, created_at=r.created_at
            )
            for r in revisions
        ],
    )
    return json_response(body)


@bp.get("/<model_id>/revisions/<int:number>")
def get_revision(model_id: str, number: int) -> Response:
    checked_id(model_id)
    # a larger number cannot be bound as an INTEGER parameter (SQLite raises OverflowError)
    revision = get_store().revision(model_id, number) if number <= MAX_REVISION else None
    if revision is None:
        kept = current_app.config.get("MAX_REVISIONS") or 0
        fail(
            404,
            f"model '{model_id}' has no revision {number}",
            f"GET /api/models/{model_id}/revisions lists them"
            + (f"; this server keeps the newest {kept} revisions of a model" if kept else ""),
        )
    tag = etag(revision.number)
    if not_modified(tag):
        response = Response(status=304)
        response.set_etag(tag)
        return response
    body = RevisionOut(
        id=model_id,
        revision=revision.number,
        spec={},
        name=revision.name,
        total_params=revision.total_params,
        created_at=revision.created_at,
    )
    response = json_response(with_spec(body, revision.spec))
    response.set_etag(tag)
    response.cache_control.no_cache = True
    return response


@bp.errorhandler(OperationalError)
@bp.errorhandler(ProgrammingError)
def database_unavailable(error: Exception) -> Response:
    current_app.logger.exception("database error on %s %s", request.method, request.path)
    return error_response(
        503,
        "the database is not available",
        "if the server was just installed, run `torchcanvas db upgrade`; otherwise retry",
    )
