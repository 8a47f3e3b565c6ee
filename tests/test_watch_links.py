"""Feeds that carry a teaser only: a source that follows links matches each new entry's page
(served by the test feed server on 127.0.0.1), once; a page that cannot be read leaves the
entry's text and is reported, never failing the source."""

from __future__ import annotations

import json
import uuid

import pytest
from pydantic import ValidationError

from disproof.sources import FetchedItem
from disproof.sources.articles import _charset, follow_links
from disproof.watch.models import SightingQuery, SourceCreate
from disproof.watch.service import Monitoring
from tests.feedserver import FeedServer, rss
from tests.test_watch import CLAIM, fetcher, monitoring  # noqa: F401 (a fixture)

pytestmark = pytest.mark.both_backends

PAGE = """<!doctype html><html><head><title>Labs | News</title>
<script>document.write('<p>script text is never read</p>')</script></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>What the ministry did not say</h1>
<p>Officials met on Tuesday to discuss the budget for the coming year, and the talks ran late.</p>
<p>{claim}</p>
<p>The minister declined to comment on the report when asked by journalists after the session.</p>
</article><footer>© News</footer></body></html>"""


def _teaser_feed(feed_server: FeedServer, prefix: str) -> str:
    labs = feed_server.add(
        f"/{prefix}/labs.html", PAGE.format(claim=CLAIM), content_type="text/html; charset=utf-8"
    )
    gone = feed_server.base + f"/{prefix}/gone.html"  # a 404
    pdf = feed_server.add(f"/{prefix}/report.pdf", b"%PDF-1.4", content_type="application/pdf")
    body = rss(
        ("What the ministry did not say", labs, "Read the whole story."),
        ("Vaccines", gone, "Covid vaccines carry microchips that let governments track everyone."),
        ("A report", pdf, "Our report, as a PDF."),
    )
    return feed_server.add(f"/{prefix}/feed.xml", body)


def test_a_source_that_follows_links_matches_the_page_behind_each_new_entry(
    monitoring: Monitoring,  # noqa: F811 (the fixture of tests.test_watch)
    feed_server: FeedServer,
) -> None:
    prefix = f"follow-{uuid.uuid4().hex}"  # the server lives for the session: paths of our own
    location = _teaser_feed(feed_server, prefix)
    monitoring.add_source(
        SourceCreate(name="teasers", kind="rss", location=location, follow_links=True)
    )
    poller = monitoring.poller(fetcher())
    [report] = poller.poll_due()
    assert (report.error, report.new_items) == (None, 3)
    # the page's main text was matched (the teaser says nothing); the 404 and the PDF left
    # their entries' own text, each reported
    found = {
        (s.url.rsplit("/", 1)[-1], s.case_id) for s in monitoring.queue(SightingQuery()).results
    }
    assert found == {("labs.html", "labs"), ("gone.html", "vaccine")}
    problems = " | ".join(report.problems)
    assert "gone.html: page not read (HTTP 404" in problems
    assert "report.pdf: page not read (not an HTML page (application/pdf))" in problems
    labs = next(s for s in monitoring.queue(SightingQuery()).results if s.case_id == "labs")
    assert CLAIM in labs.span.text and "script text" not in labs.span.text
    assert len(feed_server.seen(f"/{prefix}/labs.html")) == 1
    # the same feed again: its entries are known, so no page is fetched twice
    again = poller.poll(monitoring.sources.pk("teasers"), monitoring.sources.get("teasers"))
    assert (again.new_items, again.skipped) == (0, 3)
    assert len(feed_server.seen(f"/{prefix}/labs.html")) == 1


def test_a_source_that_does_not_follow_links_fetches_no_page(
    monitoring: Monitoring,  # noqa: F811 (the fixture of tests.test_watch)
    feed_server: FeedServer,
) -> None:
    prefix = f"stay-{uuid.uuid4().hex}"
    location = _teaser_feed(feed_server, prefix)
    monitoring.add_source(SourceCreate(name="plain", kind="rss", location=location))
    [report] = monitoring.poller(fetcher()).poll_due()
    assert report.new_items == 3 and report.problems == []
    assert feed_server.seen(f"/{prefix}/labs.html") == []
    cases = {s.case_id for s in monitoring.queue(SightingQuery()).results}
    assert cases == {"vaccine"}  # the teaser repeats nothing


def test_following_links_is_for_feeds_and_is_shown() -> None:
    with pytest.raises(ValidationError, match="follow_links is for feeds"):
        SourceCreate(name="d", kind="jsonl", location="/tmp/x", follow_links=True)
    assert SourceCreate(name="f", kind="atom", location="https://a.example/f").follow_links is False


def test_a_page_saying_no_more_than_its_entry_changes_nothing_and_the_cap_is_reported(
    feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    short = feed_server.add(
        "/cap/short.html", "<html><body><p>Short.</p></body></html>", content_type="text/html"
    )
    entry = FetchedItem(short, "Title", "A full entry text that says more than the page.")
    problems: list[str] = []
    assert follow_links([entry], fetcher(), problems) == [entry] and problems == []
    monkeypatch.setattr("disproof.sources.articles.MAX_FOLLOWED", 1)
    plain = FetchedItem(None, "No link", "text")
    items = [plain, entry, entry, entry]
    assert follow_links(items, fetcher(), problems) == items
    assert problems == [
        "2 more entries' links not followed this poll (at most 1 per poll); "
        "their entries' text was matched"
    ]


def test_the_page_encoding_comes_from_the_header_then_the_page() -> None:
    assert _charset("text/html; charset=ISO-8859-1", b"") == "iso8859-1"
    assert _charset("text/html", b'<meta charset="windows-1251">') == "cp1251"
    assert _charset("text/html; charset=nonsense", b"") == "utf-8"
    assert (
        _charset("", b'<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">')
        == "koi8-r"
    )


def test_sources_add_follow_links_from_the_command_line(cli: object) -> None:
    run = cli  # type: ignore[assignment]
    added = run("sources", "add", "t", "https://t.example/rss", "--follow-links")  # type: ignore[operator]
    assert added.code == 0
    listed = json.loads(run("sources", "list", "--json").out)  # type: ignore[operator]
    assert listed[0]["follow_links"] is True
    assert "rss + links" in run("sources", "list").out  # type: ignore[operator]
    refused = run("sources", "add", "j", "/tmp", "--kind", "folder", "--follow-links")  # type: ignore[operator]
    assert refused.code == 1 and "follow_links is for feeds" in refused.err
