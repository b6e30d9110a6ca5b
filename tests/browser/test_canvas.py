"""The canvas in headless Chromium: layout of big and branchy models, wiring, the first run.

Geometry is read from the DOM (the blocks' boxes, points along each drawn wire), as a
person would see it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .editor import (
    EXAMPLES,
    blocks,
    fit,
    layout_faults,
    load_example,
    new_model,
    node,
    open_tab,
    reveal,
    saved_spec,
    select,
    set_params,
    settled,
    wait_valid,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

EXAMPLE_NAMES = sorted(path.stem for path in EXAMPLES.glob("*.json"))


def wire(page: Page, source: str, target: str):  # type: ignore[no-untyped-def]
    return page.locator(f".react-flow__edge[data-id='{source}->{target}']")


def click_wire(page: Page, source: str, target: str) -> None:
    """Click the middle of a wire as drawn."""
    x, y = wire(page, source, target).locator("path.react-flow__edge-path").evaluate("""(path) => {
          const p = path.getPointAtLength(path.getTotalLength() / 2);
          const q = new DOMPoint(p.x, p.y).matrixTransform(path.getScreenCTM());
          return [q.x, q.y];
        }""")
    page.mouse.click(x, y)


def zoom(page: Page) -> float:
    style = page.locator(".react-flow__viewport").get_attribute("style") or ""
    match = re.search(r"scale\(([\d.]+)\)", style)
    assert match, style
    return float(match.group(1))


def test_every_example_without_overlaps_or_wires_under_blocks(page: Page) -> None:
    for name in EXAMPLE_NAMES:
        load_example(page, name)
        assert layout_faults(page) == [], name
    # Across the page too.
    page.get_by_label("Layout direction").select_option("RIGHT")
    expect(page.get_by_test_id("canvas")).to_have_attribute("data-direction", "RIGHT")
    for name in ("digits-resnet", "lenet-batchnorm"):
        load_example(page, name)
        assert layout_faults(page) == [], name
        inputs = node(page, "input").bounding_box()
        first = node(page, "stem" if name == "digits-resnet" else "conv1").bounding_box()
        assert inputs and first and first["x"] > inputs["x"] + inputs["width"]


def test_every_definition_in_the_examples_is_laid_out_clean(page: Page) -> None:
    """Each definition an example's model uses, opened in place (double-click an instance)."""
    for name in EXAMPLE_NAMES:
        spec = json.loads((EXAMPLES / f"{name}.json").read_text())
        modules = spec.get("modules") or {}
        first_uses = {n["type"]: n["id"] for n in reversed(spec["nodes"]) if n["type"] in modules}
        if not first_uses:
            continue
        load_example(page, name)
        for definition, instance in sorted(first_uses.items()):
            fit(page)
            reveal(page, instance, room=0)
            node(page, instance).dblclick()
            crumbs = page.get_by_role("navigation", name="Editing")
            expect(crumbs).to_contain_text(definition)
            expect(blocks(page)).to_have_count(len(modules[definition]["nodes"]))
            settled(page)
            assert layout_faults(page) == [], f"{name}: {definition}"
            crumbs.get_by_role("button").first.click()
            expect(crumbs).to_have_count(0)


def test_the_skip_connection_runs_beside_the_branch(page: Page) -> None:
    load_example(page, "digits-resnet")
    skip = wire(page, "stem_act", "residual").locator("path.react-flow__edge-path")
    conv = node(page, "conv_a").bounding_box()
    points = skip.evaluate("""(path) => {
          const ctm = path.getScreenCTM();
          const out = [];
          for (let t = 0; t <= path.getTotalLength(); t += 4) {
            const p = path.getPointAtLength(t);
            const q = new DOMPoint(p.x, p.y).matrixTransform(ctm);
            out.push([q.x, q.y]);
          }
          return out;
        }""")
    assert conv is not None
    level = [x for x, y in points if conv["y"] < y < conv["y"] + conv["height"]]
    assert level, "the skip wire does not reach past the branch"
    assert all(x > conv["x"] + conv["width"] or x < conv["x"] for x in level)


def test_no_overlap_after_insert_paste_and_an_error_that_grows_a_block(page: Page) -> None:
    load_example(page, "digits-resnet")
    # An error message makes a block taller: the blocks below move down.
    select(page, "norm_a")
    set_params(page, {"num_groups": "5"})
    expect(node(page, "norm_a").get_by_test_id("problem")).to_be_visible()
    assert layout_faults(page) == []
    set_params(page, {"num_groups": "4"})
    wait_valid(page)
    # Insert under a block that has two wires leaving it.
    select(page, "stem_act")
    page.locator("button[data-block='Dropout']").click()
    expect(blocks(page)).to_have_count(13)
    assert layout_faults(page) == []
    # Paste a copy of three blocks.
    node(page, "conv_a").click()
    for block in ("norm_a", "act_a"):
        node(page, block).click(modifiers=["Shift"])
    expect(page.locator(".react-flow__node.selected")).to_have_count(3)
    page.keyboard.press("Control+c")
    page.keyboard.press("Control+v")
    expect(blocks(page)).to_have_count(16)
    assert layout_faults(page) == []


