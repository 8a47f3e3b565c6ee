"""The editor's rows in headless Chromium: what ``tests/webform.py`` assumes a browser posts for
the rows of appearances and evidence links (their hidden item numbers included) is what one
posts, so an edit keeps what nobody changed, exactly."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.test_browser import ARGS, CHROMIUM, serve_in_thread

pytestmark = pytest.mark.browser

CASE_ID = "rows-in-a-browser"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, object]]:
    """A live server with one case whose rows a form cannot tell apart from blank or empty:
    (base URL, editor token, service)."""
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")

    from disproof.api.app import create_app
    from disproof.auth import Role
    from disproof.models import CaseCreate
    from disproof.service import Disproof
    from disproof.settings import Settings

    settings = Settings(db=str(tmp_path_factory.mktemp("rows") / "rows.db"))
    service = Disproof.open(settings)
    case = {
        "id": CASE_ID,
        "title": "A claim with rows that look blank",
        "evidence": [{"url": " ", "title": "A link stored with an empty URL"}],
        "appearances": [{}, {"archive_url": "https://archive.example/a|b"}],
    }
    service.create_case(CaseCreate.model_validate(case), "seed")
    token = service.tokens.create("rows-editor", Role.editor)
    with serve_in_thread(create_app(settings, service=service)) as base:
        yield base, token, service


@pytest.fixture
def page(site: tuple[str, str, object]) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser.new_page(viewport={"width": 1280, "height": 900})
        browser.close()


def _edit(page: object, base: str, token: str) -> None:
    page.goto(f"{base}/cases/{quote(CASE_ID, safe='')}/edit")
    if "/signin" in page.url:
        page.fill("input[name=token]", token)
        page.click("form [type=submit]")
        page.wait_for_url("**/edit")


def _save(page: object) -> None:
    page.locator("form.editor button[value=save]").click()
    page.wait_for_url("**saved=1")


def test_an_outlet_typed_in_a_browser_keeps_the_rows_nobody_changed(
    site: tuple[str, str, object], page: object
) -> None:
    from disproof.models import Appearance, Link

    base, token, service = site
    before = service.get_public(CASE_ID)
    _edit(page, base, token)
    _save(page)  # unchanged: no new version
    assert service.get_public(CASE_ID).version == before.version

    _edit(page, base, token)
    outlets = page.locator("input[name=outlets_outlet]")
    assert outlets.count() == 4  # the empty appearance, the archived one, two blank rows
    outlets.nth(2).fill("Typed | in Chromium")
    _save(page)
    after = service.get_public(CASE_ID)
    assert after.appearances == [*before.appearances, Appearance(outlet="Typed | in Chromium")]
    assert after.evidence == [Link(url="", title="A link stored with an empty URL")]
