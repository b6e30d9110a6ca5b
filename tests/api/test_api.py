"""The JSON API with the app's test client: every endpoint and every error path."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builder import create_app
from codegen.resources import examples_dir
from tests.conftest import load_example


def errors_of(response):
    body = response.get_json()
    assert isinstance(body["errors"], list) and body["errors"]
    for error in body["errors"]:
        assert set(error) == {"path", "message", "hint"}
        assert error["message"]
    return body["errors"]


def test_catalog_lists_every_block_with_params(client):
    response = client.get("/api/catalog")
    assert response.status_code == 200
    catalog = response.get_json()
    types = {b["type"] for b in catalog["blocks"]}
    assert {"Linear", "Conv2d", "GroupNorm", "Add", "Concat"} <= types
    conv = next(b for b in catalog["blocks"] if b["type"] == "Conv2d")
    in_channels = next(p for p in conv["params"] if p["name"] == "in_channels")
    assert in_channels["inferred"] is True
    assert {d["kind"] for d in catalog["datasets"]} >= {"csv", "sklearn", "mnist", "image-folder"}


def test_catalog_gives_the_input_fields_as_the_spec_takes_them(client):
    """The editor's input panel is built from these: dtype's choices, the vocabulary's range."""
    fields = {f["name"]: f for f in client.get("/api/catalog").get_json()["input_fields"]}
    assert list(fields) == ["dtype", "vocab_size"]
    assert fields["dtype"]["choices"] == ["float32", "int64"]
    assert fields["dtype"]["default"] == "float32"
    vocab = fields["vocab_size"]
    assert (vocab["default"], vocab["min"]) == (256, 2)  # byte-level to start with
    spec = {"input": {"shape": [8], "dtype": "int64", "vocab_size": vocab["min"] - 1}, "nodes": []}
    errors = client.post("/api/validate", json=spec).get_json()["errors"]
    assert any(e["path"] == "/input/vocab_size" for e in errors)


def test_validate_valid_model_gives_shapes_and_counts(client):
    response = client.post("/api/validate", json=load_example("lenet-batchnorm"))
    assert response.status_code == 200
    body = response.get_json()
    assert body["valid"] is True and body["errors"] == []
    assert body["total_params"] == 62290
    assert body["nodes"]["conv1"]["output_shape"] == [6, 28, 28]
    assert body["nodes"]["fc1"]["resolved_params"]["in_features"] == 400
    assert body["output_shape"] == [10]


def test_validate_invalid_model_gives_422_with_paths(client):
    spec = load_example("lenet-batchnorm")
    spec["nodes"][1] = {"id": "bn1", "type": "GroupNorm", "params": {"num_groups": 4}}
    response = client.post("/api/validate", json=spec)
    assert response.status_code == 422
    body = response.get_json()
    assert body["valid"] is False
    assert body["errors"][0]["path"] == "/nodes/1/params/num_groups"
    assert "divide" in body["errors"][0]["message"]
    assert "1, 2, 3, 6" in body["errors"][0]["hint"]
    assert body["nodes"]["conv1"]["output_shape"] == [6, 28, 28]


def test_generate_zip(client):
    response = client.post("/api/generate", json=load_example("digits-mlp"))
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert 'filename="digits-mlp.zip"' in response.headers["Content-Disposition"]
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert "digits-mlp/train.py" in names and "digits-mlp/model.py" in names


def test_generate_json_files(client):
    response = client.post("/api/generate?format=json", json=load_example("digits-mlp"))
    files = response.get_json()["files"]
    assert "class DigitsMLP(nn.Module)" in files["model.py"]
    assert json.loads(files["spec.json"])["name"] == "Digits MLP"


def test_generate_invalid_gives_422(client):
    response = client.post("/api/generate", json={"nodes": []})
    assert response.status_code == 422
    paths = {e["path"] for e in errors_of(response)}
    assert "/input" in paths


def test_schema_and_examples(client):
    assert client.get("/api/schema").get_json()["title"].startswith("TorchCanvas")
    listing = client.get("/api/examples").get_json()
    assert any(e["name"] == "lenet-batchnorm" for e in listing)
    spec = client.get("/api/examples/lenet-batchnorm").get_json()
    assert spec["name"] == "LeNet with BatchNorm"
    assert client.get("/api/examples/../../etc/passwd").status_code == 404
    missing = client.get("/api/examples/nope")
    assert missing.status_code == 404
    errors_of(missing)


def test_the_examples_listed_are_those_the_server_takes(client):
    """ResNet-18 stands for 69 blocks: a server limited to 50 does not offer it."""
    listed = {e["name"] for e in client.get("/api/examples").get_json()}
    assert "lenet-batchnorm" in listed and "resnet18" not in listed
    assert client.get("/api/examples/resnet18").status_code == 200
    everything = create_app({"TESTING": True}).test_client().get("/api/examples").get_json()
    assert {e["name"] for e in everything} == {p.stem for p in examples_dir().glob("*.json")}


def test_malformed_json(client):
    response = client.post("/api/validate", data="{nope", content_type="application/json")
    assert response.status_code == 400
    errors_of(response)


def test_wrong_content_type(client):
    response = client.post("/api/validate", data="a=b", content_type="text/plain")
    assert response.status_code == 415
    errors_of(response)


def test_body_too_large(client):
    body = json.dumps({"description": "x" * 300_000})
    response = client.post("/api/validate", data=body, content_type="application/json")
    assert response.status_code == 413
    errors_of(response)


def test_too_many_nodes(client):
    spec = load_example("digits-mlp")
    spec["nodes"] = [{"id": f"a{i}", "type": "ReLU"} for i in range(60)]
    response = client.post("/api/validate", json=spec)
    assert response.status_code == 422
    assert any(e["path"] == "/nodes" for e in errors_of(response))


def test_not_a_json_object(client):
    response = client.post("/api/validate", json=[1, 2, 3])
    assert response.status_code == 422
    assert errors_of(response)[0]["path"] == ""


def test_unknown_route_and_method_are_json(client):
    missing = client.get("/api/nothing")
    assert missing.status_code == 404
    errors_of(missing)
    wrong = client.get("/api/validate")
    assert wrong.status_code == 405
    errors_of(wrong)


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=JSON | st.fixed_dictionaries({"input": JSON, "nodes": JSON, "training": JSON}))
def test_random_json_never_gives_5xx(client, body):
    for url in ("/api/validate", "/api/generate"):
        response = client.post(url, data=json.dumps(body), content_type="application/json")
        assert response.status_code in (200, 422), response.data
        if response.status_code == 422:
            for error in response.get_json()["errors"]:
                assert error["path"] == "" or error["path"].startswith("/")


def test_editor_page_without_a_build_is_explained(client, monkeypatch, tmp_path):
    import codegen.resources

    monkeypatch.setattr(codegen.resources, "static_dist_dir", lambda: tmp_path)
    import builder.pages

    monkeypatch.setattr(builder.pages, "static_dist_dir", lambda: tmp_path)
    response = client.get("/")
    assert response.status_code == 503
    assert b"make run" in response.data


@pytest.mark.parametrize("body", ["NaN", '{"input": Infinity}', "[" * 100_000 + "]" * 100_000])
def test_non_json_numbers_and_deep_nesting_are_400(client, body):
    response = client.post("/api/validate", data=body, content_type="application/json")
    assert response.status_code == 400
    errors_of(response)
