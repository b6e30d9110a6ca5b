"""Training in the editor: check a model, run it and watch its curve grow, try it, compare
two runs. A real server with a real worker; the runs train scikit-learn's digits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.editor import load_example, open_tab, settled
from tests.live_server import live_server

pytestmark = pytest.mark.slow
LONG = 120_000  # ms: a check or a run on a machine busy with other tests


@pytest.fixture(scope="module")
def training_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("runs-server")
    env = {"TORCHCANVAS_RUN_THREADS": "1"}
    with live_server(f"sqlite:///{folder / 'store.db'}", folder / "server.log", "--with-worker",
                     no_tracebacks=True, env=env) as url:  # fmt: skip
        yield url


@pytest.fixture
def run_page(browser: Any, training_server: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1500, "height": 950})
    page = context.new_page()
    page.set_default_timeout(60_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(training_server + "/")
    page.get_by_role("button", name="Auto-layout").wait_for()
    yield page
    context.close()
    assert not errors, f"errors in the page: {errors}"


WATCH_POINTS = """() => {
  window.curveLengths = [];
  const seen = () => {
    const chart = document.querySelector(".run-current .chart");
    const n = chart ? +chart.dataset.points : 0;
    if (n && n !== window.curveLengths.at(-1)) window.curveLengths.push(n);
  };
  new MutationObserver(seen).observe(document.body, {
    subtree: true, childList: true, attributes: true, attributeFilter: ["data-points"],
  });
}"""


def test_run_watch_the_curve_grow_and_compare_two_runs(run_page: Page) -> None:
    page = run_page
    load_example(page, "digits-mlp")
    settled(page)
    open_tab(page, "Run")
    panel = page.locator(".run-panel")

    panel.get_by_role("button", name="Check").click()
    expect(panel.locator(".run-check")).to_contain_text("gradients finite", timeout=LONG)

    # every length the loss curve takes, as the page draws it
    page.evaluate(WATCH_POINTS)
    panel.get_by_label("Epochs").fill("30")
    panel.get_by_role("button", name="Run", exact=True).click()
    current = panel.locator(".run-current")
    expect(current.locator(".run-status")).to_have_text("succeeded", timeout=LONG)
    lengths = page.evaluate("window.curveLengths")
    assert lengths[-1] == 30 and len(lengths) >= 3, lengths  # it grew while we watched
    assert lengths == sorted(lengths)
    expect(current.locator(".run-metrics")).to_contain_text("val accuracy")
    expect(current.get_by_role("link", name="Download model.pt")).to_be_visible()
    expect(current.get_by_role("img", name="Confusion matrix")).to_be_visible()

    panel.get_by_label("Epochs").fill("4")
    panel.get_by_role("button", name="Run", exact=True).click()
    expect(current.locator(".run-status")).to_have_text("succeeded", timeout=LONG)

    boxes = panel.get_by_role("checkbox")
    expect(boxes).to_have_count(2)
    boxes.nth(0).check()
    boxes.nth(1).check()
    panel.get_by_role("button", name="Compare 2 runs").click()
    dialog = page.get_by_role("dialog", name="Compare runs")
    expect(dialog.locator(".compare-metrics tbody tr")).to_have_count(2)
    expect(dialog.locator(".compare-diff")).to_contain_text("training.epochs")
    expect(dialog.locator(".compare-diff")).to_contain_text("30")
    expect(
        dialog.get_by_role("img", name="Validation loss (solid) and training loss (dashed)")
    ).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()
