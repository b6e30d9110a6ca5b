"""Request and response bodies of the JSON API (docs/api.md), as pydantic models.

The models API builds its responses from these classes, so an OpenAPI document generated
from them (`builder/api/openapi.py`) describes exactly what the server sends; the core API
(validate, generate, examples) builds plain dicts in codegen, described here by
`ValidationResult` & co. and checked against real responses by the tests; the catalog's
models live with the registry (`codegen.registry.catalog`).
`CORE_ROUTES` and `ROUTES` list every endpoint with its request and response bodies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel

from codegen.registry.catalog import Catalog
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


# the core API (builder/api/__init__.py): codegen builds these bodies as plain dicts


class Health(_Out):
    """`GET /api/health`."""

    status: Literal["ok"]


class ExampleSummary(_Out):
    name: str = Field(description="GET /api/examples/{name} gives its spec")
    title: str
    description: str
    tags: list[str]


class ExampleList(RootModel[list[ExampleSummary]]):
    """`GET /api/examples`: the example models this server takes (within its limits), by name."""


class JsonObject(RootModel[dict[str, Any]]):
    """A JSON object (a JSON Schema or an OpenAPI document)."""


class NodeResult(_Out):
    """What shape inference found out about one node."""

    type: str
    inputs: list[str] = Field(description="ids of the nodes feeding this one ('input' too)")
    input_shapes: list[list[int]]
    output_shape: list[int] | None = Field(description="null when it could not be inferred")
    output_dtype: Literal["float32", "int64"] | None = Field(
        description="float32, or int64 for token ids; null when not inferred"
    )
    params: int = Field(description="parameter count of this node (an instance: all its repeats)")
    resolved_params: dict[str, Any] = Field(description="every parameter, inferred ones filled")
    repeat: int | None = Field(
        None, description="instances only: how many instances the node stacks"
    )
    inner: dict[str, NodeResult] | None = Field(
        None,
        description="instances only: the nodes of its definition as this instance (the first "
        "of a repeat) infers them, by id; their errors point into /modules/<definition>",
    )


class ValidationResult(_Out):
    """`POST /api/validate`: the same body for a valid (200) and an invalid (422) spec."""

    valid: bool
    errors: list[ErrorItem]
    nodes: dict[str, NodeResult] = Field(description="by node id: the nodes that could be checked")
    order: list[str] = Field(description="topological order of the node ids")
    output: str | None = Field(description="id of the output node")
    output_shape: list[int] | None
    total_params: int
    trainable_params: int
    size_mb: float = Field(description="float32 parameters and buffers, in MiB")
    task: str | None = Field(description="classification, regression or binary")


class GeneratedFiles(_Out):
    """`POST /api/generate?format=json`: the project's files by path."""

    files: dict[str, str]


class GenerateQuery(BaseModel):
    """Query string of `POST /api/generate`."""

    model_config = ConfigDict(extra="ignore")

    format: Literal["zip", "json"] = Field(
        "zip", description="zip: the project as application/zip; json: its files as JSON"
    )


class GraphQuery(BaseModel):
    """Query string of `POST /api/graph`."""

    model_config = ConfigDict(extra="ignore")

    format: Literal["svg", "png"] = Field(
        "svg", description="svg: the picture as image/svg+xml; png: rasterised, image/png"
    )


@dataclass(frozen=True)
class Route:
    """One endpoint of the JSON API and its bodies, for the OpenAPI document.

    `responses` maps each status the view can answer with to its JSON body (None: no
    JSON body); `media` gives a status other content types (the zip of /api/generate).
    `headers` are request headers; an `Authorization` header means a bearer token.
    `form` describes a multipart body (uploads) instead of a JSON `body`.
    """

    method: str
    path: str  # OpenAPI style: /api/models/{id}
    summary: str
    responses: dict[int, type[BaseModel] | None]
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    headers: tuple[str, ...] = field(default=())
    description: str = ""
    tag: str = "models"
    response_headers: dict[int, tuple[str, ...]] = field(default_factory=dict)
    media: dict[int, str | tuple[str, ...]] = field(default_factory=dict)
    # a multipart/form-data body instead of JSON: field name -> description ("file" is binary)
    form: dict[str, str] = field(default_factory=dict)


_JSON_BODY = {400: ErrorResponse, 413: ErrorResponse, 415: ErrorResponse}
_SPEC_BODY = {**_JSON_BODY, 422: ErrorResponse}

