"""In headless Chromium: a case with a script payload in every field, on its own page and in
search results, runs nothing — no dialog, no global set, no injected element in the DOM."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest

from tests.fakes import add_cases
from tests.test_browser import ARGS, CHROMIUM, fake_matching_service, serve_in_thread
from tests.test_injection import HTML_PAYLOADS, PAYLOAD_CASES, RELATOR, marker

pytestmark = pytest.mark.browser

#: The payloads set window.__pwned or call alert(); escaped, they do neither.
PROBE = """() => ({
    pwned: window.__pwned === undefined ? null : String(window.__pwned),
    injected: document.querySelectorAll('[data-pwned]').length,
    handlers: [...document.querySelectorAll('*')]
        .filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
    inline: document.querySelectorAll('script:not([src]):not([type="application/ld+json"])').length,
})"""


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from disproof.api.app import create_app

    with fake_matching_service(tmp_path_factory, "xss") as (settings, service):
        add_cases(service, *PAYLOAD_CASES, RELATOR)
        with serve_in_thread(create_app(settings, service=service)) as base:
            yield base


def test_payloads_in_every_field_run_nothing_in_a_browser(hostile_server: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        urls = [f"/cases/{quote(RELATOR.id)}"]
        for number, case in enumerate(PAYLOAD_CASES):
            urls.append(f"/cases/{quote(case.id, safe='')}")
            urls.append(f"/search?q={marker(number, 'title')}")
        urls.append("/search?q=" + quote(HTML_PAYLOADS[0]))
        for url in urls:
            page.goto(hostile_server + url)
            page.wait_for_load_state("load")
            found = page.evaluate(PROBE)
            assert found == {"pwned": None, "injected": 0, "handlers": 0, "inline": 0}, url
            assert "Not found" not in page.title(), url
        assert "<script data-pwned>" in page.inner_text("main")  # shown as text
        browser.close()
    assert dialogs == []
