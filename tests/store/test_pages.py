"""The public pages: /gallery, /m/<id>, /m/<id>/download.zip, and the graph pictures.

Pages are parsed with the standard library's HTMLParser: tests look at elements and
attributes, not at substrings, so an injected tag or attribute cannot hide. Hostile
strings saved through the API must come back only as text (escaped in the HTML source).
"""

from __future__ import annotations

import io
import json
import math
import re
import time
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import delete, update

from builder.gallery import PER_PAGE, excerpt
from builder.graph_picture import (
    EDGE,
    THUMB_MAX_NODES,
    canvas_svg,
    thumbnail_svg,
    xml_text,
)
from builder.graph_reading import read_graph
from builder.store import Revision, SavedModel, get_store
from codegen.analysis import analyze
from codegen.registry import BLOCKS
from tests.conftest import load_example
from tests.store.conftest import tiny_spec

JSON = "application/json"

# what the pages may contain: anything else was injected
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "link", "body", "header", "nav", "main", "footer",
    "a", "h1", "h2", "p", "ul", "li", "form", "label", "input", "select", "option", "button",
    "article", "section", "div", "span", "dl", "dt", "dd", "time", "code", "pre", "table",
    "tbody", "tr", "td", "svg", "g", "rect", "path", "polygon", "text",
}  # fmt: skip
VOID = {"meta", "link", "input", "br", "img", "hr", "source", "area", "base", "col", "wbr"}


# parsing


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    text: str = ""
    parents: tuple[int, ...] = ()  # indices of the enclosing elements

    def attr(self, name: str) -> str:
        return self.attrs.get(name) or ""


