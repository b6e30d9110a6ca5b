"""Sharing from the editor: Share, the public link, Fork, My models, `/?model=` and `/?fork=`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import BrowserContext, Locator, Page, expect

from . import editor
from .editor import saved_spec, select, set_params, total_params, wait_valid

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LINK = re.compile(r"/m/([A-Za-z0-9_-]+)$")


def toolbar_button(page: Page, name: str) -> Locator:
    return page.locator(".toolbar").get_by_role("button", name=name, exact=True)


def share_dialog(page: Page) -> Locator:
    return page.get_by_role("dialog", name="Share this model")


def share(page: Page, description: str | None = None, tags: str | None = None) -> str:
    """Click Share, describe the model, share it and return the link the dialog shows
    (the dialog stays open)."""
    toolbar_button(page, "Share").click()
    dialog = share_dialog(page)
    if description is not None:
        dialog.get_by_label("Description").fill(description)
    if tags is not None:
        dialog.get_by_label("Tags").fill(tags)
    dialog.get_by_role("button", name="Share", exact=True).click()
    field = dialog.get_by_label("Link")
    expect(field).to_have_value(LINK)
    return field.input_value()


def close_share(page: Page) -> None:
    share_dialog(page).get_by_role("button", name="Close").click()
    expect(share_dialog(page)).to_be_hidden()


def model_id(url: str) -> str:
    match = LINK.search(url)
    assert match, url
    return match.group(1)


def api(server: str, path: str) -> requests.Response:
    return requests.get(f"{server}/api/models/{path}", timeout=10)


def stored(server: str, id_: str) -> dict[str, Any]:
    response = api(server, id_)
    assert response.status_code == 200, response.text
    return response.json()


def load_example(page: Page, name: str = "digits-mlp") -> None:
    editor.load_example(page, name)
    wait_valid(page)


def status(page: Page) -> Locator:
    return page.locator(".status .message")


def my_models(page: Page) -> Locator:
    toolbar_button(page, "My models").click()
    dialog = page.get_by_role("dialog", name="My models")
    expect(dialog).to_be_visible()
    return dialog


def listed_ids(dialog: Locator) -> list[str]:
    rows = dialog.locator("li[data-model-id]")
    return [rows.nth(i).get_attribute("data-model-id") or "" for i in range(rows.count())]


@pytest.fixture
def stranger(browser, server) -> Iterator[Page]:  # type: ignore[no-untyped-def]
    """Another person: a second browser context, without this one's edit tokens."""
    context: BrowserContext = browser.new_context(viewport={"width": 1500, "height": 950})
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"errors in the page: {errors}"