CORE_ROUTES: list[Route] = [
    Route("get", "/api/health", "Health check", {200: Health}, tag="core",
          description="Answers 200 while the app runs (it does not touch the database)."),
    Route("get", "/api/catalog", "The block catalog", {200: Catalog}, tag="core",
          description="Every block, loss, optimizer, scheduler, initialisation, dataset kind "
          "and augmentation, with their parameters; the editor is built from this."),
    Route("get", "/api/schema", "JSON Schema of the spec format", {200: JsonObject},
          tag="core", description="JSON Schema (draft 2020-12) of `torchcanvas.model` v1."),
    Route("get", "/api/examples", "The example models", {200: ExampleList}, tag="core"),
    Route("get", "/api/examples/{name}", "The spec of one example",
          {200: ModelSpec, 404: ErrorResponse}, tag="core"),
    Route("post", "/api/validate", "Check a model",
          {200: ValidationResult, 422: ValidationResult, **_JSON_BODY}, ModelSpec, tag="core",
          description="Shapes, parameter counts and problems of a spec. The body may be any "
          "JSON: what is not a valid spec gets 422 with its errors, and the shapes of the "
          "valid part of the graph."),
    Route("post", "/api/generate", "Generate the project",
          {200: GeneratedFiles, **_SPEC_BODY}, ModelSpec, GenerateQuery, tag="core",
          description="The generated project as a zip (files in a folder named after the "
          "model), or with `?format=json` its files as JSON. An invalid spec gets 422.",
          media={200: "application/zip"}),
    Route("post", "/api/graph", "Draw the graph",
          {200: None, **_SPEC_BODY}, ModelSpec, GraphQuery, tag="core",
          description="The picture of the spec's graph, as on a model page (the editor's "
          "Download SVG / PNG): SVG, or with `?format=png` a PNG at twice the size on white "
          "(scaled down to at most 8192 pixels a side, 16 megapixels). The spec need not be "
          "valid (shapes and parameter counts are shown when it is); a body that is not a "
          "spec object, or a graph beyond the drawing limits, gets 422.",
          media={200: ("image/svg+xml", "image/png")}),
]  # fmt: skip

_WRITE = {429: ErrorResponse, 503: ErrorResponse}
_AUTH = {401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse}

ROUTES: list[Route] = [
    Route("post", "/api/models", "Save a model", {201: CreatedModel, **_SPEC_BODY, **_WRITE},
          ModelSpec, response_headers={201: ("ETag", "Location")},
          description="Stores the spec exactly as sent. The edit token in the answer is "
          "shown only once: keep it to update or delete the model."),
    Route("get", "/api/models", "List and search models",
          {200: ModelList, 422: ErrorResponse, 503: ErrorResponse}, query=ListQuery),
    Route("get", "/api/models/{id}", "A saved model",
          {200: ModelOut, 304: None, 404: ErrorResponse, 503: ErrorResponse},
          headers=("If-None-Match",), response_headers={200: ("ETag",), 304: ("ETag",)}),
    Route("put", "/api/models/{id}", "Save a new revision (edit token)",
          {200: ModelOut, 409: ErrorResponse, **_AUTH, **_SPEC_BODY, **_WRITE}, ModelSpec,
          headers=("Authorization", "If-Match"), response_headers={200: ("ETag",)},
          description="With `If-Match` the update succeeds only if the model is still at "
          "that revision (409 otherwise), so concurrent edits are never lost."),
    Route("delete", "/api/models/{id}", "Delete a model (edit token)",
          {204: None, **_AUTH, **_WRITE}, headers=("Authorization",),
          description="Deletes the model and its revisions; its forks stay."),
    Route("post", "/api/models/{id}/fork", "Fork a model",
          {201: ForkedModel, 404: ErrorResponse, **_WRITE},
          response_headers={201: ("ETag", "Location")},
          description="A copy of the current revision with a new id and edit token."),
    Route("get", "/api/models/{id}/revisions", "The revisions of a model",
          {200: RevisionList, 404: ErrorResponse, 503: ErrorResponse}),
    Route("get", "/api/models/{id}/revisions/{revision}", "One revision",
          {200: RevisionOut, 304: None, 404: ErrorResponse, 503: ErrorResponse},
          headers=("If-None-Match",), response_headers={200: ("ETag",), 304: ("ETag",)}),
]  # fmt: skip
