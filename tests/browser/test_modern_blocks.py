"""The editor with the modern blocks: labelled attention inputs and token inputs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .editor import (
    add,
    fit,
    model_only,
    node,
    open_tab,
    saved_spec,
    select,
    set_params,
    wait_valid,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

MHA = "multihead_attention_1"


def wire_to_slot(page: Page, source: str, target: str, slot: str) -> None:
    fit(page)
    handle = node(page, source).locator(".react-flow__handle.source")
    handle.drag_to(node(page, target).locator(f".react-flow__handle[data-slot='{slot}']"))


def model_code(page: Page, showing: str = "class ") -> str:
    """The code panel's model.py without line numbers, its whitespace collapsed (black wraps
    long calls)."""
    open_tab(page, "Code")
    code = page.locator("[data-testid='code'][data-file='model.py']")
    expect(code).to_contain_text(showing)
    lines = code.locator(".token-line").evaluate_all(
        "lines => lines.map((l) => [...l.children].slice(1).map((t) => t.textContent).join(''))"
    )
    return re.sub(r"\s+", " ", " ".join(lines)).replace("( ", "(")


def test_attention_inputs_are_labelled_and_the_slot_decides_the_argument(
    page: Page, tmp_path: Path
) -> None:
    model_only(page, "16, 32")
    for _ in range(2):
        add(page, "Linear")
        set_params(page, {"out_features": "32"})
    add(page, "MultiheadAttention")  # stacked under linear_2: its query
    set_params(page, {"num_heads": "4"})
    attention = node(page, MHA)
    for slot in ("query", "key", "value"):
        expect(attention.locator(f".react-flow__handle[data-slot='{slot}']")).to_have_count(1)
    expect(attention.locator(".block-slot")).to_have_text(["query", "key", "value"])

    decoder = "transformer_decoder_layer_1"
    add(page, "TransformerDecoderLayer")
    expect(node(page, decoder).locator(".block-slot")).to_have_text(["target", "memory"])
    page.keyboard.press("Delete")
    expect(node(page, decoder)).to_have_count(0)

    # linear_1 onto the key, then the input onto the value: arguments 1 and 2.
    wire_to_slot(page, "linear_1", MHA, "key")
    expect(page.locator(f".react-flow__edge[data-id='linear_1->{MHA}']")).to_have_count(1)
    wire_to_slot(page, "input", MHA, "value")
    wait_valid(page)
    spec = saved_spec(page, tmp_path)
    into = [e["source"] for e in spec["edges"] if e["target"] == MHA]
    assert into == ["linear_2", "linear_1", "input"]
    code = model_code(page)
    assert "out = self.linear_1(x)" in code  # linear_1's output goes on as `out`
    assert f"self.{MHA}(linear_2, out, x, need_weights=False)" in code

    # The causal option: on the node's face, and a mask in the call.
    open_tab(page, "Block")
    select(page, MHA)
    page.locator(".side [data-param='causal'] input").check()
    expect(attention.locator(".block-params")).to_contain_text("causal")
    wait_valid(page)
    code = model_code(page, "causal_mask")
    assert f"self.{MHA}(linear_2, out, x, attn_mask=causal_mask(linear_2)" in code


def test_token_input_shows_its_vocabulary_and_sizes_the_embedding(page: Page) -> None:
    model_only(page, "64")
    page.locator("[data-component='input'] [data-param='dtype'] select").select_option("int64")
    vocab = page.locator("[data-component='input'] [data-param='vocab_size'] input")
    expect(vocab).to_have_value("256")  # byte-level to start with
    vocab.fill("1000")
    expect(node(page, "input").get_by_test_id("dtype")).to_have_text("int64 < 1,000")
    add(page, "Embedding")
    set_params(page, {"embedding_dim": "32"})
    wait_valid(page)
    expect(node(page, "embedding_1").get_by_test_id("shape")).to_have_text("→ (64, 32)")
    select(page, "embedding_1")
    expect(page.locator(".side [data-param='num_embeddings'] input")).to_have_value("1000")
    # Back to float features: the Embedding says what it needs.
    open_tab(page, "Training")
    page.locator("[data-component='input'] [data-param='dtype'] select").select_option("float32")
    expect(vocab).to_have_count(0)
    expect(node(page, "embedding_1").get_by_test_id("problem")).not_to_have_count(0)
