"""The public pages of saved models: the gallery and one page per model, rendered on the server.

    GET /gallery?q=&sort=&page=      search form, sort, pages of cards with a thumbnail
    GET /m/<id>?file=train.py        a model: facts, its graph, the generated code, links
    GET /m/<id>/download.zip         the project, as POST /api/generate makes it
    GET /pages/pages.css             the stylesheet of these pages (templates/pages/pages.css)
    GET /pages/code.css              the Pygments colours of the code

The pages need no JavaScript. Errors are HTML pages too (404 for unknown ids, 422 when a
stored spec cannot be generated any more); every user string goes through autoescaping.

Pages stay small for huge models: the graph is drawn up to `DRAW_MAX_NODES` nodes and
`DRAW_MAX_EDGES` edges, a file is shown inline up to `INLINE_MAX_CHARS` characters (the
zip has it all). Building a page is CPU work: it runs in a slot and is charged to the
client's work budget, like POST /api/generate.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, NoReturn

from flask import (
    Blueprint,
    Response,
    current_app,
    make_response,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import JsonLexer, MarkdownLexer, PythonLexer, TextLexer
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException

from codegen.analysis import Analysis

from .api import graph_limits, project_of, zip_response
from .api.models import ID
from .api.schemas import MAX_PAGE
from .graph_picture import canvas_svg, thumbnail_svg
from .limits import work
from .store import SavedModel, get_store
from .store.repo import Sort
from .workload import heavy

bp = Blueprint("gallery", __name__)

PER_PAGE = 24
MAX_QUERY = 200
SORTS: dict[str, str] = {"newest": "Newest", "forks": "Most forked", "params": "Most parameters"}
EXCERPT = 180
CODE_STYLE = "friendly"
SITE_NAME = "TorchCanvas"
DRAW_MAX_NODES = 120
DRAW_MAX_EDGES = 400
INLINE_MAX_CHARS = 60_000


class PageError(Exception):
    """Ends a view with an HTML error page."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


def not_found() -> NoReturn:
    raise PageError(
        404,
        "Model not found",
        "There is no model at this address. It may have been deleted, or the link is incomplete.",
    )


