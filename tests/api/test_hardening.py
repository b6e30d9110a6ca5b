"""What the hardening issue found, with the app's test client: each finding stays fixed.

(The findings made against the production server are in tests/server/.)
"""

from __future__ import annotations

import json
import threading

import pytest

from builder import create_app
from builder.workload import Busy
from tests.conftest import load_example


def problems(response) -> list[dict[str, str]]:
    return response.get_json()["errors"]


def paths(response) -> list[str]:
    return [p["path"] for p in problems(response)]


# 500s that became located 422s


@pytest.mark.parametrize(
    ("where", "value"),
    [
        (("nodes", 0, "params", "out_channels"), 10**400),
        (("training", "optimizer", "params", "lr"), 10**400),
        (("training", "optimizer", "params", "lr"), -(10**400)),
    ],
)
def test_a_400_digit_integer_in_a_parameter_is_a_located_422(client, where, value):
    spec = load_example("lenet-batchnorm")
    target = spec
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    for url in ("/api/validate", "/api/generate"):
        response = client.post(url, data=json.dumps(spec), content_type="application/json")
        assert response.status_code == 422
        assert "/" + "/".join(map(str, where)) in paths(response)
        assert "digits" in problems(response)[0]["message"]


def test_n_samples_of_400_digits_is_a_located_422(client):
    spec = load_example("cute-dl-regression-mlp")
    spec["training"]["dataset"]["params"]["n_samples"] = 10**400
    response = client.post("/api/validate", json=spec)
    assert response.status_code == 422
    assert "/training/dataset/params/n_samples" in paths(response)


def test_a_parameter_total_beyond_2_63_is_a_located_422(client):
    """It used to validate, then fail on the database's 64-bit INTEGER."""
    spec = {
        "input": {"shape": [46340, 46340]},
        "nodes": [{"id": "flat", "type": "Flatten"}]
        + [
            {"id": f"fc{i}", "type": "Linear", "params": {"out_features": 10**9}} for i in range(10)
        ],
    }
    app = create_app({"TESTING": True, "RATELIMIT_WORK": "1000/second", "MAX_NODES": 50})
    response = app.test_client().post("/api/validate", json=spec)
    assert response.status_code == 422
    problem = problems(response)[0]
    assert problem["path"] == "/nodes/1" and "parameters" in problem["message"]
    assert problem["hint"]


def test_a_lone_surrogate_in_a_dataset_string_is_a_located_422(client):
    spec = load_example("house-prices-mlp")
    body = json.dumps(spec).replace('"train.csv"', '"train\\ud800.csv"')
    assert "\\ud800" in body
    for url in ("/api/validate", "/api/generate"):
        response = client.post(url, data=body, content_type="application/json")
        assert response.status_code == 422
        assert "/training/dataset/params/path" in paths(response)


def test_infinity_anywhere_is_refused(client):
    spec = load_example("lenet-batchnorm")
    spec["layout"] = {"conv1": {"x": "@", "y": 0}}
    body = json.dumps(spec).replace('"@"', "1e400")
    response = client.post("/api/validate", data=body, content_type="application/json")
    assert response.status_code == 422
    assert paths(response) == ["/layout/conv1/x"]
    assert "finite" in problems(response)[0]["message"]


@pytest.mark.parametrize("version", [True, 1.0, "1", 2])
def test_version_must_be_the_integer_1(client, version):
    spec = {**load_example("lenet-batchnorm"), "version": version}
    response = client.post("/api/validate", json=spec)
    assert response.status_code == 422
    assert paths(response) == ["/version"]
    assert problems(response)[0]["hint"] == "this app reads version 1"


@pytest.mark.parametrize(
    ("kind", "params", "param"),
    [
        ("cifar10", {"root": "/home/victim/.ssh"}, "root"),
        ("mnist", {"root": "../../etc"}, "root"),
        ("csv", {"path": "/etc/passwd", "target": "y"}, "path"),
        ("csv", {"path": "train.csv", "target": "y", "test_path": "data/../../x.csv"}, "test_path"),
        ("csv", {"path": "C:\\Users\\x.csv", "target": "y"}, "path"),
        ("image-folder", {"path": "~/photos"}, "path"),
        ("image-csv", {"path": "labels.csv", "image_dir": "..\\images"}, "image_dir"),
    ],
)
def test_data_paths_in_a_spec_are_relative_without_dotdot(client, kind, params, param):
    spec = load_example("lenet-batchnorm")
    spec["training"]["dataset"] = {"kind": kind, "params": params}
    response = client.post("/api/validate", json=spec)
    assert response.status_code == 422
    problem = next(p for p in problems(response) if p["path"].endswith(f"/params/{param}"))
    assert "--data-dir" in problem["hint"]


def test_relative_data_paths_pass(client):
    spec = load_example("lenet-batchnorm")
    spec["training"]["dataset"] = {"kind": "cifar10", "params": {"root": "datasets/cifar"}}
    assert client.post("/api/validate", json=spec).status_code == 200


# body handling


