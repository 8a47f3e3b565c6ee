"""In headless Chromium: a case with a script payload in every field, on its own page and in
search results, runs nothing — no dialog, no global set, no injected element in the DOM."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.fakes import FAKE_CALIBRATION, FakeEmbedder, add_cases
from tests.test_browser import ARGS, CHROMIUM
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
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("Debian's chromium is not installed")
    import uvicorn

    from disproof.api.app import create_app
    from disproof.service import Disproof
    from disproof.settings import Settings

    with pytest.MonkeyPatch.context() as patch:
        embedder = FakeEmbedder()
        patch.setattr("disproof.embed.load_embedder", lambda name=None: (embedder, []))
        patch.setattr(
            "disproof.match.calibration.calibration_for", lambda model_id: FAKE_CALIBRATION
        )
        settings = Settings(db=str(tmp_path_factory.mktemp("xss") / "xss.db"))
        service = Disproof.open(settings)
        add_cases(service, *PAYLOAD_CASES, RELATOR)
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(settings, service=service),
                host="127.0.0.1",
                port=0,
                log_level="warning",
            )
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:  # readiness, not a timed wait
            thread.join(0.05)
            if not thread.is_alive():
                raise RuntimeError("server did not start")
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
        server.should_exit = True
        thread.join(10)


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
