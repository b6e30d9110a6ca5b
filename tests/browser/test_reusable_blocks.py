"""Reusable blocks in the editor: group, use twice, edit the definition, ungroup, repeat."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .editor import (
    add,
    blocks,
    fit,
    layout_faults,
    model_only,
    node,
    open_tab,
    saved_spec,
    select,
    set_params,
    settled,
    total_params,
    wait_valid,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def mlp_block(page: Page) -> None:
    """input (8) -> Linear 8 -> ReLU -> Linear 8, grouped as MlpBlock exposing `hidden`."""
    model_only(page, "8")
    for block_type, params in (
        ("Linear", {"out_features": "8"}),
        ("ReLU", {}),
        ("Linear", {"out_features": "8"}),
    ):
        add(page, block_type)
        set_params(page, params)
    wait_valid(page)
    fit(page)
    node(page, "linear_1").click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Control+g")
    dialog = page.get_by_role("dialog", name="Group as block")
    dialog.get_by_label("name", exact=True).fill("MlpBlock")
    dialog.get_by_label("expose linear_1.out_features").check()
    dialog.get_by_label("name of linear_1.out_features").fill("hidden")
    dialog.get_by_role("button", name="Group").click()
    expect(dialog).to_be_hidden()
    expect(blocks(page)).to_have_count(1)
    expect(node(page, "mlp_block_1")).to_have_attribute("data-type", "MlpBlock")


def test_group_use_twice_edit_the_definition_and_ungroup(page: Page, tmp_path: Path) -> None:
    mlp_block(page)
    palette = page.locator(".palette [data-category='Blocks in this model']")
    expect(palette.locator("button[data-block='MlpBlock']")).to_contain_text("1 used")
    wait_valid(page)
    expect(total_params(page)).to_contain_text("144")  # 8*8+8 + 8*8+8

    # A second use, with its own width: 8*16+16 + 16*8+8 = 280 more.
    palette.locator("button[data-block='MlpBlock']").click()
    set_params(page, {"hidden": "16"})
    wait_valid(page)
    expect(total_params(page)).to_contain_text("424")
    assert layout_faults(page) == []

    # Edit the definition in place: no bias on its last Linear; both uses lose 8 parameters.
    fit(page)
    node(page, "mlp_block_2").dblclick()
    crumbs = page.get_by_role("navigation", name="Editing")
    expect(crumbs).to_contain_text("MlpBlock")
    expect(crumbs).to_contain_text("Shapes as in mlp_block_2")
    # The definition's input and blocks, with the shapes of the use opened (hidden=16).
    expect(node(page, "x").get_by_test_id("shape")).to_have_text("(8)")
    expect(node(page, "linear_1").get_by_test_id("shape")).to_have_text("→ (16)")
    expect(blocks(page)).to_have_count(3)
    assert layout_faults(page) == []
    select(page, "linear_2")
    page.locator(".side [data-param='bias'] input").uncheck()
    crumbs.get_by_role("button").first.click()  # back to the model
    expect(crumbs).to_have_count(0)
    wait_valid(page)
    expect(total_params(page)).to_contain_text("408")
    spec = saved_spec(page, tmp_path)
    hidden = spec["modules"]["MlpBlock"]["params"]["hidden"]
    assert (hidden["kind"], hidden["default"], hidden["min"]) == ("int", 8, 1)  # from Linear
    assert [n["type"] for n in spec["nodes"]] == ["MlpBlock", "MlpBlock"]

    # Ungroup the second: its blocks come back with its values.
    select(page, "mlp_block_2")
    page.get_by_role("button", name="Ungroup").click()
    expect(blocks(page)).to_have_count(4)
    select(page, "mlp_block_2_linear_1")
    expect(page.locator(".side [data-param='out_features'] input")).to_have_value("16")
    wait_valid(page)
    expect(total_params(page)).to_contain_text("408")
    settled(page)
    assert layout_faults(page) == []


def test_repeat_three_times(page: Page) -> None:
    mlp_block(page)
    select(page, "mlp_block_1")
    set_params(page, {"repeat": "3"})
    expect(node(page, "mlp_block_1").get_by_test_id("repeat")).to_have_text("× 3")
    wait_valid(page)
    expect(total_params(page)).to_contain_text("432")  # 3 * 144
    open_tab(page, "Code")
    code = page.locator("[data-testid='code'][data-file='model.py']")
    expect(code).to_contain_text("class MlpBlock(nn.Module)")
    expect(code).to_contain_text(re.compile(r"range\(3\)"))


def test_the_library_brings_its_definition_into_the_model(page: Page) -> None:
    model_only(page, "64, 8, 8")
    library = page.locator(".palette [data-category='Library']")
    for name in ("BasicBlock", "Bottleneck", "TransformerBlock", "SqueezeExcitation"):
        expect(library.locator(f"button[data-block='{name}']")).to_have_count(1)
    expect(library.locator("button[data-block='InvertedResidual']")).to_have_count(1)
    library.locator("button[data-block='SqueezeExcitation']").click()
    ours = page.locator(".palette [data-category='Blocks in this model']")
    expect(ours.locator("button[data-block='SqueezeExcitation']")).to_contain_text("1 used")
    expect(library.locator("button[data-block='SqueezeExcitation']")).to_have_count(0)
    wait_valid(page)
    expect(node(page, "squeeze_excitation_1").get_by_test_id("shape")).to_have_text("→ (64, 8, 8)")
    open_tab(page, "Code")
    code = page.locator("[data-testid='code'][data-file='model.py']")
    expect(code).to_contain_text("class SqueezeExcitation(nn.Module)")
