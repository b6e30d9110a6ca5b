"""Starting from an existing model in the editor: an architecture, and an ONNX file."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from playwright.sync_api import Page, expect
from torch import nn

from tests.browser.editor import blocks, saved_spec, total_params, wait_valid

ROOT = Path(__file__).resolve().parent.parent.parent


def unlaid(modules: dict) -> dict:
    return {name: {k: v for k, v in d.items() if k != "layout"} for name, d in modules.items()}


def test_start_from_an_architecture_keeps_its_definitions(page: Page, tmp_path: Path) -> None:
    spec = json.loads((ROOT / "examples" / "architectures" / "resnet18.json").read_text())
    page.get_by_label("Start from an architecture").select_option("resnet18")
    expect(blocks(page)).to_have_count(len(spec["nodes"]))
    wait_valid(page)
    expect(total_params(page)).to_contain_text("11,689,512")
    saved = saved_spec(page, tmp_path)
    assert unlaid(saved["modules"]) == unlaid(spec["modules"])  # the editor places inner blocks
    assert {n["id"]: n.get("repeat", 1) for n in saved["nodes"]} == {
        n["id"]: n.get("repeat", 1) for n in spec["nodes"]
    }


def test_open_an_onnx_file(page: Page, tmp_path: Path) -> None:
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 3))
    path = tmp_path / "tiny.onnx"
    torch.onnx.export(model.eval(), (torch.randn(1, 1, 8, 8),), dynamo=True).save(str(path))
    page.get_by_test_id("open-file").set_input_files(str(path))
    expect(blocks(page)).to_have_count(4, timeout=30_000)
    expect(page.get_by_label("Model name")).to_have_value("tiny")
    wait_valid(page)
    expect(total_params(page)).to_contain_text(f"{sum(p.numel() for p in model.parameters()):,}")
