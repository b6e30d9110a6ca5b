"""Driving the editor like a user: palette, canvas, panels (Playwright page objects)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, expect

from tests.conftest import ROOT

EXAMPLES = ROOT / "examples"

# LeNet-5 for 1x28x28 images as in the d2l chapter, with ReLU and max pooling:
# (type, params set in the panel). 61,706 parameters.
LENET: list[tuple[str, dict[str, str]]] = [
    ("Conv2d", {"out_channels": "6", "kernel_size": "5", "padding": "2"}),
    ("ReLU", {}),
    ("MaxPool2d", {"kernel_size": "2"}),
    ("Conv2d", {"out_channels": "16", "kernel_size": "5"}),
    ("ReLU", {}),
    ("MaxPool2d", {"kernel_size": "2"}),
    ("Flatten", {}),
    ("Linear", {"out_features": "120"}),
    ("ReLU", {}),
    ("Linear", {"out_features": "84"}),
    ("ReLU", {}),
    ("Linear", {"out_features": "10"}),
]
LENET_PARAMS = "61,706"


def blocks(page: Page) -> Locator:
    return page.locator(".react-flow__node-block")


def node(page: Page, node_id: str) -> Locator:
    return page.get_by_test_id(f"node-{node_id}")


def new_model(page: Page, shape: str) -> None:
    page.get_by_role("button", name="New", exact=True).click()
    expect(blocks(page)).to_have_count(0)
    open_tab(page, "Training")
    page.locator("#input-shape").fill(shape)


def model_only(page: Page, shape: str) -> None:
    """A new model without training settings (so no loss is checked against its output)."""
    new_model(page, shape)
    page.get_by_role("button", name="Remove training settings (model only)").click()


def add(page: Page, block_type: str) -> None:
    """Stack a block from the palette under the selection (or the end of the model)."""
    page.locator(f".palette button[data-block='{block_type}']").click()


def open_tab(page: Page, name: str) -> None:
    page.locator(".side .tabs").get_by_role("tab", name=name).click()


FRAMES = "new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"


def settled(page: Page) -> None:
    """Wait until the model is checked and the canvas shows its layout, and stays so for a
    couple of frames (blocks resized by the check's answer are laid out again)."""
    expect(page.get_by_test_id("validity")).not_to_have_text("checking…")
    canvas = page.get_by_test_id("canvas")
    for _ in range(20):
        expect(canvas).to_have_attribute("data-layout", "done")
        page.evaluate(FRAMES)
        if canvas.get_attribute("data-layout") == "done":
            return
    raise AssertionError("the layout does not settle")


def fit(page: Page) -> None:
    settled(page)
    page.locator(".toolbar").get_by_role("button", name="Fit view").click()
    page.wait_for_timeout(300)


def reveal(page: Page, node_id: str, room: float = 120) -> None:
    """Scroll the canvas (the mouse wheel pans it) until the node and `room` below it show."""
    pane = page.locator(".react-flow__pane").bounding_box()
    assert pane is not None
    page.mouse.move(pane["x"] + pane["width"] / 2, pane["y"] + pane["height"] / 2)
    for _ in range(20):
        box = node(page, node_id).bounding_box()
        assert box is not None, f"node {node_id} is not on the canvas"
        below = box["y"] + box["height"] + room - (pane["y"] + pane["height"])
        above = pane["y"] - box["y"]
        if below <= 1 and above <= 1:
            return
        page.mouse.wheel(0, 2 * below if below > 0 else -2 * (above + room))
        page.wait_for_timeout(150)
    raise AssertionError(f"could not scroll {node_id} into view")


def drag_under(page: Page, block_type: str, above: str) -> None:
    """Drag a palette block and drop it just below the node `above` (stacks onto it)."""
    fit(page)
    reveal(page, above)
    box = node(page, above).bounding_box()
    assert box is not None, f"node {above} is not on screen"
    pane = page.locator(".react-flow__pane")
    pane_box = pane.bounding_box()
    assert pane_box is not None
    target = {
        "x": box["x"] + box["width"] / 2 - pane_box["x"],
        "y": box["y"] + box["height"] + 12 - pane_box["y"],
    }
    page.locator(f"button[data-block='{block_type}']").drag_to(pane, target_position=target)


def select(page: Page, node_id: str) -> None:
    settled(page)
    reveal(page, node_id, room=0)
    node(page, node_id).click()
    expect(page.locator("#block-id")).to_have_value(node_id)


def set_params(page: Page, params: dict[str, str]) -> None:
    for name, value in params.items():
        page.locator(f".side [data-param='{name}'] input").fill(value)


def wait_valid(page: Page) -> None:
    expect(page.get_by_test_id("validity")).to_have_text("valid", timeout=15_000)


def total_params(page: Page) -> Locator:
    return page.get_by_test_id("total-params")


def download(page: Page, button: str, folder: Path) -> Path:
    with page.expect_download() as info:
        page.get_by_role("button", name=button, exact=True).first.click()
    path = folder / info.value.suggested_filename
    info.value.save_as(path)
    return path


def saved_spec(page: Page, folder: Path) -> dict[str, Any]:
    settled(page)
    return json.loads(download(page, "Save JSON", folder).read_text())


# What the canvas shows, measured from the DOM: the screen boxes of the blocks, and
# points every few pixels along each drawn wire (its path, in screen coordinates).
GEOMETRY_JS = """
() => {
  const boxes = [...document.querySelectorAll('.react-flow__node')].map((n) => {
    const r = n.getBoundingClientRect();
    return { id: n.dataset.id, x: r.x, y: r.y, w: r.width, h: r.height };
  });
  const wires = [...document.querySelectorAll('.react-flow__edge')].map((e) => {
    const path = e.querySelector('path.react-flow__edge-path');
    const ctm = path.getScreenCTM();
    const length = path.getTotalLength();
    const points = [];
    for (let t = 0; t <= length; t += 3) {
      const p = path.getPointAtLength(t);
      const q = new DOMPoint(p.x, p.y).matrixTransform(ctm);
      points.push([q.x, q.y]);
    }
    return { id: e.dataset.id, points };
  });
  return { boxes, wires };
}
"""


def canvas_geometry(page: Page) -> dict[str, Any]:
    settled(page)
    return page.evaluate(GEOMETRY_JS)


def layout_faults(page: Page) -> list[str]:
    """Blocks that overlap, and wires that pass under a block (other than at their ends)."""
    geometry = canvas_geometry(page)
    boxes = geometry["boxes"]
    faults = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if (
                a["x"] < b["x"] + b["w"]
                and b["x"] < a["x"] + a["w"]
                and a["y"] < b["y"] + b["h"]
                and b["y"] < a["y"] + a["h"]
            ):
                faults.append(f"{a['id']} overlaps {b['id']}")
    margin = 2.0
    for wire in geometry["wires"]:
        for box in boxes:
            inside = [
                (x, y)
                for x, y in wire["points"][2:-2]  # the ends touch their blocks
                if box["x"] + margin < x < box["x"] + box["w"] - margin
                and box["y"] + margin < y < box["y"] + box["h"] - margin
            ]
            if inside:
                faults.append(f"wire {wire['id']} passes under {box['id']} at {inside[0]}")
    return faults


def load_example(page: Page, name: str) -> None:
    page.get_by_label("Start from an example").select_option(name)
    title = json.loads((EXAMPLES / f"{name}.json").read_text())["name"]
    expect(page.get_by_label("Model name")).to_have_value(title)
    settled(page)