# text helpers


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """The start of `text` on one line, cut at a word boundary."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0] if " " in flat[:limit] else flat[:limit]
    return cut.rstrip(" ,.;:") + "…"


def page_number(raw: str | None) -> int:
    """`?page=`, clamped to 1..MAX_PAGE (anything that is not a number is page 1)."""
    try:
        number = int((raw or "1").strip()[:12])
    except ValueError:
        return 1
    return min(max(number, 1), MAX_PAGE)


@dataclass(frozen=True)
class GalleryQuery:
    q: str
    sort: Sort
    page: int

    @classmethod
    def from_args(cls, args: Any) -> GalleryQuery:
        q = args.get("q", "").replace("\x00", "")[:MAX_QUERY].strip()
        sort: Sort = args.get("sort") if args.get("sort") in SORTS else "newest"
        return cls(q, sort, page_number(args.get("page")))

    def link(self, page: int) -> str:
        args: dict[str, Any] = {"page": page} if page > 1 else {}
        if self.q:
            args["q"] = self.q
        if self.sort != "newest":
            args["sort"] = self.sort
        return url_for("gallery.gallery", **args)


# the project of a spec, cached by its text


@dataclass(frozen=True)
class Project:
    """A stored spec, checked like POST /api/generate, and its files when it is valid."""

    data: Any
    analysis: Analysis
    files: dict[str, str]

    @property
    def valid(self) -> bool:
        return self.analysis.valid


def _parse(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


@lru_cache(maxsize=32)
def _project(spec_text: str, max_nodes: int, max_edges: int) -> Project:
    """The limits are part of the key: they decide whether the spec is valid here."""
    data = _parse(spec_text)
    analysis, files = project_of(data, max_nodes, max_edges)
    return Project(data, analysis, files)


def project(spec_text: str) -> Project:
    """The project of a stored spec, built in a CPU slot (cached by its text)."""
    return heavy(_project, spec_text, *graph_limits())


@lru_cache(maxsize=512)
def thumbnail(spec_text: str) -> Markup:
    return thumbnail_svg(_parse(spec_text))


LEXERS: dict[str, type[Lexer]] = {
    ".py": PythonLexer,
    ".md": MarkdownLexer,
    ".json": JsonLexer,
    ".ipynb": JsonLexer,
}


@cache
def formatter() -> HtmlFormatter:  # type: ignore[type-arg]
    return HtmlFormatter(style=CODE_STYLE, cssclass="highlight", linenos="table", wrapcode=True)


@lru_cache(maxsize=64)
def highlighted(filename: str, text: str) -> Markup:
    """Pygments HTML with CSS classes (colours in /pages/code.css)."""
    suffix = filename[filename.rfind(".") :] if "." in filename else ""
    lexer = LEXERS.get(suffix, TextLexer)()
    return Markup(highlight(text, lexer, formatter()))


# database reads the store has no method for (only ORM queries)


def specs_of(ids: Iterable[str]) -> dict[str, str]:
    """The spec text of each model, in one query (the store's search defers specs)."""
    wanted = list(ids)
    if not wanted:
        return {}
    with Session(get_store().engine) as session:
        rows = session.execute(
            select(SavedModel.id, SavedModel.spec).where(SavedModel.id.in_(wanted))
        )
        return {model_id: spec for model_id, spec in rows}


def exists(model_id: str) -> bool:
    with Session(get_store().engine) as session:
        return session.scalar(select(SavedModel.id).where(SavedModel.id == model_id)) is not None


def saved_model(model_id: str) -> SavedModel:
    """The model with this id, or the 404 page (malformed ids included)."""
    if not ID.match(model_id):
        not_found()
    model = get_store().get(model_id)
    if model is None:
        not_found()
    return model


# views


@bp.get("/gallery")
@work
def gallery() -> str:
    query = GalleryQuery.from_args(request.args)
    store = get_store()
    models, total = store.search(query.q, query.sort, query.page, PER_PAGE)
    pages = max(1, math.ceil(total / PER_PAGE))
    if query.page > pages:  # past the end: show the last page
        query = GalleryQuery(query.q, query.sort, pages)
        models, total = store.search(query.q, query.sort, query.page, PER_PAGE)
    specs = specs_of(m.id for m in models)
    thumbs = heavy(lambda: [thumbnail(specs.get(m.id, "")) for m in models])
    cards = [
        {"model": m, "excerpt": excerpt(m.description), "thumb": thumb}
        for m, thumb in zip(models, thumbs, strict=True)
    ]
    return render_template(
        "gallery.html", query=query, cards=cards, total=total, pages=pages, sorts=SORTS
    )


def summary_text(model: SavedModel, total_params: int) -> str:
    """The description for link previews: the model's own, or a sentence about it."""
    return excerpt(model.description, 200) or (
        f"A PyTorch model with {total_params:,} parameters, built with TorchCanvas."
    )


def drawable(data: Any) -> bool:
    """Whether the graph is small enough to draw on its page."""
    sizes = graph_sizes(data)
    return sizes["nodes"] <= DRAW_MAX_NODES and sizes["edges"] <= DRAW_MAX_EDGES


def graph_sizes(data: Any) -> dict[str, int]:
    counts = {}
    for field in ("nodes", "edges"):
        items = data.get(field) if isinstance(data, dict) else None
        counts[field] = len(items) if isinstance(items, list) else 0
    return counts


@dataclass(frozen=True)
class PageParts:
    """What a model page shows of its project: code and drawing are None when too big."""

    project: Project
    current: str
    code: Markup | None
    picture: Markup | None


@lru_cache(maxsize=32)
def _picture(spec_text: str, name: str, max_nodes: int, max_edges: int) -> Markup | None:
    built = _project(spec_text, max_nodes, max_edges)
    if not drawable(built.data):
        return None
    return canvas_svg(built.data, built.analysis, f"Graph of {name}")


def page_parts(spec_text: str, name: str, chosen: str, max_nodes: int, max_edges: int) -> PageParts:
    """The project, the file to show (`chosen` if it exists), its code and the drawing."""
    built = _project(spec_text, max_nodes, max_edges)
    files = list(built.files)
    current = chosen if chosen in built.files else (files[0] if files else "")
    text = built.files.get(current, "")
    code = highlighted(current, text) if text and len(text) <= INLINE_MAX_CHARS else None
    return PageParts(built, current, code, _picture(spec_text, name, max_nodes, max_edges))


@bp.get("/m/<model_id>")
@work
def model_page(model_id: str) -> str:
    model = saved_model(model_id)
    parts = heavy(page_parts, model.spec, model.name, request.args.get("file", ""), *graph_limits())
    built = parts.project
    total_params = built.analysis.total_params if built.valid else model.total_params
    return render_template(
        "model.html",
        model=model,
        project=built,
        files=list(built.files),
        current=parts.current,
        code=parts.code,
        lines=built.files.get(parts.current, "").count("\n"),
        picture=parts.picture,
        sizes=graph_sizes(built.data),
        total_params=total_params,
        output_shape=built.analysis.output_shape if built.valid else None,
        summary=summary_text(model, total_params),
        parent_exists=bool(model.forked_from) and exists(model.forked_from or ""),
    )


@bp.get("/m/<model_id>/download.zip")
@work
def download(model_id: str) -> Response:
    model = saved_model(model_id)
    built = project(model.spec)
    if not built.valid or built.analysis.spec is None:
        raise PageError(
            422,
            "This model cannot be generated",
            f"“{model.name}” no longer passes the checks of this version of TorchCanvas, so "
            "there is no project to download. Open it in the editor to see and fix the "
            "problems.",
        )
    return zip_response(built.files, built.analysis.spec.name)


def css_response(css: str) -> Response:
    response = Response(css, mimetype="text/css")
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


@bp.get("/pages/pages.css")
def stylesheet() -> Response:
    return css_response(render_template("pages.css"))


@bp.get("/pages/code.css")
def code_stylesheet() -> Response:
    return css_response(formatter().get_style_defs(".highlight"))


# errors, as HTML


def error_page(status: int, title: str, message: str) -> tuple[str, int]:
    return render_template("page_error.html", status=status, title=title, message=message), status


@bp.errorhandler(PageError)
def page_error(error: PageError) -> tuple[str, int]:
    return error_page(error.status, error.title, error.message)


@bp.errorhandler(SQLAlchemyError)
def database_error(error: SQLAlchemyError) -> tuple[str, int]:
    current_app.logger.exception("database error on %s %s", request.method, request.path)
    return error_page(503, "The database is not available", "Please try again in a moment.")


@bp.errorhandler(Exception)
def unexpected(error: Exception) -> Response | tuple[str, int]:
    if isinstance(error, HTTPException):
        status = error.code or 500
        response = make_response(error_page(status, error.name, "The page cannot be shown."))
        retry_after = dict(error.get_headers()).get("Retry-After")  # 503 Busy
        if retry_after:
            response.headers["Retry-After"] = retry_after
        return response
    current_app.logger.exception("unexpected error on %s %s", request.method, request.path)
    return error_page(500, "Something went wrong", "Please try again; if it persists, report it.")
