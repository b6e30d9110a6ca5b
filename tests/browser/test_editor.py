"""The editor in headless Chromium: building, checking, editing, files and downloads."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import ROOT

from .editor import (
    LENET,
    LENET_PARAMS,
    blocks,
    download,
    drag_under,
    fit,
    new_model,
    node,
    open_tab,
    saved_spec,
    select,
    set_params,
    total_params,
    wait_valid,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_build_lenet_by_drag_and_drop_then_train_the_download(page: Page, tmp_path: Path) -> None:
    new_model(page, "1, 28, 28")
    above = "input"
    for block_type, params in LENET:
        before = blocks(page).count()
        drag_under(page, block_type, above)
        expect(blocks(page)).to_have_count(before + 1)
        above = page.locator("#block-id").input_value()  # the dropped block is selected
        set_params(page, params)
    wait_valid(page)
    expect(total_params(page)).to_contain_text(LENET_PARAMS)
    expect(node(page, "conv2d_1").get_by_test_id("shape")).to_have_text("→ (6, 28, 28)")
    expect(node(page, "flatten_1").get_by_test_id("shape")).to_have_text("→ (400)")
    expect(node(page, "linear_3").get_by_test_id("shape")).to_have_text("→ (10)")
    select(page, "conv2d_2")
    expect(page.locator(".side [data-param='in_channels'] input")).to_have_value("6")

    # Train the download for real on synthetic data.
    open_tab(page, "Training")
    page.get_by_label("Dataset").select_option("synthetic-classification")
    page.locator("[data-param='n_samples'] input").fill("200")
    page.locator("[data-param='epochs'] input").fill("1")
    wait_valid(page)
    archive = download(page, "Download", tmp_path)
    with zipfile.ZipFile(archive) as zipped:
        zipped.extractall(tmp_path / "unzipped")
    (project,) = (tmp_path / "unzipped").iterdir()
    assert {"model.py", "train.py", "README.md", "requirements.txt"} <= {
        p.name for p in project.iterdir()
    }
    env = {**os.environ, "MPLBACKEND": "Agg"}
    run = subprocess.run(
        [sys.executable, "train.py", "--limit-batches", "2", "--out", "run"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert run.returncode == 0, run.stderr
    metrics = json.loads((project / "run" / "metrics.json").read_text())
    assert metrics["metric"] == "accuracy"
    assert 0.0 <= metrics["val_metric"] <= 1.0
    history = json.loads((project / "run" / "history.json").read_text())
    assert len(history) == 1
    if os.environ.get("UPDATE_SCREENSHOT"):
        fit(page)
        page.screenshot(path=str(ROOT / "docs" / "editor-lenet.png"))


def test_build_lenet_by_keyboard(page: Page) -> None:
    new_model(page, "1, 28, 28")
    page.locator(".react-flow__pane").click()  # leave the form, so "/" is a shortcut
    for block_type, params in LENET:
        page.keyboard.press("/")
        expect(page.locator(".palette-search")).to_be_focused()
        page.keyboard.press("Control+A")
        page.keyboard.type(block_type)
        page.keyboard.press("Enter")
        for name, value in params.items():
            field = page.locator(f".side [data-param='{name}'] input")
            field.focus()
            page.keyboard.press("Control+A")
            page.keyboard.type(value)
        page.keyboard.press("Escape")
        page.locator(".palette-search").focus()
    expect(blocks(page)).to_have_count(len(LENET))
    wait_valid(page)
    expect(total_params(page)).to_contain_text(LENET_PARAMS)
    # The palette's buttons take Enter too.
    page.locator(".palette-search").fill("")
    page.locator("button[data-block='Dropout']").focus()
    page.keyboard.press("Enter")
    expect(blocks(page)).to_have_count(len(LENET) + 1)
    # Help lists the shortcuts.
    page.locator(".react-flow__pane").click()
    page.keyboard.press("?")
    expect(page.get_by_role("dialog")).to_contain_text("Ctrl+Z")
    page.keyboard.press("Escape")


def test_groupnorm_error_on_its_node_then_fixed(page: Page) -> None:
    new_model(page, "3, 32, 32")
    page.get_by_role("button", name="Remove training settings (model only)").click()
    page.locator(".palette-search").fill("Conv2d")
    page.keyboard.press("Enter")
    set_params(page, {"out_channels": "6", "kernel_size": "3"})
    page.locator(".palette-search").fill("GroupNorm")
    page.keyboard.press("Enter")
    set_params(page, {"num_groups": "4"})
    problem = node(page, "group_norm_1").get_by_test_id("problem")
    expect(problem).to_contain_text("num_groups")
    expect(problem).to_contain_text("6")
    expect(page.get_by_test_id("validity")).to_contain_text("problem")
    set_params(page, {"num_groups": "3"})
    wait_valid(page)
    expect(node(page, "group_norm_1").get_by_test_id("problem")).to_have_count(0)
    expect(node(page, "group_norm_1").get_by_test_id("shape")).to_have_text("→ (6, 30, 30)")


def test_delete_reconnects_and_undo_redo(page: Page) -> None:
    page.get_by_label("Start from an example").select_option("digits-mlp")
    expect(blocks(page)).not_to_have_count(0)
    wait_valid(page)
    count = blocks(page).count()
    params_before = total_params(page).inner_text()
    middle = blocks(page).nth(1)
    middle_id = middle.get_attribute("data-id")
    middle.click()
    page.keyboard.press("Delete")
    expect(blocks(page)).to_have_count(count - 1)
    wait_valid(page)  # the chain stays connected, so the model stays valid
    page.keyboard.press("Control+z")
    expect(blocks(page)).to_have_count(count)
    expect(page.locator(f".react-flow__node[data-id='{middle_id}']")).to_have_count(1)
    wait_valid(page)
    expect(total_params(page)).to_have_text(params_before)
    page.keyboard.press("Control+Shift+Z")
    expect(blocks(page)).to_have_count(count - 1)
    page.get_by_role("button", name="Undo").click()
    expect(blocks(page)).to_have_count(count)


def test_save_and_open_gives_the_same_model(page: Page, tmp_path: Path) -> None:
    page.get_by_label("Start from an example").select_option("digits-resnet")
    wait_valid(page)
    params = total_params(page).inner_text()
    saved = saved_spec(page, tmp_path)
    example = json.loads((ROOT / "examples" / "digits-resnet.json").read_text())
    assert saved["nodes"] == example["nodes"]
    assert saved["edges"] == example["edges"]
    assert saved["training"] == example["training"]
    new_model(page, "4")
    path = tmp_path / "model.json"
    path.write_text(json.dumps(saved))
    page.get_by_test_id("open-file").set_input_files(str(path))
    wait_valid(page)
    expect(total_params(page)).to_have_text(params)
    again = saved_spec(page, tmp_path / "again")
    assert again == saved


def test_open_rejects_a_file_that_is_not_a_model(page: Page, tmp_path: Path) -> None:
    path = tmp_path / "notes.json"
    path.write_text('{"hello": 1}')
    page.get_by_test_id("open-file").set_input_files(str(path))
    expect(page.locator(".status")).to_contain_text("Not a TorchCanvas model")


def test_every_example_loads_valid_with_its_parameter_count(page: Page) -> None:
    from codegen.analysis import analyze

    for path in sorted((ROOT / "examples").glob("*.json")):
        spec = json.loads(path.read_text())
        page.get_by_label("Start from an example").select_option(path.stem)
        expect(blocks(page)).to_have_count(len(spec["nodes"]))
        wait_valid(page)
        expected = f"{analyze(spec).to_dict()['total_params']:,}"
        expect(total_params(page)).to_contain_text(expected)


def test_autosave_restores_after_reload_and_code_panel(page: Page) -> None:
    page.get_by_label("Start from an example").select_option("iris-classifier")
    wait_valid(page)
    page.wait_for_timeout(600)  # autosave is debounced
    page.reload()
    expect(page.get_by_label("Model name")).to_have_value(re.compile("iris", re.IGNORECASE))
    wait_valid(page)
    open_tab(page, "Code")
    code = page.get_by_test_id("code")
    expect(code).to_contain_text("class ")
    expect(code).to_contain_text("nn.Linear")
    page.get_by_role("tab", name="train.py").click()
    expect(code).to_contain_text("def main")


def test_wiring_a_branch_and_a_merge(page: Page) -> None:
    new_model(page, "8")
    for block_type in ("Linear", "ReLU"):
        page.locator(".palette-search").fill(block_type)
        page.keyboard.press("Enter")
    select(page, "linear_1")
    set_params(page, {"out_features": "8"})
    # An Add placed freely, wired from the input and from relu_1.
    page.locator(".palette-search").fill("Add")
    page.keyboard.press("Enter")  # stacked under the selected linear_1: linear_1 -> add_1 -> relu_1
    expect(node(page, "add_1").get_by_test_id("problem")).not_to_have_count(0)  # one input
    fit(page)
    source = node(page, "input").locator(".react-flow__handle-bottom")
    target = node(page, "add_1").locator(".react-flow__handle-top")
    source.drag_to(target)
    expect(page.locator(".react-flow__edge")).to_have_count(4)
    wait_valid(page)
    expect(node(page, "add_1").get_by_test_id("shape")).to_have_text("→ (8)")


def test_dist_has_no_external_urls() -> None:
    """Everything is bundled: the built editor loads nothing from other hosts."""
    from codegen.resources import static_dist_dir

    dist = static_dist_dir()
    for path in (dist / "assets").iterdir():
        text = path.read_text(errors="ignore")
        assert "//fonts.googleapis" not in text and "cdn." not in text, path
    assert shutil.which("chromium") or Path("/usr/bin/chromium").exists()
