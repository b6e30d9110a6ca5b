"""The OpenAPI document (/api/openapi.json) and the API reference page (/api/docs).

The document must describe exactly the app's `/api` routes (checked against the URL map)
and what the server really answers: schemathesis fuzzes every operation of a live
`torchcanvas serve` and checks statuses, content types, headers and bodies against it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from builder.api.openapi import DESCRIPTIONS, api_routes, openapi_document
from builder.api.schemas import (
    Catalog,
    ErrorResponse,
    ExampleList,
    GeneratedFiles,
    Health,
    ModelSpec,
    ValidationResult,
)
from tests.conftest import load_example
from tests.live_server import live_server

# the rules' variable names, and what the document calls them
PARAM_NAMES = {"model_id": "id", "number": "revision", "name": "name", "run_id": "run_id",
               "upload_id": "upload_id", "artifact": "artifact", "experiment": "experiment"}  # fmt: skip
TINY_SPEC = {
    "format": "torchcanvas.model",
    "version": 1,
    "name": "Tiny",
    "input": {"shape": [4]},
    "nodes": [{"id": "fc", "type": "Linear", "params": {"out_features": 2}}],
}
EXAMPLES = ["lenet-batchnorm", "digits-mlp"]
SCHEMA_TYPES = {"IntegerConverter": "integer", "UnicodeConverter": "string"}


def served_operations(app: Any) -> dict[tuple[str, str], dict[str, str]]:
    """(method, OpenAPI path) of every /api rule, with the converter of each variable."""
    found = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = re.sub(
            r"<(?:(\w+):)?(\w+)>", lambda m: "{" + PARAM_NAMES[m.group(2)] + "}", rule.rule
        )
        converters = {
            PARAM_NAMES[name]: type(converter).__name__
            for name, converter in rule._converters.items()
        }
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found[(method.lower(), path)] = converters
    return found


def documented_operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            yield method, path, operation


def refs_in(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "$ref" and isinstance(item, str):
                yield item
            else:
                yield from refs_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from refs_in(item)


# the document


def test_document_paths_are_the_url_maps_api_rules(app):
    document = openapi_document()
    served = served_operations(app)
    documented = {(m, p) for m, p, _ in documented_operations(document)}
    assert documented == set(served)
    for method, path, operation in documented_operations(document):
        params = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "path"}
        assert set(params) == set(re.findall(r"{(\w+)}", path)), (method, path)
        for name, converter in served[(method, path)].items():
            assert params[name]["required"] is True
            assert params[name]["schema"]["type"] == SCHEMA_TYPES[converter], (path, name)


def test_every_operation_documents_its_responses(app):
    document = openapi_document()
    ids = []
    for method, path, operation in documented_operations(document):
        ids.append(operation["operationId"])
        assert operation["summary"] and operation["tags"], (method, path)
        responses = operation["responses"]
        assert responses and any(s.startswith("2") for s in responses), (method, path)
        for status, response in responses.items():
            assert response["description"], (method, path, status)
            if int(status) >= 400:
                schema = response["content"]["application/json"]["schema"]["$ref"]
                assert schema.rsplit("/", 1)[1] in {"ErrorResponse", "ValidationResult"}
        if "requestBody" in operation:
            assert {"400", "413", "415", "422"} <= set(responses), (method, path)
        if method in {"put", "delete"}:
            assert operation["security"] == [{"bearerAuth": []}]
            assert {"401", "403", "404", "429"} <= set(responses)
        if method != "get" and path.startswith("/api/models"):
            assert "429" in responses, (method, path)
    assert len(ids) == len(set(ids))
    for method, path, status in DESCRIPTIONS:  # no description of a response that is gone
        assert str(status) in document["paths"][path][method]["responses"]
    assert document["paths"]["/api/models/{id}"]["get"]["responses"]["304"]
    assert "ETag" in document["paths"]["/api/models"]["post"]["responses"]["201"]["headers"]
    generate = document["paths"]["/api/generate"]["post"]["responses"]["200"]["content"]
    assert set(generate) == {"application/json", "application/zip"}


def test_components_resolve_and_are_json_schemas():
    import jsonschema_rs

    document = openapi_document()
    schemas = document["components"]["schemas"]
    for ref in set(refs_in(document)):
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.rsplit("/", 1)[1] in schemas, ref
    for name, schema in schemas.items():
        assert jsonschema_rs.meta.is_valid(schema), name
    used = {ref.rsplit("/", 1)[1] for ref in refs_in(document["paths"])}
    reachable = set(used)
    while True:
        more = {r.rsplit("/", 1)[1] for name in reachable for r in refs_in(schemas[name])}
        if more <= reachable:
            break
        reachable |= more
    assert reachable == set(schemas), "unused components"
    assert document["info"]["title"] == "TorchCanvas"
    assert document["servers"] == [{"url": "/"}]
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_document_is_valid_openapi_3_1():
    document = openapi_document()
    try:
        from openapi_spec_validator import validate
    except ImportError:  # not installed: the OAS 3.1 schema that schemathesis ships
        import jsonschema_rs
        from schemathesis.specs.openapi.definitions import OPENAPI_31

        validator = jsonschema_rs.validator_for(OPENAPI_31)
        assert not validator.is_valid({"openapi": "3.1.0", "paths": {}})  # it does check
        errors = [f"{e.instance_path}: {e.message}" for e in validator.iter_errors(document)]
        assert not errors
    else:  # pragma: no cover - depends on the environment
        validate(document)


def test_document_is_served_and_cached(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == openapi_document()
    assert openapi_document() is openapi_document()
    assert response.cache_control.max_age == 300


def test_routes_tables_cover_core_and_models_endpoints():
    paths = {r.path for r in api_routes()}
    assert {"/api/health", "/api/generate", "/api/models/{id}/revisions/{revision}"} <= paths


# the models the core API is described by, against real answers


def test_definitions_and_the_library_are_in_the_document():
    """The spec's `modules`, the library of definitions in the catalog and the nodes inside
    an instance in a validation result: one `ModuleSpec` type for the spec and the library
    (the editor's TypeScript types come from this document)."""
    schemas = openapi_document()["components"]["schemas"]
    module = {"$ref": "#/components/schemas/ModuleSpec"}
    assert schemas["ModelSpec"]["properties"]["modules"]["additionalProperties"] == module
    library = schemas["Catalog"]["properties"]["library"]
    assert library["items"] == {"$ref": "#/components/schemas/LibraryDefinition"}
    assert schemas["LibraryDefinition"]["properties"]["definition"] == module
    assert {"params", "inputs", "nodes", "edges", "output"} <= set(
        schemas["ModuleSpec"]["properties"]
    )
    assert schemas["NodeSpec"]["properties"]["repeat"]["maximum"] == 1000
    assert "inner" in schemas["NodeResult"]["properties"]


def test_the_catalog_serves_the_library(client):
    names = [e["name"] for e in client.get("/api/catalog").get_json()["library"]]
    assert {"BasicBlock", "Bottleneck", "TransformerBlock", "SqueezeExcitation"} <= set(names)
    assert "InvertedResidual" in names


def test_core_answers_fit_their_models(client):
    Health.model_validate_json(client.get("/api/health").data, strict=True)
    Catalog.model_validate_json(client.get("/api/catalog").data, strict=True)
    examples = ExampleList.model_validate_json(client.get("/api/examples").data, strict=True)
    for example in examples.root:
        answer = client.get(f"/api/examples/{example.name}")
        ModelSpec.model_validate_json(answer.data, strict=True)
        checked = client.post("/api/validate", json=answer.get_json())
        assert checked.status_code == 200
        ValidationResult.model_validate_json(checked.data, strict=True)
    invalid = client.post("/api/validate", json={"nodes": 3})
    assert invalid.status_code == 422
    ValidationResult.model_validate_json(invalid.data, strict=True)
    spec = load_example("lenet-batchnorm")
    files = client.post("/api/generate?format=json", json=spec)
    GeneratedFiles.model_validate_json(files.data, strict=True)
    rejected = client.post("/api/generate", json={"nodes": 3})
    assert rejected.status_code == 422
    ErrorResponse.model_validate_json(rejected.data, strict=True)


# what the first schemathesis runs found (500s, fixed in builder/api/models.py)


@pytest.fixture
def store_client(tmp_path: Path) -> Any:
    from builder import create_app
    from builder.store import upgrade_app

    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}",
            "RATELIMIT_WRITES": "100000/minute",
            "RATELIMIT_WORK": "1000000/second",
        }
    )
    upgrade_app(app)
    return app.test_client()


