"""The graph picture's download buttons, in the editor and on a shared model's page."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from playwright.sync_api import Page

from tests.browser.editor import download, load_example, wait_valid
from tests.browser.test_sharing import close_share, share

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
NS = "{http://www.w3.org/2000/svg}"


def node_ids(svg: Path) -> set[str]:
    return {g.get("data-id") or "" for g in ET.parse(svg).getroot().iter(f"{NS}g")}


def test_editor_and_model_page_download_the_graph(page: Page, tmp_path: Path) -> None:
    load_example(page, "digits-mlp")
    wait_valid(page)
    svg = download(page, "Download the graph as SVG", tmp_path)
    assert svg.name == "digits-mlp-graph.svg"
    assert node_ids(svg) == {"input", "fc1", "act1", "drop", "out"}
    png = download(page, "Download the graph as PNG", tmp_path)
    assert png.read_bytes().startswith(PNG_MAGIC)

    url = share(page)
    close_share(page)
    page.goto(url)
    with page.expect_download() as info:
        page.get_by_role("link", name="SVG", exact=True).click()
    saved = tmp_path / "page" / info.value.suggested_filename
    info.value.save_as(saved)
    assert node_ids(saved) == node_ids(svg)
    with page.expect_download() as info:
        page.get_by_role("link", name="PNG", exact=True).click()
    assert Path(info.value.path()).read_bytes().startswith(PNG_MAGIC)
