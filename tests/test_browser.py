"""End-to-end in headless Chromium (Debian's, at /usr/bin/chromium) against a live server.

Screenshots of the main pages are saved under ``artifacts/screenshots/`` (CI keeps them).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.fakes import FAKE_CALIBRATION, FakeEmbedder

if TYPE_CHECKING:
    from disproof.service import Disproof
    from disproof.settings import Settings

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
HOSTILE_TITLE = 'Hostile <script>window.__pwned = 1</script><img src=x onerror="window.__pwned=2">'


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A live `disproof serve` equivalent on a free port: (base URL, editor token)."""
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")

    from disproof.api.app import create_app
    from disproof.auth import Role, TokenStore
    from disproof.models import Case
    from disproof.service import Disproof
    from disproof.settings import Settings

    settings = Settings(db=str(tmp_path_factory.mktemp("browser") / "demo.db"))
    service = Disproof.open(settings)
    service.load_demo()
    with service.store.transaction() as connection:
        hostile = Case(
            id="hostile-case",
            title=HOSTILE_TITLE,
            summary="<b>bold?</b> \" ' <iframe src=javascript:alert(1)>",
            disproof="See javascript:alert(1) and <a href=javascript:alert(1)>this</a>.",
            evidence=[{"url": "javascript:alert(1)", "title": "<svg onload=alert(1)>"}],
        )
        service.store.upsert(connection, [hostile], dt.datetime.now(dt.UTC))
    token = TokenStore(service.store.engine).create("browser-editor", Role.editor)
    service.matchers.get()  # `disproof demo` builds the match index up front …
    service = Disproof.open(settings)  # … and `disproof serve` is another process, which
    service.matchers.start()  # loads it at start-up, in the background
    with serve_in_thread(create_app(settings, service=service)) as base:
        yield base, token


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.dialogs = dialogs
    yield page
    context.close()


def shot(page: object, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_check_a_text_highlights_and_opens_the_case(server: tuple[str, str], page: object) -> None:
    base, _ = server
    page.goto(base + "/")
    shot(page, "check")
    text = (
        "Das Pentagon finanziert in der Ukraine geheime Labore, in denen an biologischen "
        "Waffen gegen Russland geforscht wird."
    )
    page.fill("textarea[name=text]", text)
    page.click("form [type=submit]")
    mark = page.locator("mark").first
    mark.wait_for()
    assert "Pentagon" in mark.inner_text()  # across languages: the full index answered
    assert "lexical matching only" not in page.inner_text("main")
    shot(page, "check-result")
    page.locator("a[href*='/cases/demo-ukraine-biolabs-2022']").first.click()
    page.wait_for_url("**/cases/demo-ukraine-biolabs-2022")
    assert "bioweapons" in page.inner_text("h1").lower()
    shot(page, "case")


def test_search_with_a_facet(server: tuple[str, str], page: object) -> None:
    base, _ = server
    page.goto(base + "/search?q=MH17")
    before = page.locator(".case-card, article").count()
    assert before >= 2
    shot(page, "search")
    facet = page.locator("a[href*='keyword=']").first
    facet.click()
    page.wait_for_url("**keyword=**")
    after = page.locator(".case-card, article").count()
    assert 1 <= after <= before


def test_sign_in_and_create_a_case(server: tuple[str, str], page: object) -> None:
    base, token = server
    page.goto(base + "/cases/new")
    page.wait_for_url("**/signin**")
    page.fill("input[name=token]", token)
    page.click("form [type=submit]")
    page.wait_for_url("**/cases/new")
    page.fill("input[name=title]", "Browser-made case: the moon landing was staged in Crimea")
    page.fill("textarea[name=summary]", "An invented claim typed in the editor by a test.")
    shot(page, "editor")
    page.locator("form [type=submit]").last.click()
    page.wait_for_url("**/cases/**")
    assert "moon landing" in page.inner_text("h1")


def test_hostile_case_text_renders_inert(server: tuple[str, str], page: object) -> None:
    base, _ = server
    page.goto(base + "/cases/hostile-case")
    page.wait_for_load_state("load")
    assert page.evaluate("window.__pwned === undefined")
    assert page.dialogs == []
    assert "<script>" in page.inner_text("h1")
    hrefs = page.eval_on_selector_all("a", "els => els.map(e => e.getAttribute('href') || '')")
    assert not any(h.strip().lower().startswith("javascript:") for h in hrefs)
    assert page.locator("script:not([type='application/ld+json']):not([src])").count() == 0
    shot(page, "hostile-case")


def test_stats_page_draws_charts(server: tuple[str, str], page: object) -> None:
    base, _ = server
    page.goto(base + "/stats")
    assert page.locator("svg").count() >= 2
    shot(page, "stats")


def test_trends_chart_is_the_thing_to_look_at(server: tuple[str, str], page: object) -> None:
    base, _ = server
    page.goto(base + "/trends?by=narrative&period=year")
    chart = page.locator("svg.trend-chart")
    chart.wait_for()
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box["width"] >= 900 and box["height"] >= 300  # large, at the top of the page
    assert box["y"] < 500
    assert chart.locator("polyline").count() == 5
    legend = " ".join(chart.locator("text.legend").all_text_contents())
    assert "The Baltic states and Poland are Russophobic and persecute Russian speakers" in legend
    assert sorted(chart.locator("text.axis-label").all_text_contents()) == ["Cases", "Year"]
    assert page.locator("details.trend-table table").is_visible()  # few rows: the table is open
    shot(page, "trends-year")

    page.select_option("#trends-period", "month")
    page.click(".trends-form [type=submit]")
    page.wait_for_url("**period=month**")
    assert page.locator("svg.trend-chart").is_visible()
    table = page.locator("details.trend-table table")
    assert not table.is_visible()  # many months: folded under its summary
    page.click("details.trend-table summary")
    assert table.is_visible()
    assert table.locator("tbody tr").count() < 60  # months without cases are left out
    shot(page, "trends-month")


@contextlib.contextmanager
def fake_matching_service(
    tmp_path_factory: pytest.TempPathFactory, name: str
) -> Iterator[tuple[Settings, Disproof]]:
    """A service on a new database of its own, matching with the fake embedder and calibration
    (no model package needed): for a browser module's server. Skips without Chromium."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("Debian's chromium is not installed")

    from disproof.service import Disproof
    from disproof.settings import Settings

    with pytest.MonkeyPatch.context() as patch:
        embedder = FakeEmbedder()
        patch.setattr("disproof.embed.load_embedder", lambda name=None: (embedder, []))
        patch.setattr(
            "disproof.match.calibration.calibration_for", lambda model_id: FAKE_CALIBRATION
        )
        settings = Settings(db=str(tmp_path_factory.mktemp(name) / f"{name}.db"))
        yield settings, Disproof.open(settings)


@contextlib.contextmanager
def serve_in_thread(app: object) -> Iterator[str]:
    """A real uvicorn server for ``app`` on a free port of 127.0.0.1, in a thread: its base URL
    once it accepts connections; stopped on exit."""
    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:  # readiness, not a timed wait
        thread.join(0.05)
        if not thread.is_alive():
            raise RuntimeError("server did not start")
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