def test_fit_view_keeps_text_readable_and_starts_at_the_input(page: Page) -> None:
    load_example(page, "lenet-batchnorm")
    fit(page)
    assert zoom(page) >= 0.7 - 1e-6
    pane = page.locator(".react-flow__pane").bounding_box()
    top = node(page, "input").bounding_box()
    assert pane and top
    assert pane["y"] <= top["y"] <= pane["y"] + pane["height"] / 4  # the model starts on screen
    last = node(page, "fc3").bounding_box()
    assert last and last["y"] > pane["y"] + pane["height"]  # the rest is a scroll away


def test_palette_panel_and_minimap_fold_away_and_the_minimap_covers_no_block(page: Page) -> None:
    load_example(page, "lenet-batchnorm")
    canvas = page.get_by_test_id("canvas")
    before = canvas.bounding_box()
    dock = page.get_by_role("complementary", name="Minimap").bounding_box()
    assert before and dock and dock["x"] >= before["x"] + before["width"] - 1
    for label in ("Palette", "Panel", "Minimap"):
        page.locator(".toolbar").get_by_role("button", name=label, exact=True).click()
    expect(page.get_by_role("navigation", name="Blocks")).to_be_hidden()
    expect(page.get_by_role("complementary", name="Minimap")).to_be_hidden()
    after = canvas.bounding_box()
    assert after and before and after["width"] > before["width"] + 500
    page.get_by_role("button", name="Show the side panel").click()
    expect(page.locator(".side .tabs")).to_be_visible()


def test_wiring_with_large_hit_areas(page: Page) -> None:
    new_model(page, "16")
    for block_type in ("Linear", "ReLU", "Linear", "Linear", "Add"):
        page.locator(f"button[data-block='{block_type}']").click()
    for linear in ("linear_1", "linear_2", "linear_3"):
        select(page, linear)
        set_params(page, {"out_features": "16"})
    fit(page)
    # A chain input -> linear_1 -> relu_1 -> linear_2 -> linear_3 -> add_1.
    # Start a wire 8 px beside relu_1's output dot and let go on add_1's body: connected.
    handle = node(page, "relu_1").locator(".react-flow__handle-bottom").bounding_box()
    assert handle is not None
    assert handle["width"] >= 8  # 12 px at the readable zoom and up
    target = node(page, "add_1").bounding_box()
    assert target is not None
    page.mouse.move(handle["x"] + handle["width"] / 2 + 8, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + target["height"] / 2, steps=8)
    page.mouse.up()
    expect(wire(page, "relu_1", "add_1")).to_have_count(1)
    settled(page)
    assert layout_faults(page) == []

    # Three wires leave linear_1 (to relu_1, and two more): each click selects the one clicked.
    for target_id in ("linear_3", "add_1"):
        settled(page)  # the last wire's layout has placed the blocks
        source = node(page, "linear_1").locator(".react-flow__handle-bottom")
        source.drag_to(node(page, target_id))
        expect(wire(page, "linear_1", target_id)).to_have_count(1)
    fit(page)
    assert layout_faults(page) == []
    for target_id in ("relu_1", "linear_3", "add_1"):
        edge = wire(page, "linear_1", target_id)
        click_wire(page, "linear_1", target_id)
        expect(edge).to_have_class(re.compile(r"\bselected\b"))
        expect(page.locator(".react-flow__edge.selected")).to_have_count(1)

    # The selected wire has a delete button.
    page.get_by_role("button", name="Delete the wire linear_1->add_1").click()
    expect(wire(page, "linear_1", "add_1")).to_have_count(0)

    # Drag a wire's end to another block: it moves there (its source, to the input).
    settled(page)
    edge = wire(page, "linear_1", "linear_3")
    click_wire(page, "linear_1", "linear_3")
    end = edge.locator(".react-flow__edgeupdater-source").bounding_box()
    goal = node(page, "input").bounding_box()
    assert end and goal
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2)
    page.mouse.down()
    page.mouse.move(goal["x"] + goal["width"] / 2, goal["y"] + goal["height"] / 2, steps=8)
    page.mouse.up()
    expect(wire(page, "input", "linear_3")).to_have_count(1)
    expect(wire(page, "linear_1", "linear_3")).to_have_count(0)

    # Shift+click adds blocks to the selection; the help says so.
    node(page, "linear_1").click()
    node(page, "linear_2").click(modifiers=["Shift"])
    expect(page.locator(".react-flow__node.selected")).to_have_count(2)
    page.keyboard.press("?")
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_contain_text("Shift+Click")