def test_huge_revision_number_is_404_not_500(store_client):
    model_id = store_client.post("/api/models", json=TINY_SPEC).get_json()["id"]
    for number in ["2147483647", "2147483648", "66477251595284545536"]:
        response = store_client.get(f"/api/models/{model_id}/revisions/{number}")
        assert response.status_code == 404, number
        ErrorResponse.model_validate_json(response.data, strict=True)
    assert store_client.get(f"/api/models/{model_id}/revisions/1").status_code == 200


def test_empty_entity_tag_in_if_match_is_a_conflict_not_500(store_client):
    saved = store_client.post("/api/models", json=TINY_SPEC).get_json()
    auth = {"Authorization": f"Bearer {saved['edit_token']}"}
    url = f"/api/models/{saved['id']}"
    for if_match in ['""', '"`{", W/"array", ""']:
        response = store_client.put(url, json=TINY_SPEC, headers={**auth, "If-Match": if_match})
        assert response.status_code == 409, if_match
    response = store_client.put(url, json=TINY_SPEC, headers={**auth, "If-Match": '"", "r1"'})
    assert response.status_code == 200
    assert response.headers["ETag"] == '"r2"'


# the reference page


class PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_docs_page_lists_every_operation_without_scripts_or_cdn(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    page = PageParser()
    page.feed(html)
    text = "".join(page.text)
    for method, path, operation in documented_operations(openapi_document()):
        assert f"{method.upper()} {path}" in text or path in text, (method, path)
        assert f'id="{operation["operationId"]}"' in html
    for name in openapi_document()["components"]["schemas"]:
        assert f'id="schema-{name}"' in html
    # saving and forking need no token; starting a run may (TORCHCANVAS_RUNS=owners)
    saving = re.findall(r"curl -X POST [^\n]*?/api/models(?:/<id>/fork)?'", text)
    assert len(saving) == 2 and not any("Authorization" in line for line in saving)
    assert "curl -X PUT -H 'Authorization: Bearer <edit_token>'" in text
    assert "<edit_token>" not in html and "&lt;edit_token&gt;" in html  # autoescaped
    scripts = [attrs for tag, attrs in page.tags if tag == "script"]
    assert all(attrs.get("src") for attrs in scripts)
    assert "<script>" not in html and not re.search(r"<script(?![^>]*\ssrc=)", html)
    for _tag, attrs in page.tags:
        for key in ("src", "href", "action"):
            value = attrs.get(key) or ""
            assert not re.match(r"^(https?:)?//", value), (key, value)
    assert 'href="/api/openapi.json"' in html
    stylesheets = [a["href"] for t, a in page.tags if t == "link" and a.get("rel") == "stylesheet"]
    assert stylesheets == ["/static/api-docs.css"]
    assert "<style" not in html


def test_docs_page_has_a_strict_policy(client):
    response = client.get("/api/docs")
    csp = dict(
        d.strip().split(" ", 1) for d in response.headers["Content-Security-Policy"].split(";")
    )
    assert csp["default-src"] == "'none'" and "script-src" not in csp
    assert csp["style-src"] == "'self'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_docs_stylesheet_is_served(client):
    response = client.get("/static/api-docs.css")
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    css = response.get_data(as_text=True)
    assert ".operation" in css and "{#" not in css and "http" not in css


# schemathesis against a live server


@pytest.fixture(scope="module")
def running_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`torchcanvas serve` on a free port with a fresh SQLite store; no traceback allowed."""
    folder = tmp_path_factory.mktemp("openapi-server")
    database = f"sqlite:///{folder / 'store.db'}"
    # a worker answers checks; runs of the examples are over this server's size cap (422)
    runs = {"TORCHCANVAS_RUN_MAX_SAMPLE_EPOCHS": "2000", "TORCHCANVAS_RUN_THREADS": "1",
            "TORCHCANVAS_RUN_WAIT": "25"}  # fmt: skip
    log = folder / "server.log"
    with live_server(database, log, "--with-worker", no_tracebacks=True, env=runs) as url:
        yield url


@pytest.fixture(scope="module")
def live_schema(running_server: str) -> Any:
    return schemathesis.openapi.from_url(f"{running_server}/api/openapi.json")


def conformance_checks() -> list[Any]:
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    return [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
    ]


OPERATIONS = [(m, p) for m, p, _ in documented_operations(openapi_document())]
# DELETE last: it may delete the saved model the other operations of a path use
OPERATIONS.sort(key=lambda op: op[0] == "delete")


@pytest.mark.slow
@pytest.mark.parametrize(
    "method, path", OPERATIONS, ids=[f"{m.upper()} {p}" for m, p in OPERATIONS]
)
def test_server_answers_as_documented(
    running_server: str, live_schema: Any, method: str, path: str
):
    """Fuzzed requests (valid and invalid ones), on a model that exists and on made-up ones.

    Random specs are almost never valid models, so the examples are sent as well, to reach
    the 200s of validate and generate (zip and JSON) and the 201 of saving.
    """
    operation = live_schema[path][method.upper()]
    strategies = [
        operation.as_strategy(),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    ]
    if "{name}" in path:
        strategies += [operation.as_strategy(path_parameters={"name": n}) for n in EXAMPLES]
    if "requestBody" in openapi_document()["paths"][path][method]:
        strategies += [operation.as_strategy(body=load_example(n)) for n in EXAMPLES]
    if "{id}" in path:
        saved = requests.post(f"{running_server}/api/models", json=TINY_SPEC, timeout=30)
        assert saved.status_code == 201, saved.text
        model_id, token = saved.json()["id"], saved.json()["edit_token"]
        headers = {"Authorization": f"Bearer {token}"} if method in {"put", "delete"} else None
        fixed = {"path_parameters": {"id": model_id}, "headers": headers}
        strategies.append(operation.as_strategy(**fixed))
        if method == "put":
            strategies.append(operation.as_strategy(**fixed, body=TINY_SPEC))
        if "{revision}" in path:
            strategies.append(
                operation.as_strategy(path_parameters={"id": model_id, "revision": 1})
            )
    checks = conformance_checks()

    @given(case=st.one_of(strategies))
    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        database=None,
    )
    def answers_as_documented(case: Any) -> None:
        case.call_and_validate(base_url=running_server, checks=checks, timeout=30)

    answers_as_documented()
