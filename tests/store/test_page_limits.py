"""Pages of huge models stay small, and pages and downloads are charged to the work budget."""

from __future__ import annotations

import json
from typing import Any

from builder.gallery import DRAW_MAX_NODES

JSON = "application/json"


def dense_spec(nodes: int, fan_in: int) -> dict[str, Any]:
    """A chain of Add nodes, each also reading `fan_in - 1` earlier ones (many edges)."""
    spec_nodes = [{"id": "l0", "type": "Linear", "params": {"out_features": 8}}]
    edges = [{"source": "input", "target": "l0"}]
    earlier = ["input", "l0"]
    for i in range(1, nodes):
        node = f"a{i}"
        spec_nodes.append({"id": node, "type": "Add"})
        sources = [earlier[-1], *earlier[-fan_in:-1]] if len(earlier) > 2 else earlier[-2:]
        edges += [{"source": s, "target": node} for s in dict.fromkeys(sources)]
        earlier.append(node)
    return {"name": "Huge", "input": {"shape": [8]}, "nodes": spec_nodes, "edges": edges}


def test_the_page_of_the_largest_allowed_model_stays_small(app):
    spec = dense_spec(500, 4)
    assert len(spec["edges"]) <= 2000 and len(spec["nodes"]) > DRAW_MAX_NODES
    app.config["MAX_NODES"] = 500  # the default of a real server
    big = app.test_client()
    created = big.post("/api/models", data=json.dumps(spec), content_type=JSON)
    assert created.status_code == 201, created.data
    model_id = created.get_json()["id"]
    page = big.get(f"/m/{model_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert len(page.data) < 200_000, len(page.data)  # it was 4.6 MB before
    assert "more than this page draws" in html
    assert "<svg" not in html.split('id="graph-title"')[1].split("</section>")[0]
    assert big.get(f"/m/{model_id}/download.zip").status_code == 200


def test_a_long_file_is_not_shown_inline(client, monkeypatch):
    monkeypatch.setattr("builder.gallery.INLINE_MAX_CHARS", 100)
    created = client.post(
        "/api/models", data=json.dumps(dense_spec(8, 2)), content_type=JSON
    ).get_json()
    html = client.get(f"/m/{created['id']}?file=model.py").get_data(as_text=True)
    assert "too long to show here" in html
    assert 'class="highlight"' not in html


def test_pages_and_downloads_answer_429_past_the_work_budget(app):
    client = app.test_client()
    model_id = client.post("/api/models", data=json.dumps(dense_spec(3, 2)), content_type=JSON)
    model_id = model_id.get_json()["id"]
    app.config["RATELIMIT_WORK"] = "2/minute"
    for url in (f"/m/{model_id}", f"/m/{model_id}/download.zip", "/gallery"):
        statuses = [client.get(url).status_code for _ in range(4)]
        assert statuses[-1] == 429, (url, statuses)
        limited = client.get(url)
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
        assert b"Too Many Requests" in limited.data  # an HTML page, like the other errors
    assert client.get(f"/api/models/{model_id}").status_code == 200  # reads are not limited
