"""The models API with the app's test client, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.store.conftest import spec_text, tiny_spec

JSON = "application/json"


def errors_of(response: Any) -> list[dict[str, str]]:
    body = response.get_json()
    assert isinstance(body["errors"], list) and body["errors"]
    for error in body["errors"]:
        assert set(error) == {"path", "message", "hint"}
        assert error["message"]
    return body["errors"]


def save(client: Any, text: str | None = None) -> dict[str, Any]:
    response = client.post("/api/models", data=text or spec_text(), content_type=JSON)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def auth(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


def put(client: Any, model_id: str, text: str, **headers: str) -> Any:
    return client.put(f"/api/models/{model_id}", data=text, content_type=JSON, headers=headers)


def raw_spec(body: bytes) -> bytes:
    """The bytes of the "spec" member of a model response."""
    start = body.index(b'"spec": ') + len(b'"spec": ')
    decoded, end = json.JSONDecoder().raw_decode(body.decode("utf-8"), start)
    return body.decode("utf-8")[start:end].encode("utf-8")


# save and read


def test_save_returns_id_token_and_url(client):
    response = client.post("/api/models", data=spec_text(), content_type=JSON)
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"id", "edit_token", "url"}
    assert len(body["id"]) >= 22 and len(body["edit_token"]) >= 43  # >= 128 / 256 bits
    assert body["url"].endswith(f"/m/{body['id']}")
    assert response.headers["Location"] == f"/api/models/{body['id']}"
    assert response.headers["ETag"] == '"r1"'


def test_ids_and_tokens_are_unique(client):
    saved = [save(client, json.dumps(tiny_spec())) for _ in range(10)]
    assert len({s["id"] for s in saved}) == 10
    assert len({s["edit_token"] for s in saved}) == 10


def test_get_gives_the_spec_byte_exact_with_metadata(client):
    text = spec_text(name="LeNet — ünïcödé 🚀", tags=["cnn", "Vision"])
    saved = save(client, text)
    response = client.get(f"/api/models/{saved['id']}")
    assert response.status_code == 200
    assert raw_spec(response.get_data()) == text.strip().encode("utf-8")
    body = response.get_json()
    assert set(body) == {
        "id", "spec", "name", "description", "tags", "revision", "forked_from", "forks",
        "total_params", "created_at", "updated_at",
    }  # fmt: skip
    assert body["spec"] == json.loads(text)
    assert body["name"] == "LeNet — ünïcödé 🚀"
    assert body["tags"] == ["cnn", "Vision"]
    assert body["revision"] == 1 and body["forks"] == 0 and body["forked_from"] is None
    assert body["total_params"] == 62290
    assert body["created_at"].endswith("Z") and body["created_at"] == body["updated_at"]


def test_compact_and_oddly_formatted_json_round_trip_exactly(client):
    text = json.dumps(tiny_spec(description="1e-2 stays 1e-2"), separators=(",", ":"))
    text = text.replace('"out_features":2', '"out_features" :  2').replace("[4]", "[ 4 ]")
    text = text.replace('"Tiny"', '"T\\u0069ny \\u00e9"')  # escapes are kept as written
    saved = save(client, "\n\t " + text + " \r\n")
    body = client.get(f"/api/models/{saved['id']}").get_data()
    assert raw_spec(body) == text.encode()
    assert json.loads(body)["name"] == "Tiny é"


def test_etag_and_if_none_match(client):
    saved = save(client)
    first = client.get(f"/api/models/{saved['id']}")
    assert first.headers["ETag"] == '"r1"'
    assert "no-cache" in first.headers["Cache-Control"]
    again = client.get(f"/api/models/{saved['id']}", headers={"If-None-Match": '"r1"'})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == '"r1"'
    weak = client.get(f"/api/models/{saved['id']}", headers={"If-None-Match": 'W/"r1"'})
    assert weak.status_code == 304
    other = client.get(f"/api/models/{saved['id']}", headers={"If-None-Match": '"r0"'})
    assert other.status_code == 200


def test_unknown_and_malformed_ids_are_404_json(client):
    for model_id in ["A" * 22, "no/such", "%00", "x" * 65, "<script>"]:
        response = client.get(f"/api/models/{model_id}")
        assert response.status_code == 404, model_id
        errors_of(response)


# update


def test_update_needs_the_token(client):
    saved = save(client)
    text = spec_text(name="Renamed")
    missing = put(client, saved["id"], text)
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert "edit token" in errors_of(missing)[0]["message"]
    basic = put(client, saved["id"], text, Authorization="Basic dXNlcjpwYXNz")
    assert basic.status_code == 401
    wrong = put(client, saved["id"], text, **auth("x" * 43))
    assert wrong.status_code == 403
    errors_of(wrong)
    other = save(client)
    assert put(client, saved["id"], text, **auth(other["edit_token"])).status_code == 403
    assert client.get(f"/api/models/{saved['id']}").get_json()["revision"] == 1


def test_update_with_the_token_keeps_the_old_revision(client):
    first = spec_text(name="First")
    saved = save(client, first)
    second = spec_text(name="Second", description="changed")
    response = put(client, saved["id"], second, **auth(saved["edit_token"], **{"If-Match": '"r1"'}))
    assert response.status_code == 200, response.get_json()
    assert response.headers["ETag"] == '"r2"'
    assert raw_spec(response.get_data()) == second.strip().encode()
    body = client.get(f"/api/models/{saved['id']}").get_json()
    assert body["revision"] == 2 and body["name"] == "Second" and body["description"] == "changed"
    assert body["updated_at"] > body["created_at"]
    old = client.get(f"/api/models/{saved['id']}/revisions/1")
    assert old.status_code == 200 and old.headers["ETag"] == '"r1"'
    assert raw_spec(old.get_data()) == first.strip().encode()
    assert old.get_json()["name"] == "First"


def test_update_without_if_match_applies_to_the_current_revision(client):
    saved = save(client)
    response = put(client, saved["id"], spec_text(name="Blind"), **auth(saved["edit_token"]))
    assert response.status_code == 200
    star = put(client, saved["id"], spec_text(name="Star"), **auth(saved["edit_token"], **{"If-Match": "*"}))  # fmt: skip
    assert star.status_code == 200 and star.headers["ETag"] == '"r3"'


def test_stale_if_match_is_409_and_changes_nothing(client):
    saved = save(client)
    token = saved["edit_token"]
    assert put(client, saved["id"], spec_text(name="A"), **auth(token, **{"If-Match": '"r1"'})).status_code == 200  # fmt: skip
    stale = put(client, saved["id"], spec_text(name="B"), **auth(token, **{"If-Match": '"r1"'}))
    assert stale.status_code == 409
    error = errors_of(stale)[0]
    assert "revision 2" in error["message"] and '"r1"' in error["message"]
    assert 'If-Match: "r2"' in error["hint"]
    assert stale.headers["ETag"] == '"r2"'
    for garbage in ['"nonsense"', '"r99"', 'W/"r2"']:  # a weak tag never matches If-Match
        response = put(client, saved["id"], spec_text(name="C"), **auth(token, **{"If-Match": garbage}))  # fmt: skip
        assert response.status_code == 409, garbage
    assert client.get(f"/api/models/{saved['id']}").get_json()["name"] == "A"


def test_update_validates_the_spec(client):
    saved = save(client)
    bad = tiny_spec(nodes=[{"id": "fc", "type": "Linear"}])
    response = put(client, saved["id"], json.dumps(bad), **auth(saved["edit_token"]))
    assert response.status_code == 422
    assert errors_of(response)[0]["path"].startswith("/nodes/0")


# revisions


def test_revisions_are_listed_and_each_is_kept(client):
    texts = [spec_text(name=f"Version {n}") for n in range(1, 4)]
    saved = save(client, texts[0])
    for n, text in enumerate(texts[1:], start=1):
        headers = auth(saved["edit_token"], **{"If-Match": f'"r{n}"'})
        assert put(client, saved["id"], text, **headers).status_code == 200
    listing = client.get(f"/api/models/{saved['id']}/revisions").get_json()
    assert listing["current"] == 3
    assert [r["revision"] for r in listing["revisions"]] == [1, 2, 3]
    assert [r["name"] for r in listing["revisions"]] == ["Version 1", "Version 2", "Version 3"]
    for n, text in enumerate(texts, start=1):
        response = client.get(f"/api/models/{saved['id']}/revisions/{n}")
        assert raw_spec(response.get_data()) == text.strip().encode()
    assert client.get(f"/api/models/{saved['id']}/revisions/4").status_code == 404
    assert client.get(f"/api/models/{saved['id']}/revisions/0").status_code == 404
    assert client.get("/api/models/nosuchmodel/revisions").status_code == 404


# delete


def test_delete_needs_the_token_and_removes_everything(client):
    saved = save(client)
    path = f"/api/models/{saved['id']}"
    assert client.delete(path).status_code == 401
    assert client.delete(path, headers=auth("wrong")).status_code == 403
    assert client.get(path).status_code == 200
    response = client.delete(path, headers=auth(saved["edit_token"]))
    assert response.status_code == 204 and response.get_data() == b""
    assert client.get(path).status_code == 404
    assert client.get(f"{path}/revisions").status_code == 404
    assert client.get(f"{path}/revisions/1").status_code == 404
    assert client.delete(path, headers=auth(saved["edit_token"])).status_code == 404
    assert put(client, saved["id"], spec_text(), **auth(saved["edit_token"])).status_code == 404
    assert client.post(f"{path}/fork").status_code == 404


# forks


def test_fork_records_lineage_and_counts(client):
    text = spec_text(name="Parent")
    parent = save(client, text)
    headers = auth(parent["edit_token"], **{"If-Match": '"r1"'})
    put(client, parent["id"], spec_text(name="Parent v2"), **headers)
    response = client.post(f"/api/models/{parent['id']}/fork")
    assert response.status_code == 201
    child = response.get_json()
    assert child["forked_from"] == parent["id"] and child["forked_from_revision"] == 2
    assert child["id"] != parent["id"] and child["edit_token"] != parent["edit_token"]
    assert response.headers["Location"] == f"/api/models/{child['id']}"
    body = client.get(f"/api/models/{child['id']}").get_json()
    assert body["forked_from"] == parent["id"] and body["revision"] == 1
    assert body["name"] == "Parent v2"
    # the fork has its own token: the parent's does not edit it, and vice versa
    assert put(client, child["id"], spec_text(), **auth(parent["edit_token"])).status_code == 403
    assert put(client, parent["id"], spec_text(), **auth(child["edit_token"])).status_code == 403
    assert put(client, child["id"], spec_text(), **auth(child["edit_token"])).status_code == 200
    grandchild = client.post(f"/api/models/{child['id']}/fork").get_json()
    client.post(f"/api/models/{parent['id']}/fork")
    assert client.get(f"/api/models/{parent['id']}").get_json()["forks"] == 2
    assert client.get(f"/api/models/{child['id']}").get_json()["forks"] == 1
    assert client.get(f"/api/models/{grandchild['id']}").get_json()["forked_from"] == child["id"]
    # a fork does not change the parent's revision, and survives the parent's deletion
    assert client.get(f"/api/models/{parent['id']}").get_json()["revision"] == 2
    client.delete(f"/api/models/{parent['id']}", headers=auth(parent["edit_token"]))
    assert client.get(f"/api/models/{child['id']}").get_json()["forked_from"] == parent["id"]


# search, sort, paging


@pytest.fixture
def gallery(client):
    specs = {
        "small": tiny_spec(name="Small regression", tags=["Regression", "mlp"]),
        "lenet": json.loads(spec_text(name="LeNet Ünïcode", description="a CNN for CIFAR")),
        "mlp": json.loads(spec_text("d2l-mlp-dropout", name="Dropout MLP", tags=["Fashion"])),
        "odd": tiny_spec(name="100% real_name", description="literal % and _ and \\"),
    }
    ids = {key: save(client, json.dumps(spec))["id"] for key, spec in specs.items()}
    for _ in range(2):
        client.post(f"/api/models/{ids['mlp']}/fork")
    client.post(f"/api/models/{ids['small']}/fork")
    return ids


def listing(client, query: str = "") -> dict[str, Any]:
    response = client.get(f"/api/models?{query}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_search_in_name_description_and_tags(client, gallery):
    def found(q: str) -> set[str]:
        return {m["id"] for m in listing(client, f"q={q}")["models"]}

    assert found("lenet") == {gallery["lenet"]}
    assert found("cifar") == {gallery["lenet"]}  # description
    assert found("REGRESSION") >= {gallery["small"]}  # tag, any case
    assert found("fashion") >= {gallery["mlp"]}
    assert found("ÜNÏCODE") == {gallery["lenet"]}  # Unicode case folding
    assert found("dropout%20mlp") >= {gallery["mlp"]}  # every term must occur
    assert found("dropout%20cifar") == set()
    assert found("%25") == {gallery["odd"]}  # % and _ are literal, not LIKE wildcards
    assert found("real_name") == {gallery["odd"]}
    assert found("a_e") == set()  # "_" would match the "m" of "name"
    assert found("%5C") == {gallery["odd"]}
    assert found("'%20OR%201=1;--") == set()


def test_sort_and_paging(client, gallery):
    newest = listing(client, "sort=newest&per_page=100")
    assert newest["total"] == 7 and newest["pages"] == 1
    times = [m["created_at"] for m in newest["models"]]
    assert times == sorted(times, reverse=True)
    forks = [m["forks"] for m in listing(client, "sort=forks")["models"]]
    assert forks[:2] == [2, 1] and forks == sorted(forks, reverse=True)
    assert listing(client, "sort=forks")["models"][0]["id"] == gallery["mlp"]
    params = [m["total_params"] for m in listing(client, "sort=params")["models"]]
    assert params == sorted(params, reverse=True)
    pages = [listing(client, f"sort=newest&per_page=3&page={n}") for n in (1, 2, 3, 4)]
    assert [len(p["models"]) for p in pages] == [3, 3, 1, 0]
    assert all(p["pages"] == 3 and p["total"] == 7 for p in pages)
    assert [m["id"] for p in pages for m in p["models"]] == [m["id"] for m in newest["models"]]
    summary = newest["models"][0]
    assert "spec" not in summary and summary["url"].endswith(f"/m/{summary['id']}")


def test_bad_list_queries_are_422(client):
    for query in ["sort=oldest", "page=0", "page=x", "per_page=1000", "q=" + "x" * 201]:
        response = client.get(f"/api/models?{query}")
        assert response.status_code == 422, query
        assert errors_of(response)[0]["path"].startswith("/query/")
    assert client.get("/api/models?q=%00").status_code == 200


# what the API refuses


def test_invalid_specs_are_422_with_paths(client):
    bad = tiny_spec(nodes=[{"id": "fc", "type": "Conv2d", "params": {"out_channels": 3}}])
    response = client.post("/api/models", data=json.dumps(bad), content_type=JSON)
    assert response.status_code == 422
    assert errors_of(response)[0]["path"].startswith("/nodes/0")
    for body in ["[]", '"spec"', "{}", "null"]:
        response = client.post("/api/models", data=body, content_type=JSON)
        assert response.status_code == 422, body
        errors_of(response)
    assert listing(client)["total"] == 0


def test_malformed_bodies(client):
    cases = [
        ("{not json", JSON, 400),
        ('{"a": NaN}', JSON, 400),
        (json.dumps(tiny_spec()), "text/plain", 415),
        (json.dumps(tiny_spec()).encode("utf-16"), JSON, 400),
        (b'{"name": "\xff"}', JSON, 400),
    ]
    for body, content_type, status in cases:
        response = client.post("/api/models", data=body, content_type=content_type)
        assert response.status_code == status, body
        errors_of(response)


def test_body_size_and_node_limits_apply(client):
    big = tiny_spec(description="x" * 9_000)
    big["layout"] = {f"n{i}": {"x": i, "y": i} for i in range(8_000)}
    response = client.post("/api/models", data=json.dumps(big), content_type=JSON)
    assert response.status_code == 413
    assert "200000 bytes" in errors_of(response)[0]["message"]
    many = tiny_spec(
        nodes=[{"id": f"n{i}", "type": "ReLU"} for i in range(60)]
        + [{"id": "fc", "type": "Linear", "params": {"out_features": 2}}]
    )
    response = client.post("/api/models", data=json.dumps(many), content_type=JSON)
    assert response.status_code == 422
    assert any(e["path"] == "/nodes" and "50" in e["message"] for e in errors_of(response))
    saved = save(client, json.dumps(tiny_spec()))
    response = put(client, saved["id"], json.dumps(many), **auth(saved["edit_token"]))
    assert response.status_code == 422


def test_nul_and_unpaired_surrogates_are_refused_clearly(client):
    for text, path in [
        ('"name": "a\\u0000b"', "/name"),
        ('"description": "\\ud800"', "/description"),
        ('"tags": ["ok", "x\\u0000"]', "/tags/1"),
        ('"layout": {"a\\u0000": {"x": 1}}', "/layout/a\x00"),
    ]:
        body = json.dumps(tiny_spec())[:-1] + ", " + text + "}"
        response = client.post("/api/models", data=body, content_type=JSON)
        assert response.status_code == 422, text
        errors = errors_of(response)
        assert errors[0]["path"] == path
        assert "NUL" in errors[0]["message"] or "surrogate" in errors[0]["message"]
        assert len([e for e in errors if e["path"] == path]) == 1
    assert listing(client)["total"] == 0


def test_database_without_schema_is_503_json(tmp_path):
    from builder import create_app

    from .conftest import TEST_CONFIG

    app = create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"})
    response = app.test_client().get("/api/models/abc")
    assert response.status_code == 503
    assert "db upgrade" in errors_of(response)[0]["hint"]