@dataclass
class Page(HTMLParser):
    """Every element of a page with its attributes and its text (that of its children too)."""

    elements: list[Element] = field(default_factory=list)
    open: list[int] = field(default_factory=list)
    attr_lists: list[list[tuple[str, str | None]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    @classmethod
    def of(cls, response: Any) -> Page:
        page = cls()
        page.feed(response.get_data(as_text=True))
        page.close()
        return page

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(Element(tag, dict(attrs), parents=tuple(self.open)))
        self.attr_lists.append(attrs)
        if tag not in VOID:
            self.open.append(len(self.elements) - 1)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(Element(tag, dict(attrs), parents=tuple(self.open)))
        self.attr_lists.append(attrs)

    def handle_endtag(self, tag: str) -> None:
        for k in range(len(self.open) - 1, -1, -1):
            if self.elements[self.open[k]].tag == tag:
                del self.open[k:]
                return

    def handle_data(self, data: str) -> None:
        for i in self.open:
            self.elements[i].text += data

    def find(self, tag: str, **attrs: str) -> list[Element]:
        wanted = {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}
        return [
            e
            for e in self.elements
            if e.tag == tag and all(e.attrs.get(k) == v for k, v in wanted.items())
        ]

    def one(self, tag: str, **attrs: str) -> Element:
        found = self.find(tag, **attrs)
        assert len(found) == 1, (tag, attrs, found)
        return found[0]

    def title(self) -> str:
        """The page's <title> (those in the SVG pictures are tooltips)."""
        head = self.one("head")
        return next(e.text for e in self.find("title") if self.elements.index(head) in e.parents)

    def meta(self, key: str) -> str:
        found = [
            e for e in self.find("meta") if key in (e.attrs.get("name"), e.attrs.get("property"))
        ]
        assert len(found) == 1, key
        return found[0].attr("content")

    def link(self, text: str) -> Element:
        return self.one_where("a", lambda e: e.text.strip() == text)

    def one_where(self, tag: str, test: Any) -> Element:
        found = [e for e in self.find(tag) if test(e)]
        assert len(found) == 1, (tag, found)
        return found[0]

    def by_class(self, name: str) -> list[Element]:
        return [e for e in self.elements if name in e.attr("class").split()]

    def within(self, tag: str, test: Any) -> list[Element]:
        """The `tag` elements inside an element that passes `test`."""
        return [
            e
            for e in self.elements
            if e.tag == tag and any(test(self.elements[i]) for i in e.parents)
        ]

    def texts_in(self, class_name: str, tag: str = "a") -> list[str]:
        return [e.text for e in self.within(tag, lambda p: class_name in p.attr("class").split())]


def assert_nothing_injected(page: Page) -> None:
    """Only our own tags, no scripts, no event handlers or inline styles, only local links."""
    for element, attrs in zip(page.elements, page.attr_lists, strict=True):
        assert element.tag in ALLOWED_TAGS, element
        names = [name for name, _ in attrs]
        assert len(names) == len(set(names)), f"duplicate attribute in {element}"
        for name, value in attrs:
            assert not name.startswith("on"), element
            assert name != "style", element
            if name in ("href", "src", "action", "xlink:href"):
                assert value is not None
                local = value.startswith(("/", "#", "?", "http://localhost/"))
                assert local or value == "data:,", element  # data:, is base.html's empty icon
                assert urlsplit(value.strip()).scheme in ("", "http", "data"), element


def save(client: Any, spec: dict[str, Any]) -> str:
    response = client.post("/api/models", data=json.dumps(spec), content_type=JSON)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def card_names(page: Page) -> list[str]:
    return [e.text for e in page.by_class("card-title")]


# the gallery


def test_gallery_lists_saved_models_with_their_facts(client):
    lenet = save(client, load_example("lenet-batchnorm"))
    iris = save(client, load_example("iris-classifier"))
    assert client.post(f"/api/models/{iris}/fork").status_code == 201
    response = client.get("/gallery")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = Page.of(response)
    assert_nothing_injected(page)
    cards = page.by_class("card")
    assert len(cards) == 3  # the fork is a model too
    facts = {e.attr("data-fact") for e in page.within("dd", lambda p: p.tag == "article")}
    assert facts == {"params", "forks", "created", "forked-from"}  # the fork's card says whose
    api = {m["id"]: m for m in client.get("/api/models").get_json()["models"]}
    params = [e.text for e in page.find("dd", data_fact="params")]
    forks = [e.text for e in page.find("dd", data_fact="forks")]
    links = [e.attr("href") for e in page.within("a", lambda p: p.tag == "h2")]
    ids = [href.rsplit("/", 1)[1] for href in links]
    assert set(ids) == set(api) and lenet in ids and iris in ids
    for model_id, shown_params, shown_forks in zip(ids, params, forks, strict=True):
        assert shown_params == f"{api[model_id]['total_params']:,}"
        assert shown_forks == str(api[model_id]["forks"])
    assert forks[ids.index(iris)] == "1"
    assert params[ids.index(lenet)] == "62,290"
    assert "LeNet with BatchNorm" in card_names(page)
    # a thumbnail per card, tags linking to a search, the creation date
    assert len(page.by_class("graph-thumb")) == 3
    assert "/gallery?q=cnn" in {e.attr("href") for e in page.find("a")}
    created = [e.attr("datetime")[:19] for e in page.find("time")]
    assert created == [api[model_id]["created_at"][:19] for model_id in ids]
    assert page.one("a", href="/gallery").attr("aria-current") == "page"
    assert {"Editor", "Gallery", "API"} <= {e.text.strip() for e in page.find("a")}
    assert page.link("API").attr("href") == "/api/docs"
    assert page.link("Editor").attr("href") == "/"


def test_gallery_search_and_sort(client):
    lenet = save(client, load_example("lenet-batchnorm"))
    iris = save(client, load_example("iris-classifier"))
    digits = save(client, load_example("digits-mlp"))
    for _ in range(2):
        client.post(f"/api/models/{iris}/fork")
    client.post(f"/api/models/{digits}/fork")

    def names(**query: str) -> list[str]:
        response = client.get("/gallery", query_string=query)
        assert response.status_code == 200
        return card_names(Page.of(response))

    assert names(q="iris") == ["Iris classifier"] * 3  # and its two forks
    assert names(q="batchnorm cifar10") == ["LeNet with BatchNorm"]
    assert names(q="no such model") == []
    forked = names(sort="forks")
    assert forked[:2] == ["Iris classifier", "Digits MLP"]
    biggest = names(sort="params")
    assert biggest[0] == "LeNet with BatchNorm"
    newest = names()
    assert newest[0] == "Digits MLP"  # its fork was saved last
    page = Page.of(client.get("/gallery", query_string={"q": "iris", "sort": "forks"}))
    assert page.one("input", name="q").attr("value") == "iris"
    assert "selected" in page.one("option", value="forks").attrs
    assert lenet not in json.dumps([e.attrs for e in page.find("a")])


def test_gallery_pages(client):
    total = PER_PAGE + 3
    for k in range(total):
        save(client, tiny_spec(name=f"Model {k:02d}"))
    first = Page.of(client.get("/gallery"))
    assert len(first.by_class("card")) == PER_PAGE
    assert first.one("a", rel="next").attr("href") == "/gallery?page=2"
    assert not first.find("a", rel="prev")
    second = Page.of(client.get("/gallery?page=2"))
    assert len(second.by_class("card")) == 3
    assert second.one("a", rel="prev").attr("href") == "/gallery"
    assert not second.find("a", rel="next")
    assert set(card_names(first)).isdisjoint(card_names(second))
    assert set(card_names(first)) | set(card_names(second)) == {
        f"Model {k:02d}" for k in range(total)
    }
    assert "Page 2 of 2" in second.one("nav", aria_label="Pages").text
    kept = Page.of(client.get("/gallery?page=2&sort=params&q=model"))
    assert kept.one("a", rel="prev").attr("href") == "/gallery?q=model&sort=params"
    # bad values are clamped, never an error
    for query in ["page=abc", "page=0", "page=-3", "page=", "page=1e9", "page=" + "9" * 40]:
        response = client.get(f"/gallery?{query}")
        assert response.status_code == 200, query
    assert card_names(Page.of(client.get("/gallery?page=-3"))) == card_names(first)
    assert card_names(Page.of(client.get("/gallery?page=99"))) == card_names(second)
    for query in ["sort=bogus", "q=" + "x" * 5000, "q=%00", "sort=params&sort=forks", "per_page=1"]:
        assert client.get(f"/gallery?{query}").status_code == 200, query


def test_gallery_empty_states(client):
    page = Page.of(client.get("/gallery"))
    assert not page.by_class("card")
    assert "No models have been shared yet" in page.by_class("empty")[0].text
    save(client, tiny_spec())
    page = Page.of(client.get("/gallery?q=zebra"))
    assert "No model matches “zebra”" in page.by_class("empty")[0].text


# the model page


def test_model_page_shows_the_model(client):
    spec = load_example("digits-resnet")
    model_id = save(client, spec)
    response = client.get(f"/m/{model_id}")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    page = Page.of(response)
    assert_nothing_injected(page)
    assert page.one("h1").text == spec["name"]
    assert page.by_class("description")[0].text == spec["description"]
    assert page.texts_in("tags") == spec["tags"]
    analysis = analyze(spec)
    assert page.one("dd", data_fact="params").text == f"{analysis.total_params:,}"
    assert page.one("dd", data_fact="output-shape").text == "(10)"
    assert page.one("dd", data_fact="revision").text == "1"
    assert page.one("dd", data_fact="forks").text == "0"
    saved = client.get(f"/api/models/{model_id}").get_json()
    times = {e.attr("datetime") for e in page.find("time")}
    assert len(times) == 1 and next(iter(times))[:19] == saved["created_at"][:19]
    assert not page.find("dd", data_fact="forked-from")
    # the four links, exactly
    assert page.link("Open in editor").attr("href") == f"/?model={model_id}"
    assert page.link("Fork").attr("href") == f"/?fork={model_id}"
    assert page.link("Download .zip").attr("href") == f"/m/{model_id}/download.zip"
    assert page.link("Raw JSON").attr("href") == f"/api/models/{model_id}"
    # the picture: every node, every edge with its arrow, shapes and counts
    svg = page.one("svg", role="img")
    nodes = [e for e in page.find("g") if "node" in e.attr("class").split()]
    assert [n.attr("data-id") for n in nodes] == ["input", *(n["id"] for n in spec["nodes"])]
    assert len(page.find("polygon")) == len(spec["edges"])
    assert "2,320 params" in svg.text and "→ (16, 8, 8)" in svg.text
    assert "model output" in svg.text
    # the code, highlighted with classes, and a file switcher without JavaScript
    files = [text.strip() for text in page.texts_in("files")]
    assert files == [
        "model.py",
        "data.py",
        "train.py",
        "export.py",
        "requirements.txt",
        "README.md",
        "spec.json",
        "notebook.ipynb",
    ]
    current = page.one("a", aria_current="page", href=f"/m/{model_id}?file=model.py#code")
    assert current.text.strip() == "model.py"
    code = page.by_class("highlight")[0]
    generated = client.post("/api/generate?format=json", json=spec).get_json()["files"]
    assert code.text.replace("\n", "").endswith(generated["model.py"].replace("\n", ""))
    assert page.by_class("k")  # Pygments token classes
    train = Page.of(client.get(f"/m/{model_id}?file=train.py"))
    assert train.one("div", data_file="train.py")
    assert "def main" in train.by_class("highlight")[0].text
    other = Page.of(client.get(f"/m/{model_id}?file=../../etc/passwd"))
    assert other.one("div", data_file="model.py")
    # the stylesheets are files of this app
    sheets = [e.attr("href") for e in page.find("link", rel="stylesheet")]
    assert sheets == ["/pages/pages.css", "/pages/code.css"]
    for sheet in sheets:
        css = client.get(sheet)
        assert css.status_code == 200 and css.mimetype == "text/css"
        assert "{#" not in css.get_data(as_text=True)
    assert ".highlight .k" in client.get("/pages/code.css").get_data(as_text=True)


def test_model_page_link_preview_tags(client):
    spec = load_example("iris-classifier")
    model_id = save(client, spec)
    page = Page.of(client.get(f"/m/{model_id}"))
    assert page.title() == f"{spec['name']} · TorchCanvas"
    assert page.meta("description") == spec["description"]
    assert page.meta("og:title") == spec["name"]
    assert page.meta("og:description") == spec["description"]
    assert page.meta("og:type") == "website"
    assert page.meta("og:url") == f"http://localhost/m/{model_id}"
    assert page.meta("og:site_name") == "TorchCanvas"
    assert page.meta("twitter:card") == "summary"
    assert page.one("link", rel="canonical").attr("href") == f"http://localhost/m/{model_id}"
    # without a description, a sentence about the model
    other = save(client, tiny_spec(name="Bare"))
    preview = Page.of(client.get(f"/m/{other}")).meta("og:description")
    assert preview == "A PyTorch model with 10 parameters, built with TorchCanvas."


def test_forks_link_to_their_parent(client):
    parent = save(client, tiny_spec())
    child = client.post(f"/api/models/{parent}/fork").get_json()["id"]
    page = Page.of(client.get(f"/m/{child}"))
    forked = page.one("dd", data_fact="forked-from")
    assert forked.text == f"{parent}, revision 1"
    assert page.one("a", href=f"/m/{parent}").text == parent
    assert Page.of(client.get(f"/m/{parent}")).one("dd", data_fact="forks").text == "1"
    # the gallery's card of the fork says where it comes from
    gallery = Page.of(client.get("/gallery"))
    assert gallery.one("dd", data_fact="forked-from").text == parent
    assert gallery.texts_in("card").count(parent) == 1  # the link to the parent
    with get_store(client.application).engine.begin() as connection:
        connection.execute(delete(Revision).where(Revision.model_id == parent))
        connection.execute(delete(SavedModel).where(SavedModel.id == parent))
    page = Page.of(client.get(f"/m/{child}"))
    assert page.one("dd", data_fact="forked-from").text == f"{parent} (deleted), revision 1"
    assert not page.find("a", href=f"/m/{parent}")


def test_download_is_the_generated_project(client):
    spec = load_example("lenet-batchnorm")
    model_id = save(client, spec)
    response = client.get(f"/m/{model_id}/download.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="lenet-with-batchnorm.zip"'
    )
    generated = client.post("/api/generate?format=json", json=spec).get_json()["files"]
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert archive.testzip() is None
        files = {name.split("/", 1)[1]: archive.read(name).decode() for name in archive.namelist()}
        assert {name.split("/", 1)[0] for name in archive.namelist()} == {"lenet-with-batchnorm"}
    assert files["model.py"] == generated["model.py"]
    assert files == generated
    same = client.post("/api/generate", json=spec)
    assert same.data == response.data  # byte for byte the zip of POST /api/generate


def test_unknown_and_malformed_ids_are_html_404(client):
    model_id = save(client, tiny_spec())
    token_response = client.post("/api/models", json=tiny_spec(name="Gone"))
    gone, token = token_response.get_json()["id"], token_response.get_json()["edit_token"]
    deleted = client.delete(f"/api/models/{gone}", headers={"Authorization": f"Bearer {token}"})
    assert deleted.status_code == 204
    for path in [
        "/m/doesnotexist",
        f"/m/{gone}",
        f"/m/{gone}/download.zip",
        "/m/" + "a" * 65,
        "/m/bad%20id",
        "/m/%3Cscript%3E",
        "/m/a.b",
        "/m/doesnotexist/download.zip",
    ]:
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.mimetype == "text/html", path
        page = Page.of(response)
        assert_nothing_injected(page)
        assert page.one("h1").text == "Model not found"
        assert "<script>" not in response.get_data(as_text=True)
    assert client.get(f"/m/{model_id}").status_code == 200


def test_a_stored_spec_that_no_longer_validates(client, app):
    good = save(client, load_example("iris-classifier"))
    broken = load_example("iris-classifier")
    broken["nodes"][0]["type"] = "RetiredLayer"
    bad = save(client, tiny_spec(name="Soon broken"))
    junk = save(client, tiny_spec(name="Junk"))
    with get_store(app).engine.begin() as connection:
        connection.execute(
            update(SavedModel).where(SavedModel.id == bad).values(spec=json.dumps(broken))
        )
        connection.execute(update(SavedModel).where(SavedModel.id == junk).values(spec="{"))
    for model_id in (bad, junk):
        response = client.get(f"/m/{model_id}")
        assert response.status_code == 200
        page = Page.of(response)
        assert_nothing_injected(page)
        assert (
            "does not pass the checks" in page.one("section", aria_labelledby="problems-title").text
        )
        assert page.find("svg", role="img")
        assert not page.by_class("highlight")
        download = client.get(f"/m/{model_id}/download.zip")
        assert download.status_code == 422
        assert download.mimetype == "text/html"
        assert Page.of(download).one("h1").text == "This model cannot be generated"
    assert "RetiredLayer" in Page.of(client.get(f"/m/{bad}")).one("svg", role="img").text
    assert client.get("/gallery").status_code == 200
    assert client.get(f"/m/{good}/download.zip").status_code == 200


# hostile strings everywhere a user can put text


NASTY = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "{{7*7}}",
    "{% raw %}{{ config }}{% endraw %}",
    "</textarea></title></style><b>bold</b>",
    "javascript:alert(1)",
    " javascript:alert(document.cookie)//",
    "&lt;already escaped&gt; &amp; &#x3C;",
    "\"quotes\" and 'apostrophes' `ticks`",
    "\u202eevil\u202c",
    "🚀👩‍👩‍👧 ünïcödé 中文 עברית",
    "\x1b[31mred\x1b[0m\x07",
    "\r\n\t line\u2028breaks\u2029",
    "<!-- comment --><![CDATA[x]]>",
    "]]><x/>",
]
plain = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=1,
    max_size=40,
)
hostile = st.one_of(st.sampled_from(NASTY), plain)
TAG_LIKE_IDS = ["script", "onerror", "img", "svg", "javascript", "style", "iframe", "x_onload"]