def test_a_bom_is_accepted_alike_by_validate_and_save(tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
            "RATELIMIT_WORK": "1000/second",
        }
    )
    from builder.store import upgrade_app

    upgrade_app(app)
    client = app.test_client()
    body = "\ufeff" + json.dumps(load_example("iris-classifier"))
    for url in ("/api/validate", "/api/models"):
        response = client.post(url, data=body.encode("utf-8"), content_type="application/json")
        assert response.status_code in (200, 201), response.data
    saved = client.get(response.headers["Location"]).get_json()
    assert saved["spec"]["name"] == load_example("iris-classifier")["name"]


def test_a_body_that_is_not_utf8_is_400_everywhere(client):
    body = json.dumps(load_example("iris-classifier")).encode("utf-16")
    response = client.post("/api/validate", data=body, content_type="application/json")
    assert response.status_code == 400 and "UTF-8" in problems(response)[0]["message"]


# size of the work


def test_edges_beyond_the_server_limit_are_refused_before_analysis():
    app = create_app({"TESTING": True, "MAX_EDGES": 3, "RATELIMIT_WORK": "1000/second"})
    spec = load_example("digits-resnet")
    assert len(spec["edges"]) > 3
    response = app.test_client().post("/api/validate", json=spec)
    assert response.status_code == 422
    assert paths(response) == ["/edges"]
    assert "TORCHCANVAS_MAX_EDGES" in problems(response)[0]["hint"]


def work_limited_app(limit: str):
    return create_app({"TESTING": True, "RATELIMIT_WORK": limit})


@pytest.mark.parametrize("url", ["/api/validate", "/api/generate?format=json"])
def test_validate_and_generate_answer_429_with_retry_after_past_the_work_budget(url):
    client = work_limited_app("3/minute").test_client()
    spec = load_example("lenet-batchnorm")
    statuses = [client.post(url, json={**spec, "name": f"N{i}"}).status_code for i in range(6)]
    assert statuses[0] == 200 and statuses[-1] == 429
    response = client.post(url, json=spec)
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "work units" in problems(response)[0]["message"]


def test_work_is_charged_by_its_cost():
    """A cached answer costs 1 unit; a new project costs 1 more per 10 ms of CPU."""
    client = work_limited_app("1000/minute").test_client()
    spec = load_example("lenet-batchnorm")
    first = client.post("/api/generate?format=json", json={**spec, "name": "Cost test"})
    again = client.post("/api/generate?format=json", json={**spec, "name": "Cost test"})
    used_first = 1000 - int(first.headers["X-RateLimit-Remaining"])
    used_again = int(first.headers["X-RateLimit-Remaining"]) - int(
        again.headers["X-RateLimit-Remaining"]
    )
    assert used_again == 1  # all cached: one unit for the request
    assert used_first >= 1


def test_cheap_requests_are_not_work_limited():
    client = work_limited_app("1/minute").test_client()
    client.post("/api/validate", json=load_example("iris-classifier"))
    assert client.post("/api/validate", json=load_example("iris-classifier")).status_code == 429
    for url in ("/api/health", "/api/catalog", "/api/examples", "/api/schema"):
        assert client.get(url).status_code == 200


def test_a_full_cpu_queue_answers_503_with_retry_after():
    app = create_app(
        {"TESTING": True, "RATELIMIT_WORK": "1000/second", "CPU_SLOTS": 1, "CPU_QUEUE": 0}
    )
    slots = app.extensions["torchcanvas.workload"]
    client = app.test_client()
    with slots.held():  # another request holds the only slot, nobody may wait
        response = client.post("/api/validate", json=load_example("iris-classifier"))
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 1
    assert "busy" in problems(response)[0]["message"]
    assert client.post("/api/validate", json=load_example("iris-classifier")).status_code == 200


def test_a_waiting_request_gets_the_slot_when_it_is_freed():
    app = create_app({"TESTING": True, "CPU_SLOTS": 1, "CPU_QUEUE": 1, "CPU_WAIT_SECONDS": 30})
    slots = app.extensions["torchcanvas.workload"]
    entered = threading.Event()
    done: list[bool] = []

    def waiter() -> None:
        with slots.held():
            done.append(True)

    with slots.held():
        thread = threading.Thread(target=lambda: (entered.set(), waiter()))
        thread.start()
        entered.wait()
        while slots.waiting == 0:
            threading.Event().wait(0.01)
        with pytest.raises(Busy), slots.held():  # the queue of one is full
            pass
    thread.join(timeout=30)
    assert done == [True]


def test_a_new_name_or_description_reformats_only_the_model_file():
    """black's output is memoised per file text: keep the name out of the other files."""
    from codegen import render

    spec = load_example("house-prices-mlp")  # has predict.py too
    first = render.generate(spec)
    before = render._format.cache_info()
    renamed = render.generate({**spec, "name": "Another name", "description": "Other text."})
    after = render._format.cache_info()
    changed = {name for name in first if first[name] != renamed[name]}
    assert changed == {"model.py", "README.md", "spec.json", "notebook.ipynb"}  # has model.py
    assert after.misses - before.misses == 1  # model.py; train, data and predict are hits
    assert 'NAME = "another-name"' in renamed["model.py"]
    assert 'Path("runs") / NAME' in renamed["train.py"]
