"""The graph picture as a file: GET /m/<id>/graph.svg|png and POST /api/graph.

Valid SVG with every node, PNG bytes of the right size, the pixel budget for huge layouts,
4xx with a clear error for bad input, and hostile names only as escaped text.
"""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from builder import graph_files
from tests.conftest import load_example
from tests.store.conftest import tiny_spec

NS = "{http://www.w3.org/2000/svg}"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG_MAGIC)
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk comes first
    return width, height


def svg_root(data: bytes) -> ET.Element:
    root = ET.fromstring(data)
    assert root.tag == f"{NS}svg"
    return root


def node_ids(root: ET.Element) -> set[str]:
    return {g.get("data-id") or "" for g in root.iter(f"{NS}g")}


def saved(client: Any, spec: dict[str, Any]) -> str:
    response = client.post("/api/models", json=spec)
    assert response.status_code == 201, response.get_json()
    return str(response.get_json()["id"])


def test_a_saved_model_downloads_its_graph_as_svg_and_png(client: Any) -> None:
    spec = load_example("lenet-batchnorm")
    model_id = saved(client, spec)
    svg = client.get(f"/m/{model_id}/graph.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert svg.headers["Content-Disposition"] == (
        'attachment; filename="lenet-with-batchnorm-graph.svg"'
    )
    assert "default-src 'none'" in svg.headers["Content-Security-Policy"]
    root = svg_root(svg.data)
    assert node_ids(root) == {"input", *(n["id"] for n in spec["nodes"])}
    assert not list(root.iter(f"{NS}script"))

    png = client.get(f"/m/{model_id}/graph.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    width, height = png_size(png.data)
    assert (width, height) == (2 * int(root.get("width", 0)), 2 * int(root.get("height", 0)))

    page = client.get(f"/m/{model_id}").get_data(as_text=True)
    assert f"/m/{model_id}/graph.svg" in page and f"/m/{model_id}/graph.png" in page


def test_unknown_models_formats_and_graphs_too_big_to_draw(
    client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert client.get("/m/no-such-model/graph.svg").status_code == 404
    assert client.get("/m/bad%20id!/graph.png").status_code == 404
    model_id = saved(client, load_example("lenet-batchnorm"))
    assert client.get(f"/m/{model_id}/graph.gif").status_code == 404
    monkeypatch.setattr(graph_files, "DRAW_MAX_NODES", 3)
    too_big = client.get(f"/m/{model_id}/graph.png")
    assert too_big.status_code == 422 and too_big.mimetype == "text/html"
    assert "too big to draw" in too_big.get_data(as_text=True)


def test_post_draws_an_unsaved_spec_even_an_invalid_one(client: Any) -> None:
    spec = load_example("digits-mlp")
    svg = client.post("/api/graph", json=spec)
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert node_ids(svg_root(svg.data)) == {"input", "fc1", "act1", "drop", "out"}
    assert "9,610 params" not in svg.get_data(as_text=True)  # per node, not the total
    assert "1,290 params" in svg.get_data(as_text=True)  # out: 128 * 10 + 10
    png = client.post("/api/graph?format=png", json=spec)
    assert png.status_code == 200 and png.data.startswith(PNG_MAGIC)

    broken = tiny_spec(nodes=[{"id": "x", "type": "NoSuchLayer"}])
    drawn = client.post("/api/graph", json=broken)
    assert drawn.status_code == 200
    assert node_ids(svg_root(drawn.data)) == {"input", "x"}


@pytest.mark.parametrize(
    ("query", "body", "status", "path"),
    [
        ("?format=jpg", tiny_spec(), 422, "?format"),
        ("", [1, 2], 422, ""),
        ("", {"nodes": "many"}, 422, ""),
        ("", {"nodes": [{"id": f"n{i}", "type": "ReLU"} for i in range(130)]}, 422, "/nodes"),
    ],
)
def test_post_rejects_bad_input_with_a_clear_error(
    client: Any, query: str, body: Any, status: int, path: str
) -> None:
    response = client.post(f"/api/graph{query}", json=body)
    assert response.status_code == status
    (error,) = response.get_json()["errors"]
    assert error["path"] == path and error["message"] and error["hint"]


def test_post_needs_a_json_body(client: Any) -> None:
    assert client.post("/api/graph", data="{", content_type="application/json").status_code == 400
    assert client.post("/api/graph", data="x", content_type="text/plain").status_code == 415


def test_huge_layouts_are_scaled_into_the_pixel_budget(client: Any) -> None:
    spec = tiny_spec(
        nodes=[{"id": "a", "type": "ReLU"}, {"id": "b", "type": "ReLU"}],
        layout={
            "input": {"x": 0, "y": 0},
            "a": {"x": 900_000, "y": 0},
            "b": {"x": 0, "y": 600_000},
        },
    )
    png = client.post("/api/graph?format=png", json=spec)
    assert png.status_code == 200
    width, height = png_size(png.data)
    assert max(width, height) <= graph_files.PNG_MAX_SIDE
    assert width * height <= graph_files.PNG_MAX_PIXELS


def test_hostile_names_stay_text(client: Any) -> None:
    name = "</title><script>alert(1)</script>\"'&"
    spec = tiny_spec(name=name, nodes=[{"id": "fc", "type": "Linear", "label": "<b>x</b>"}])
    response = client.post("/api/graph", json=spec)
    root = svg_root(response.data)
    assert not list(root.iter(f"{NS}script")) and not list(root.iter(f"{NS}b"))
    assert root.find(f"{NS}title") is not None
    assert root.find(f"{NS}title").text == f"Graph of {name}"  # type: ignore[union-attr]
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="') and "<" not in disposition