def hostile_spec(
    name: str, description: str, tags: list[str], labels: list[str], ids: list[str]
) -> dict[str, Any]:
    """A residual graph whose free text is hostile; node ids are odd but valid."""
    first, second, merge = ids
    spec = tiny_spec(name=name, description=description, tags=tags)
    spec["nodes"] = [
        {"id": first, "type": "Linear", "params": {"out_features": 4}, "label": labels[0]},
        {"id": second, "type": "ReLU", "label": labels[1]},
        {"id": merge, "type": "Add", "label": labels[2]},
    ]
    spec["edges"] = [
        {"source": "input", "target": first},
        {"source": first, "target": second},
        {"source": second, "target": merge},
        {"source": "input", "target": merge},
    ]
    spec["layout"] = {labels[0]: {"x": 1, "y": 2}}  # a key that names no node: ignored
    return spec


def shown(text: str) -> str:
    return str(escape(text))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    name=hostile.filter(lambda s: len(s) <= 120),
    description=hostile,
    tags=st.lists(hostile, min_size=1, max_size=3),
    labels=st.lists(hostile, min_size=3, max_size=3),
    ids=st.lists(st.sampled_from(TAG_LIKE_IDS), min_size=3, max_size=3, unique=True),
)
def test_hostile_strings_are_only_ever_text(app, client, name, description, tags, labels, ids):
    with get_store(app).engine.begin() as connection:
        connection.execute(delete(Revision))
        connection.execute(delete(SavedModel))
    spec = hostile_spec(name, description, tags, labels, ids)
    model_id = save(client, spec)
    shown_tags = [t for t in tags if t.strip()]

    # the gallery card
    response = client.get("/gallery")
    html = response.get_data(as_text=True)
    page = Page.of(response)
    assert_nothing_injected(page)
    assert card_names(page) == [name]
    assert shown(name) in html
    short = excerpt(description)
    assert [e.text for e in page.by_class("excerpt")] == ([short] if short else [])
    assert page.texts_in("tags") == shown_tags
    assert len(page.find("svg")) == 1 and page.find("svg")[0].attr("aria-hidden") == "true"

    # the model page, its head included
    response = client.get(f"/m/{model_id}")
    html = response.get_data(as_text=True)
    page = Page.of(response)
    assert_nothing_injected(page)
    assert page.one("h1").text == name
    assert page.title() == f"{name} · TorchCanvas"
    assert page.meta("og:title") == name
    summary = excerpt(description, 200) or "A PyTorch model with 20 parameters"
    assert page.meta("og:description").startswith(summary)
    assert page.meta("description") == page.meta("og:description")
    assert page.by_class("description")[0].text == description
    assert shown(name) in html and shown(description) in html
    assert page.texts_in("tags") == shown_tags
    for tag in shown_tags:
        assert shown(tag) in html

    # the picture: labels in each node's title, ids in data-id, nothing else of theirs
    nodes = [e for e in page.find("g") if "node" in e.attr("class").split()]
    assert [n.attr("data-id") for n in nodes] == ["input", *ids]
    titles = page.within("title", lambda p: p.tag == "g")
    for node_id, label, node_type in zip(ids, labels, ["Linear", "ReLU", "Add"], strict=True):
        expected = f"{node_type} {node_id} ({xml_text(label)})"
        assert any(t.text.startswith(expected) for t in titles), (expected, titles)
        assert shown(expected) in html

    # the generated code shows them as highlighted text only
    code = page.by_class("highlight")[0].text
    assert "class " in code