def test_first_run(page: Page) -> None:
    # An empty canvas welcomes, with no red problem.
    page.get_by_role("button", name="New", exact=True).click()
    expect(page.get_by_test_id("welcome")).to_be_visible()
    expect(page.get_by_test_id("validity")).to_have_text("no blocks yet")
    expect(page.get_by_role("alert")).to_have_count(0)
    page.get_by_test_id("welcome").get_by_role("button").first.click()
    expect(page.get_by_test_id("welcome")).to_be_hidden()

    # Linear -> Softmax with CrossEntropyLoss, chosen before any dataset: the data follows
    # the loss (no loss error), and the Softmax gets a warning.
    new_model(page, "1, 28, 28")
    expect(page.locator("#input-shape-help")).to_contain_text("(channels, height, width)")
    for block_type in ("Flatten", "Linear", "Softmax"):
        page.locator(f"button[data-block='{block_type}']").click()
    select(page, "linear_1")
    set_params(page, {"out_features": "10"})
    open_tab(page, "Training")
    expect(page.locator("#input-shape-help")).to_contain_text(
        "The first layer, flatten_1, is Flatten"
    )
    page.get_by_label("Loss").select_option("CrossEntropyLoss")
    wait_valid(page)
    expect(page.get_by_label("Dataset")).to_have_value("synthetic-classification")
    warning = node(page, "softmax_1").get_by_test_id("warning")
    expect(warning).to_contain_text("Linear → Softmax with CrossEntropyLoss")

    # A value that does not parse is put back, and the field says why.
    select(page, "linear_1")
    field = page.locator(".side [data-param='out_features'] input")
    field.fill("ten")
    field.blur()
    expect(field).to_have_value("10")
    expect(page.locator(".side [data-param='out_features'] .param-reverted")).to_contain_text(
        "“ten” is not valid here (a whole number), so out_features stays 10"
    )

    # Problems say what and what to do; where (the JSON pointer) is behind "details".
    set_params(page, {"out_features": "3"})
    select(page, "flatten_1")
    page.keyboard.press("Delete")
    select(page, "linear_1")
    problems = page.locator(".side .problems").first
    expect(problems).to_be_visible()
    pointer = problems.locator("code.path").first
    expect(pointer).to_be_hidden()
    problems.get_by_text("details").first.click()
    expect(pointer).to_be_visible()
    expect(pointer).to_have_text(re.compile(r"^/nodes/\d+"))


def test_dark_mode_follows_the_system(page: Page) -> None:
    def background() -> str:
        return page.evaluate("getComputedStyle(document.querySelector('.side')).backgroundColor")

    light = background()
    page.emulate_media(color_scheme="dark")
    expect(page.locator(".side")).not_to_have_css("background-color", light)
    dark = [int(v) for v in re.findall(r"\d+", background())[:3]]
    assert sum(dark) < 3 * 80


def test_the_public_page_draws_the_editors_layout(page: Page, tmp_path: Path) -> None:
    page.get_by_label("Layout direction").select_option("RIGHT")
    load_example(page, "digits-resnet")
    layout = saved_spec(page, tmp_path)["layout"]
    page.locator(".toolbar").get_by_role("button", name="Share", exact=True).click()
    dialog = page.get_by_role("dialog", name="Share this model")
    dialog.get_by_role("button", name="Share", exact=True).click()
    link = dialog.get_by_label("Link")
    expect(link).to_have_value(re.compile(r"/m/"))
    page.goto(link.input_value())
    drawn = page.locator("svg.graph-canvas g.node").evaluate_all("""(groups) => groups.map((g) => {
          const r = g.querySelector('rect');
          return [g.dataset.id, Number(r.getAttribute('x')), Number(r.getAttribute('y'))];
        })""")
    assert {node_id: {"x": x, "y": y} for node_id, x, y in drawn} == layout
    # what the page shows, measured like the canvas: no overlaps, no wire under a box
    faults = page.evaluate("""() => {
          const boxes = [...document.querySelectorAll('svg.graph-canvas g.node rect')]
            .map((r) => r.getBoundingClientRect());
          const found = [];
          boxes.forEach((a, i) => boxes.slice(i + 1).forEach((b) => {
            if (a.x < b.right && b.x < a.right && a.y < b.bottom && b.y < a.bottom) found.push('overlap');
          }));
          for (const path of document.querySelectorAll('svg.graph-canvas path[fill=none][stroke]')) {
            const ctm = path.getScreenCTM();
            for (let t = 3; t < path.getTotalLength() - 3; t += 3) {
              const p = new DOMPoint(path.getPointAtLength(t).x, path.getPointAtLength(t).y).matrixTransform(ctm);
              if (boxes.some((b) => b.x + 2 < p.x && p.x < b.right - 2 && b.y + 2 < p.y && p.y < b.bottom - 2)) {
                found.push('wire under a box');
                break;
              }
            }
          }
          return found;
        }""")
    assert faults == []


def test_a_busy_server_is_asked_again_when_it_says(page: Page) -> None:
    """A 429 with Retry-After (the server's work limit) delays the check; it is no error."""
    refused: list[str] = []

    def once_too_much(route) -> None:  # type: ignore[no-untyped-def]
        if refused:
            route.continue_()
            return
        refused.append(route.request.url)
        route.fulfill(
            status=429,
            headers={"Retry-After": "1", "Content-Type": "application/json"},
            body='{"errors": [{"path": "", "message": "too much work", "hint": "wait"}]}',
        )

    page.route("**/api/validate", once_too_much)
    load_example(page, "digits-mlp")
    wait_valid(page)
    assert len(refused) == 1
    expect(page.locator(".status .message")).not_to_contain_text("Checking failed")
