"""In headless Chromium: an editor triages sightings of a watched feed (served from 127.0.0.1)
with the keyboard — j to the first, a to add it as an appearance, then d to dismiss the next —
and hostile item text runs nothing. Screenshot: artifacts/screenshots/triage*.png."""

from __future__ import annotations

import html
from collections.abc import Iterator

import pytest

from tests.fakes import add_cases
from tests.feedserver import FeedServer, rss
from tests.test_browser import ARGS, CHROMIUM, fake_matching_service, serve_in_thread, shot
from tests.test_watch import CLAIM, LABS, VACCINE

pytestmark = pytest.mark.browser
HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'


@pytest.fixture(scope="module")
def triage_server(
    tmp_path_factory: pytest.TempPathFactory, feed_server: FeedServer
) -> Iterator[tuple[str, str, object]]:
    from disproof.api.app import create_app
    from disproof.auth import Role
    from disproof.watch.models import SourceCreate
    from disproof.watch.service import Monitoring

    with fake_matching_service(tmp_path_factory, "triage") as (settings, service):
        add_cases(service, LABS, VACCINE)
        feed = rss(
            # item HTML whose text is the payload (the feed's markup itself is stripped)
            ("Labs story", "https://news.example/labs", f"{CLAIM} {html.escape(HOSTILE)}"),
            ("Chips story", "https://news.example/chips", VACCINE.summary),
        )
        url = feed_server.add("/browser-triage.xml", feed)
        monitoring = Monitoring(service)
        monitoring.add_source(SourceCreate(name="news", kind="rss", location=url, outlet="News"))
        monitoring.poller().poll_due()
        token = service.tokens.create("triager", Role.editor)
        with serve_in_thread(create_app(settings, service=service)) as base:
            yield base, token, service


def test_an_editor_triages_with_the_keyboard(triage_server: tuple[str, str, object]) -> None:
    from playwright.sync_api import sync_playwright

    base, token, service = triage_server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(base + "/triage")
        page.wait_for_url("**/signin**")
        page.fill("input[name=token]", token)
        page.click("form [type=submit]")
        page.wait_for_url("**/triage")
        cards = page.locator("article.sighting")
        assert cards.count() == 2
        assert HOSTILE in page.inner_text("main")  # shown as text, run never
        shot(page, "triage")
        first = cards.first.get_attribute("id")
        first_case = cards.first.locator("p a").first.inner_text()
        page.keyboard.press("j")
        assert page.evaluate("document.activeElement.id") == first
        page.keyboard.press("a")
        page.wait_for_url("**done=added**")
        assert "Added to the case" in page.inner_text("main")
        assert page.locator("article.sighting").count() == 1
        page.keyboard.press("j")
        page.keyboard.press("d")
        page.wait_for_url("**done=dismissed**")
        assert page.locator("article.sighting").count() == 0
        shot(page, "triage-done")
        assert page.evaluate("window.__pwned === undefined") and dialogs == []
        browser.close()
    added = [
        c
        for c in (service.get("labs"), service.get("vaccine"))
        if c.appearances  # type: ignore[attr-defined]
    ]
    assert [c.title for c in added] == [first_case]
    assert added[0].appearances[0].outlet == "News"
