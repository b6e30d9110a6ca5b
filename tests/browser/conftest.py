"""A real TorchCanvas server (`torchcanvas serve`) and Debian's headless Chromium.

The editor must be built (static/dist); `make test` builds it before pytest runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from codegen.resources import static_dist_dir
from tests.live_server import live_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app served by its own CLI on a free port, with a fresh SQLite store."""
    if not (static_dist_dir() / ".vite" / "manifest.json").exists():
        pytest.fail("the editor is not built: run `make test` (it runs `npm run build` in static/)")
    folder = tmp_path_factory.mktemp("server")
    database = f"sqlite:///{folder / 'store.db'}"
    with live_server(database, folder / "server.log", no_tracebacks=True) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: `make test` installs Debian's chromium package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, server):  # type: ignore[no-untyped-def]
    """A fresh browser context (empty localStorage) on the editor.

    Errors in the page and every request that leaves the server's origin fail the test:
    the app must work offline.
    """
    context = browser.new_context(viewport={"width": 1500, "height": 950}, accept_downloads=True)
    offsite: list[str] = []
    context.on(
        "request",
        lambda request: (
            None
            if request.url.startswith((server + "/", "data:", "blob:"))
            else offsite.append(request.url)
        ),
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(server + "/")
    page.get_by_role("button", name="Auto-layout").wait_for()
    yield page
    context.close()
    assert not errors, f"errors in the page: {errors}"
    assert not offsite, f"requests to other hosts: {offsite}"