# the pictures on their own


def svg_tree(svg: str) -> ET.Element:
    return ET.fromstring(svg)


NS = "{http://www.w3.org/2000/svg}"


def boxes(svg: str) -> dict[str, tuple[float, float]]:
    """The top-left corner of each node's box, by node id."""
    found = {}
    for group in svg_tree(svg).iter(f"{NS}g"):
        rect = group.find(f"{NS}rect")
        assert rect is not None
        found[group.get("data-id")] = (float(rect.get("x")), float(rect.get("y")))
    return found


def concat_spec(layout: dict[str, Any] | None = None) -> dict[str, Any]:
    spec = tiny_spec(name="Branches")
    spec["nodes"] = [
        {"id": "left", "type": "Linear", "params": {"out_features": 3}},
        {"id": "right", "type": "Linear", "params": {"out_features": 5}},
        {"id": "join", "type": "Concat"},
        {"id": "head", "type": "Linear", "params": {"out_features": 2}},
    ]
    spec["edges"] = [
        {"source": "input", "target": "left"},
        {"source": "input", "target": "right"},
        {"source": "left", "target": "join"},
        {"source": "right", "target": "join"},
        {"source": "join", "target": "head"},
    ]
    if layout is not None:
        spec["layout"] = layout
    return spec


def test_layered_picture_puts_branches_side_by_side():
    spec = concat_spec()
    analysis = analyze(spec)
    assert analysis.valid, analysis.problems
    svg = str(canvas_svg(spec, analysis, "Branches"))
    place = boxes(svg)
    assert list(place) == ["input", "left", "right", "join", "head"]
    assert place["left"][1] == place["right"][1] > place["input"][1]
    assert place["left"][0] < place["right"][0]
    assert place["join"][1] > place["left"][1] and place["head"][1] > place["join"][1]
    tree = svg_tree(svg)
    assert len(tree.findall(f"{NS}polygon")) == 5  # an arrowhead per edge
    texts = [t.text for t in tree.iter(f"{NS}text")]
    assert "→ (8)" in texts and "(4)" in texts  # Concat's shape, the input's
    assert "out_features=3" in texts and "25 params" in texts
    assert tree.find(f"{NS}title").text == "Branches"


