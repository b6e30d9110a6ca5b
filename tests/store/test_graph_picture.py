"""The model page's picture as geometry: no two boxes overlap, no wire passes under a box,
the editor's layout is followed (top to bottom or left to right)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from builder.graph_layout import Rect, Router, overlapping
from builder.graph_picture import EDGE, canvas_svg
from codegen.analysis import analyze
from tests.conftest import ROOT, load_example

NS = "{http://www.w3.org/2000/svg}"
EXAMPLES = sorted(path.stem for path in (ROOT / "examples").glob("*.json"))


def picture(spec: Any) -> tuple[dict[str, Rect], list[list[tuple[float, float]]]]:
    """The boxes (by node id) and the wires (as the corners of their polylines)."""
    tree = ET.fromstring(str(canvas_svg(spec, analyze(spec))))
    boxes = {}
    for group in tree.iter(f"{NS}g"):
        rect = group.find(f"{NS}rect")
        assert rect is not None
        boxes[group.get("data-id")] = Rect(
            *(float(rect.get(k)) for k in ("x", "y", "width", "height"))
        )
    wires = []
    for path in tree.iter(f"{NS}path"):
        if path.get("stroke") != EDGE:
            continue
        numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", path.get("d"))]
        wires.append(list(zip(numbers[::2], numbers[1::2], strict=True)))
    return boxes, wires


def under(points: list[tuple[float, float]], box: Rect, margin: float = 1.5) -> bool:
    """Does the polyline pass through the inside of the box?"""
    for (ax, ay), (bx, by) in zip(points, points[1:], strict=False):
        for k in range(21):
            x, y = ax + (bx - ax) * k / 20, ay + (by - ay) * k / 20
            if box.x + margin < x < box.right - margin and box.y + margin < y < box.bottom - margin:
                return True
    return False


def faults(spec: Any) -> list[str]:
    boxes, wires = picture(spec)
    found = ["boxes overlap"] if overlapping(boxes) else []
    for wire in wires:
        found += [f"a wire passes under {node}" for node, box in boxes.items() if under(wire, box)]
    return found


def editor_layout(spec: dict[str, Any], across: bool) -> dict[str, Any]:
    """A layout as the editor could write it: one column (or one row) of blocks."""
    layout = {}
    for row, node in enumerate(["input", *(n["id"] for n in spec["nodes"])]):
        layout[node] = {"x": row * 260, "y": 0} if across else {"x": 0, "y": row * 130}
    return {**spec, "layout": layout}


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_example_is_drawn_without_overlaps_or_hidden_wires(name):
    assert faults(load_example(name)) == []


@pytest.mark.parametrize("across", [False, True], ids=["down", "across"])
def test_a_stored_layout_is_followed_in_either_direction(across):
    spec = editor_layout(load_example("digits-resnet"), across)
    boxes, wires = picture(spec)
    assert {n: (b.x, b.y) for n, b in boxes.items()} == {
        n: (p["x"], p["y"]) for n, p in spec["layout"].items()
    }
    assert faults(spec) == []
    # each wire leaves its source on the side the layout flows to
    first = wires[0][0]
    source = boxes["input"]
    assert first == (
        (source.right, source.y + source.h / 2) if across else (source.x + 100, source.bottom)
    )


def test_a_stored_layout_whose_boxes_would_overlap_is_not_used():
    spec = load_example("lenet-batchnorm")
    spec["layout"] = {
        n: {"x": 0, "y": 10 * k} for k, n in enumerate(["input", *(x["id"] for x in spec["nodes"])])
    }
    boxes, _ = picture(spec)
    assert not overlapping(boxes)
    assert faults(spec) == []


def test_the_router_goes_beside_the_boxes_a_long_wire_skips():
    boxes = {
        "a": Rect(0, 0, 200, 50),
        "b": Rect(0, 100, 200, 50),
        "c": Rect(0, 200, 200, 50),
        "d": Rect(0, 300, 200, 50),
    }
    path = Router(boxes).route((150, 50), (150, 300), ("a", "d"))
    assert not any(under(path, boxes[n]) for n in ("b", "c"))
    assert path[0] == (150, 50) and path[-1] == (150, 300)
    assert all(a[0] == b[0] or a[1] == b[1] for a, b in zip(path, path[1:], strict=False))
