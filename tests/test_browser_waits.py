"""In headless Chromium: on a database whose match index is not built yet, a check answers at
once with lexical matching and says so on the page; once the index is built, it does not."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes import FAKE_CALIBRATION
from tests.test_browser import ARGS, CHROMIUM, serve_in_thread
from tests.test_waits import CHECK, LEXICAL, GatedEmbedder

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def building(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, object]]:
    """A live server on the demo cases whose index build waits for the test's word:
    (base URL, service)."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("Debian's chromium is not installed")

    from disproof.api.app import create_app
    from disproof.service import Disproof
    from disproof.settings import Settings

    with pytest.MonkeyPatch.context() as patch:
        embedder = GatedEmbedder()
        patch.setattr("disproof.embed.load_embedder", lambda name=None: (embedder, []))
        patch.setattr("disproof.match.calibration.calibration_for", lambda m: FAKE_CALIBRATION)
        db = tmp_path_factory.mktemp("waits") / "fresh.db"
        service = Disproof.open(Settings(db=str(db), match_wait=0))
        service.load_demo()
        service.matchers.start()  # as `disproof serve` does; held at the gate
        with serve_in_thread(create_app(service.settings, service=service)) as base:
            yield base, (service, embedder)
            embedder.gate.set()  # before the server stops: a build held at the gate ends


def _check(page: object, base: str) -> str:
    page.goto(base + "/")  # type: ignore[attr-defined]
    page.fill("textarea[name=text]", CHECK)  # type: ignore[attr-defined]
    page.click("form [type=submit]")  # type: ignore[attr-defined]
    page.locator("h1", has_text="Check result").wait_for()  # type: ignore[attr-defined]
    return str(page.inner_text("main"))  # type: ignore[attr-defined]


def test_a_check_while_the_index_is_built_says_it_matched_lexically(
    building: tuple[str, tuple[object, GatedEmbedder]],
) -> None:
    from playwright.sync_api import sync_playwright

    base, (service, embedder) = building
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page()
        during = _check(page, base)
        assert LEXICAL in during
        assert page.locator("a[href*='/cases/demo-ukraine-biolabs-2022']").count() > 0
        embedder.gate.set()
        service.matchers.wait(30)  # type: ignore[attr-defined]
        after = _check(page, base)
        assert "lexical matching only" not in after
        assert page.locator("a[href*='/cases/demo-ukraine-biolabs-2022']").count() > 0
        browser.close()