def test_residual_edge_goes_around_the_blocks_it_skips():
    spec = load_example("digits-resnet")
    svg = str(canvas_svg(spec, analyze(spec)))
    place = boxes(svg)
    assert len({x for x, _ in place.values()}) == 1  # one column
    paths = [p.get("d") for p in svg_tree(svg).iter(f"{NS}path") if p.get("stroke") == EDGE]
    assert len(paths) == len(spec["edges"])
    # stem_act -> residual is the only wire that leaves the column, beside it
    xs = [[float(x) for x in re.findall(r"-?[\d.]+", d)[::2]] for d in paths]
    detours = [x for x in xs if max(x) > place["conv_a"][0] + 200]
    assert len(detours) == 1


def test_picture_follows_the_layout_when_it_places_every_node():
    layout = {
        "input": {"x": 10, "y": -50},
        "left": {"x": -300, "y": 100},
        "right": {"x": 300, "y": 100.5},
        "join": {"x": 0, "y": 250},
        "head": {"x": 0, "y": 400},
    }
    place = boxes(str(canvas_svg(concat_spec(layout))))
    assert place == {k: (v["x"], v["y"]) for k, v in layout.items()}
    # without "input", the input box goes above the first layer it feeds
    del layout["input"]
    place = boxes(str(canvas_svg(concat_spec(layout))))
    assert place["input"][1] < 100 and place["input"][0] == -300
    # a layout that misses nodes is not used (as in the editor)
    partial = {"left": {"x": 5000, "y": 5000}}
    place = boxes(str(canvas_svg(concat_spec(partial))))
    assert place["left"] != (5000, 5000)
    assert place["left"][1] == place["right"][1]