def test_share_update_fork_and_delete(page: Page, server: str, tmp_path: Path) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    load_example(page)
    expect(toolbar_button(page, "Fork")).to_be_disabled()  # not a stored model yet

    # Share: described and tagged in the dialog, a new model, its link selected and copied.
    url = share(page, description="Digits, by an MLP.", tags="digits,  mlp, digits, ")
    assert url.startswith(f"{server}/m/")
    first = model_id(url)
    assert stored(server, first)["spec"]["description"] == "Digits, by an MLP."
    assert stored(server, first)["spec"]["tags"] == ["digits", "mlp"]
    field = share_dialog(page).get_by_label("Link")
    expect(field).to_be_focused()
    selected = field.evaluate("f => f.value.slice(f.selectionStart, f.selectionEnd)")
    assert selected == url
    share_dialog(page).get_by_role("button", name="Copy link").click()
    expect(share_dialog(page).get_by_test_id("copy-status")).to_have_text("Link copied")
    assert page.evaluate("navigator.clipboard.readText()") == url
    close_share(page)

    # The stored spec is the editor's spec, byte for byte as JSON.
    assert stored(server, first)["spec"] == saved_spec(page, tmp_path)
    assert stored(server, first)["revision"] == 1

    # Edit and Share again: the same link, a second revision.
    select(page, "fc1")
    set_params(page, {"out_features": "64"})
    wait_valid(page)
    assert share(page) == url
    expect(share_dialog(page)).to_contain_text("revision 2")
    close_share(page)
    model = stored(server, first)
    assert model["revision"] == 2
    assert model["spec"]["nodes"][0]["params"]["out_features"] == 64
    revisions = api(server, f"{first}/revisions").json()
    assert [r["revision"] for r in revisions["revisions"]] == [1, 2]
    # Sharing without changes saves nothing.
    assert share(page) == url
    expect(share_dialog(page)).to_contain_text("No changes")
    close_share(page)
    assert stored(server, first)["revision"] == 2

    # Fork: a new model with its lineage; the editor now edits the copy.
    toolbar_button(page, "Fork").click()
    expect(status(page)).to_contain_text("Forked")
    dialog = my_models(page)
    expect(dialog.locator("li[data-model-id]")).to_have_count(2)
    ids = listed_ids(dialog)
    assert first in ids
    (fork,) = [i for i in ids if i != first]
    copy = stored(server, fork)
    assert copy["forked_from"] == first
    assert copy["spec"] == stored(server, first)["spec"]
    assert stored(server, first)["forks"] == 1
    row = dialog.locator(f"li[data-model-id='{fork}']")
    expect(row.get_by_role("link", name="Digits MLP")).to_have_attribute("href", f"/m/{fork}")
    expect(row.locator(".badge")).to_have_text("open")  # the model in the editor
    expect(row.locator(".forked-from")).to_have_text(f"forked from {first}")
    expect(row.locator(".forked-from a")).to_have_attribute("href", f"/m/{first}")

    # Share now updates the fork, not the original.
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    set_params(page, {"out_features": "32"})
    wait_valid(page)
    assert model_id(share(page)) == fork
    close_share(page)
    assert stored(server, fork)["revision"] == 2
    assert stored(server, first)["revision"] == 2

    # Delete the fork (with a confirmation): gone from the list and from the server.
    dialog = my_models(page)
    row = dialog.locator(f"li[data-model-id='{fork}']")
    row.get_by_role("button", name="Delete").click()
    cancel = row.get_by_role("button", name="Cancel")
    expect(cancel).to_be_focused()
    cancel.click()
    expect(row.get_by_role("button", name="Delete")).to_be_focused()
    assert api(server, fork).status_code == 200
    row.get_by_role("button", name="Delete").click()
    row.get_by_role("button", name="Delete for good").click()
    expect(dialog.get_by_role("status")).to_contain_text("Deleted")
    expect(dialog.locator("li[data-model-id]")).to_have_count(1)
    assert listed_ids(dialog) == [first]
    assert api(server, fork).status_code == 404
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    # The editor's model is no longer stored: Fork is off, Share makes a new model.
    expect(toolbar_button(page, "Fork")).to_be_disabled()
    assert model_id(share(page)) not in (first, fork)
    close_share(page)

    # Open a model from the list.
    toolbar_button(page, "New").click()
    dialog = my_models(page)
    dialog.locator(f"li[data-model-id='{first}']").get_by_role("button", name="Open").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_label("Model name")).to_have_value("Digits MLP")
    wait_valid(page)
    expect(status(page)).to_contain_text("Opened your model")
    expect(toolbar_button(page, "Fork")).to_be_enabled()


def test_the_link_shows_the_model_and_opens_it_in_the_editor(page: Page, server: str) -> None:
    load_example(page)
    params = total_params(page).inner_text()
    url = share(page)
    close_share(page)

    # Meanwhile the autosaved draft became another model: the link's model wins over it.
    page.get_by_label("Start from an example").select_option("iris-classifier")
    expect(page.get_by_label("Model name")).not_to_have_value("Digits MLP")
    page.wait_for_timeout(600)  # autosave is debounced

    public = page.context.new_page()
    response = public.goto(url)
    assert response is not None and response.status == 200, "the /m/<id> page is missing"
    expect(public.get_by_role("heading", level=1)).to_have_text("Digits MLP")
    expect(public.get_by_role("link", name="Open in editor", exact=True)).to_have_attribute(
        "href", f"/?model={model_id(url)}"
    )
    expect(public.get_by_role("link", name="Fork", exact=True)).to_have_attribute(
        "href", f"/?fork={model_id(url)}"
    )
    public.get_by_role("link", name="Open in editor", exact=True).click()
    expect(public.get_by_label("Model name")).to_have_value("Digits MLP")
    wait_valid(public)
    expect(total_params(public)).to_have_text(params)
    expect(public).to_have_url(f"{server}/")  # a reload opens the autosaved draft
    public.close()


