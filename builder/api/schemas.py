"""Request and response bodies of the models API (docs/api.md), as pydantic models.

The views build their responses from these classes, so an OpenAPI document generated
from them (`model_json_schema()`) describes exactly what the server sends; `ROUTES`
lists every endpoint with its request and response bodies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from codegen.spec import ModelSpec

MAX_PER_PAGE = 100
MAX_PAGE = 10_000


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorItem(_Out):
    """One problem: a JSON pointer into the spec or request, what is wrong, how to fix it."""

    path: str = Field(description="JSON pointer, e.g. /nodes/3/params/kernel_size; '' = all")
    message: str
    hint: str = ""


class ErrorResponse(_Out):
    """The body of every 4xx/5xx response."""

    errors: list[ErrorItem]


class CreatedModel(_Out):
    """201 of `POST /api/models` and of a fork: the edit token is shown only here."""

    id: str = Field(description="unguessable id (at least 128 random bits)")
    edit_token: str = Field(description="send as `Authorization: Bearer <token>` to edit")
    url: str = Field(description="the model's share link")


class ForkedModel(CreatedModel):
    forked_from: str
    forked_from_revision: int


class ModelMeta(_Out):
    """What the gallery shows of a model (no spec)."""

    id: str
    name: str
    description: str
    tags: list[str]
    revision: int = Field(description="current revision; the ETag is derived from it")
    forked_from: str | None = Field(description="id of the model this one was forked from")
    forks: int = Field(description="how many forks were made of this model")
    total_params: int
    created_at: datetime
    updated_at: datetime


class ModelOut(_Out):
    """`GET /api/models/<id>`: the spec exactly as saved, and its metadata."""

    id: str
    spec: dict[str, Any] = Field(description="the spec, byte for byte as it was sent")
    name: str
    description: str
    tags: list[str]
    revision: int
    forked_from: str | None
    forks: int
    total_params: int
    created_at: datetime
    updated_at: datetime


class ModelSummary(ModelMeta):
    url: str = Field(description="the model's share link")


class ModelList(_Out):
    """`GET /api/models`: one page of models."""

    models: list[ModelSummary]
    page: int
    per_page: int
    total: int = Field(description="models matching the query, on all pages")
    pages: int


class ListQuery(BaseModel):
    """Query string of `GET /api/models`."""

    model_config = ConfigDict(extra="ignore")

    q: str = Field("", max_length=200, description="terms, all of which must occur in the "
                   "name, description or tags (case-insensitive)")  # fmt: skip
    sort: Literal["newest", "forks", "params"] = "newest"
    page: int = Field(1, ge=1, le=MAX_PAGE)
    per_page: int = Field(20, ge=1, le=MAX_PER_PAGE)


class RevisionSummary(_Out):
    revision: int
    name: str
    total_params: int
    created_at: datetime


class RevisionList(_Out):
    """`GET /api/models/<id>/revisions`, oldest first."""

    id: str
    current: int
    revisions: list[RevisionSummary]


class RevisionOut(_Out):
    """`GET /api/models/<id>/revisions/<n>`: one past (or the current) spec."""

    id: str
    revision: int
    spec: dict[str, Any]
    name: str
    total_params: int
    created_at: datetime


@dataclass(frozen=True)
class Route:
    """One endpoint of the models API and its bodies, for an OpenAPI document."""

    method: str
    path: str  # OpenAPI style: /api/models/{id}
    summary: str
    responses: dict[int, type[BaseModel] | None]
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    headers: tuple[str, ...] = field(default=())


_ERRORS = {422: ErrorResponse, 413: ErrorResponse, 429: ErrorResponse}
_AUTH = {401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse}

ROUTES: list[Route] = [
    Route("post", "/api/models", "Save a model", {201: CreatedModel, **_ERRORS}, ModelSpec),
    Route("get", "/api/models", "List and search models", {200: ModelList, 422: ErrorResponse},
          query=ListQuery),  # fmt: skip
    Route("get", "/api/models/{id}", "A saved model", {200: ModelOut, 304: None, 404: ErrorResponse},
          headers=("If-None-Match",)),  # fmt: skip
    Route("put", "/api/models/{id}", "Save a new revision (edit token)",
          {200: ModelOut, 409: ErrorResponse, **_AUTH, **_ERRORS}, ModelSpec,
          headers=("Authorization", "If-Match")),  # fmt: skip
    Route("delete", "/api/models/{id}", "Delete a model (edit token)", {204: None, **_AUTH,
          429: ErrorResponse}, headers=("Authorization",)),  # fmt: skip
    Route("post", "/api/models/{id}/fork", "Fork a model",
          {201: ForkedModel, 404: ErrorResponse, 429: ErrorResponse}),  # fmt: skip
    Route("get", "/api/models/{id}/revisions", "The revisions of a model",
          {200: RevisionList, 404: ErrorResponse}),  # fmt: skip
    Route("get", "/api/models/{id}/revisions/{revision}", "One revision",
          {200: RevisionOut, 304: None, 404: ErrorResponse}),  # fmt: skip
]