def test_thumbnail_is_small_and_fills_a_card():
    spec = load_example("lenet-batchnorm")
    svg = str(thumbnail_svg(spec))
    tree = svg_tree(svg)
    assert tree.get("aria-hidden") == "true" and tree.get("width") is None
    rects = tree.findall(f"{NS}rect")
    assert len(rects) == 2 * (len(spec["nodes"]) + 1)
    _, _, width, height = (float(v) for v in tree.get("viewBox").split())
    assert 0.8 < width / height < 3  # a tall stack is folded into columns
    assert {t.text for t in tree.iter(f"{NS}text")} <= {*BLOCKS, "Input", "AdaptiveAvgPo…"}


BROKEN: list[Any] = [
    None,
    [],
    "spec",
    {},
    {"nodes": "many"},
    {"nodes": [None, 3, "x", {"id": 5}, {"id": ""}, {"type": "Linear"}]},
    {"nodes": [{"id": "a", "type": "Linear"}, {"id": "a", "type": "ReLU"}]},
    {  # a cycle, a self-loop, an edge into input, dangling and odd edges
        "input": {"shape": [4]},
        "nodes": [{"id": "a", "type": "Linear"}, {"id": "b", "type": "ReLU"}],
        "edges": [
            {"source": "input", "target": "a"},
            {"source": "a", "target": "b"},
            {"source": "b", "target": "a"},
            {"source": "a", "target": "a"},
            {"source": "b", "target": "input"},
            {"source": "ghost", "target": "b"},
            {"source": ["a"], "target": {"b": 1}},
            "edge",
        ],
        "output": ["a"],
    },
    {"nodes": [{"id": "a", "type": "Linear"}], "edges": "none"},
    {  # unbounded and non-numeric layout values
        "nodes": [{"id": "a", "type": "Conv2d", "params": {"kernel_size": [3, [3]]}}],
        "layout": {"a": {"x": 1e308, "y": float("nan")}, "input": {"x": "1", "y": True}},
    },
    {  # hostile text where a validated spec could never have it
        "input": {"shape": ["<b>", 3]},
        "nodes": [{"id": "<script>", "type": '"><img onerror=x>', "label": 7}],
        "output": "<script>",
    },
]