def test_someone_elses_model_is_never_overwritten(page: Page, stranger: Page, server: str) -> None:
    load_example(page)
    first = model_id(share(page))
    close_share(page)

    stranger.goto(f"{server}/?model={first}")
    expect(stranger.get_by_label("Model name")).to_have_value("Digits MLP")
    expect(stranger).to_have_url(f"{server}/")
    expect(status(stranger)).to_contain_text("Share saves your changes as a new model")
    wait_valid(stranger)
    select(stranger, "fc1")
    set_params(stranger, {"out_features": "48"})
    wait_valid(stranger)
    theirs = model_id(share(stranger))
    assert theirs != first
    close_share(stranger)
    original = stored(server, first)
    assert original["revision"] == 1
    assert original["spec"]["nodes"][0]["params"]["out_features"] == 128
    copy = stored(server, theirs)
    assert copy["spec"]["nodes"][0]["params"]["out_features"] == 48
    # Sharing again updates their own copy.
    set_params(stranger, {"out_features": "40"})
    wait_valid(stranger)
    assert model_id(share(stranger)) == theirs
    close_share(stranger)
    assert stored(server, theirs)["revision"] == 2

    # A fork link forks once, even after a reload.
    stranger.goto(f"{server}/?fork={first}")
    expect(status(stranger)).to_contain_text("Forked")
    expect(stranger).to_have_url(f"{server}/")
    stranger.wait_for_timeout(600)  # autosave is debounced
    stranger.reload()
    expect(stranger.get_by_label("Model name")).to_have_value("Digits MLP")
    assert stored(server, first)["forks"] == 1
    dialog = my_models(stranger)
    ids = listed_ids(dialog)
    assert len(ids) == 2 and theirs in ids
    (fork,) = [i for i in ids if i != theirs]
    assert stored(server, fork)["forked_from"] == first
    # The reloaded draft still knows it is the fork: Share updates it.
    stranger.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    select(stranger, "fc1")
    set_params(stranger, {"out_features": "16"})
    wait_valid(stranger)
    assert model_id(share(stranger)) == fork
    assert stored(server, fork)["revision"] == 2


def test_a_newer_save_is_not_overwritten(page: Page, server: str) -> None:
    load_example(page)
    url = share(page)
    first = model_id(url)
    close_share(page)
    other = page.context.new_page()  # the same person, in a second tab
    other.goto(f"{server}/?model={first}")
    expect(status(other)).to_contain_text("Opened your model")
    wait_valid(other)
    select(other, "fc1")
    set_params(other, {"out_features": "100"})
    wait_valid(other)
    assert share(other) == url
    close_share(other)
    other.close()

    select(page, "fc1")
    set_params(page, {"out_features": "50"})
    wait_valid(page)
    toolbar_button(page, "Share").click()
    dialog = share_dialog(page)
    dialog.get_by_role("button", name="Share", exact=True).click()
    expect(dialog.get_by_role("alert")).to_have_text(
        "Someone saved a newer version: reload or save as a copy."
    )
    assert stored(server, first)["spec"]["nodes"][0]["params"]["out_features"] == 100
    dialog.get_by_role("button", name="Save as a copy").click()
    expect(dialog.get_by_label("Link")).to_have_value(LINK)
    copy = model_id(dialog.get_by_label("Link").input_value())
    assert copy != first
    assert stored(server, copy)["spec"]["nodes"][0]["params"]["out_features"] == 50


def test_an_unknown_model_link_says_so(page: Page, server: str) -> None:
    page.goto(f"{server}/?model=no-such-model")
    expect(status(page)).to_contain_text("did not open")
    expect(status(page)).to_contain_text("No such model")
    expect(page).to_have_url(f"{server}/")
    page.goto(f"{server}/?fork=no-such-model")
    expect(status(page)).to_contain_text("could not be forked")
    expect(page.get_by_role("button", name="Auto-layout")).to_be_visible()


def test_the_gallery_lists_a_shared_model_and_leads_back(page: Page, server: str) -> None:
    load_example(page, "iris-classifier")
    url = share(page)
    close_share(page)
    name = page.get_by_label("Model name").input_value()
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Gallery").click()
    expect(page).to_have_url(f"{server}/gallery")
    page.get_by_role("searchbox").or_(page.get_by_label("Search")).first.fill(name)
    page.keyboard.press("Enter")
    card = page.get_by_role("link", name=name, exact=True).first
    expect(card).to_be_visible()
    card.click()
    expect(page).to_have_url(url)
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
