"""In headless Chromium: the check page underlines persuasion techniques beside the highlighted
claims, with names and definitions, a legend and the model-output note; a technique reference
leads to its passage; hostile text in a marked span runs nothing. The case page shows the
techniques of its claim when asked. Screenshots: artifacts/screenshots/check-techniques*.png,
case-techniques.png."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_browser import ARGS, CHROMIUM, fake_matching_service, serve_in_thread, shot

pytestmark = pytest.mark.browser

HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
TEXT = (
    "Western media hide the truth about the labs\n"
    "US-funded labs in Ukraine were building bioweapons against Russians. "
    f"The corrupt Kiev regime and its Western puppet masters {HOSTILE} are lying about it.\n"
    "The city council also discussed a new tram line for the northern district. Work on the "
    "line is expected to start next spring and to last about two years, according to the "
    "transport department, which published the plans on Friday. Residents of the northern "
    "district have asked for a faster connection to the centre for years."
)


@pytest.fixture(scope="module")
def technique_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from disproof.api.app import create_app

    with fake_matching_service(tmp_path_factory, "tq") as (settings, service):
        service.load_demo()
        with serve_in_thread(create_app(settings, service=service)) as base:
            yield base


def test_check_page_underlines_techniques_beside_claims(technique_server: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(technique_server + "/")
        page.fill("textarea[name=text]", TEXT)
        page.click("form [type=submit]")
        page.locator(".checked-text").wait_for()
        marks = page.locator(".checked-text .tq")
        assert marks.count() > 0
        assert page.locator(".checked-text mark").count() > 0  # a claim matched a demo case
        # the two kinds of marks look different: a tinted claim, an underlined technique
        style = marks.first.evaluate(
            "e => [getComputedStyle(e).textDecorationLine, getComputedStyle(e).textDecorationStyle]"
        )
        assert style == ["underline", "wavy"]
        claim_bg = page.locator(".checked-text mark").first.evaluate(
            "e => getComputedStyle(e).backgroundColor"
        )
        assert claim_bg not in ("rgba(0, 0, 0, 0)", "transparent")
        title = marks.first.get_attribute("title") or ""
        assert ": " in title and "(model output)" in title
        main = page.inner_text("main")
        assert "Technique labels are model output, not an analyst's judgement." in main
        assert "a persuasion technique, in the detector's view" in main  # the legend
        assert HOSTILE in main  # shown as text
        assert page.evaluate("() => window.__pwned === undefined")
        shot(page, "check-techniques")
        page.locator(".tref a").first.click()
        page.wait_for_url("**#technique-1")
        assert page.locator("#technique-1").is_visible()
        page.locator("#technique-1").scroll_into_view_if_needed()
        page.screenshot(path=str(_screens() / "check-techniques-list.png"))
        page.locator("#technique-1 a.back").click()  # and back to the passage
        page.wait_for_url("**#passage-1")
        # the case page: nothing computed until asked, then the claim's techniques
        page.goto(technique_server + "/cases/demo-bucha-staged")
        button = page.get_by_text("Find persuasion techniques in the title and summary")
        assert button.is_visible()
        button.click()
        page.wait_for_url("**techniques=1**")
        page.locator(".claim-techniques .tq").first.wait_for()
        page.locator(".claim-techniques").scroll_into_view_if_needed()
        shot(page, "case-techniques")
        page.goto(technique_server + "/trends?by=technique&period=year")
        page.locator("svg").first.wait_for()
        assert "Model output." in page.inner_text("main")
        shot(page, "trends-techniques")
        context.close()
        browser.close()
    assert dialogs == []


def _screens() -> Path:
    from tests.test_browser import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