@pytest.mark.parametrize("data", BROKEN, ids=range(len(BROKEN)))
def test_broken_specs_still_get_a_picture(data):
    for svg in (str(canvas_svg(data, analyze(data))), str(thumbnail_svg(data))):
        tree = svg_tree(svg)  # well-formed XML
        assert "no picture" not in svg  # drawn, not the fallback
        assert "<script>" not in svg and "<img" not in svg
        assert all(not key.startswith("on") for e in tree.iter() for key in e.attrib)
    assert read_graph(data).boxes[0].id == "input"


def test_huge_graphs_are_drawn_quickly():
    chain = {
        "input": {"shape": [8]},
        "nodes": [{"id": f"n{i}", "type": "ReLU"} for i in range(2000)],
    }
    started = time.perf_counter()
    canvas = str(canvas_svg(chain, analyze(chain)))
    thumb = str(thumbnail_svg(chain))
    assert time.perf_counter() - started < 10
    assert len(boxes(canvas)) == 2001
    assert len(svg_tree(thumb).findall(f"{NS}rect")) == 2 * THUMB_MAX_NODES
    assert "no picture" not in canvas + thumb


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)
node_ids = st.sampled_from(["input", "a", "b", "c", "d"]) | st.text(max_size=4) | json_values
spec_like = st.fixed_dictionaries(
    {
        "input": st.fixed_dictionaries({"shape": st.lists(st.integers(-2, 50), max_size=5)})
        | json_values,
        "nodes": st.lists(
            st.fixed_dictionaries(
                {
                    "id": node_ids,
                    "type": st.sampled_from([*BLOCKS, "Nope"]) | json_values,
                    "params": st.dictionaries(
                        st.sampled_from(["out_features", "kernel_size", "p", "dim"]),
                        json_values,
                        max_size=3,
                    ),
                    "label": st.none() | st.text(max_size=20),
                }
            )
            | json_values,
            max_size=8,
        ),
        "edges": st.none()
        | st.lists(
            st.fixed_dictionaries({"source": node_ids, "target": node_ids}) | json_values,
            max_size=12,
        ),
        "layout": st.dictionaries(
            node_ids.filter(lambda v: isinstance(v, str)),
            st.fixed_dictionaries({"x": json_values, "y": json_values}),
            max_size=6,
        ),
        "output": node_ids,
    }
)


@settings(max_examples=150, deadline=None)
@given(data=spec_like)
def test_any_spec_like_data_gives_a_well_formed_picture(data):
    for svg in (str(canvas_svg(data, analyze(data))), str(thumbnail_svg(data))):
        assert "no picture" not in svg
        tree = svg_tree(svg)
        assert all(math.isfinite(float(v)) for v in tree.get("viewBox", "").split())
        for element in tree.iter(f"{NS}rect"):
            assert all(math.isfinite(float(element.get(k, "0"))) for k in ("x", "y", "width"))
