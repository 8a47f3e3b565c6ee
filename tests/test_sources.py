"""Reading sources: feeds over real HTTP from 127.0.0.1 (with conditional GET and a per-host
delay), files, Telegram exports, JSONL drops and folders — and hostile input, each failing its
own source with a clear error."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

import pytest

from disproof.sources import HttpFetcher, HttpLimits, SourceError, read_source
from disproof.sources.feeds import parse_feed
from disproof.sources.html import fragment_text, page_text
from disproof.watch.models import WatchedSource
from tests.feedserver import FeedServer, rss

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<rss version="2.0"><channel><title>&lol3;</title>
<item><title>&lol3;</title></item></channel></rss>"""


def source(location: str, kind: str = "rss", **extra: object) -> WatchedSource:
    values: dict[str, object] = {
        "name": "s",
        "kind": kind,
        "location": location,
        "created_at": NOW,
        "next_due_at": NOW,
    }
    return WatchedSource.model_validate(values | extra)


@pytest.fixture(scope="module")
def fetcher() -> HttpFetcher:
    return HttpFetcher(HttpLimits(timeout=1.0, deadline=2.0, max_bytes=200_000, host_delay=0.0))


def test_an_rss_feed_over_http_gives_items_with_text_dates_and_language(
    feed_server: FeedServer, fetcher: HttpFetcher
) -> None:
    body = rss(
        (
            "Labs <b>claim</b>",
            "https://n.example/1",
            "<p>Secret labs.</p><p>Second &amp; last.</p>",
        ),
        ("Other", "https://n.example/2", "Plain text"),
        language="de",
    )
    url = feed_server.add("/rss-basic.xml", body)
    fetched = read_source(source(url), fetcher)
    first, second = fetched.items
    assert first.title == "Labs claim"
    assert first.text == "Secret labs.\nSecond & last."
    assert first.url == "https://n.example/1"
    assert first.date == dt.date(2026, 11, 30)
    assert first.language == "de"
    assert second.text == "Plain text"


def test_an_atom_file_is_read_and_skipped_when_unchanged(
    tmp_path: Path, fetcher: HttpFetcher
) -> None:
    atom = tmp_path / "feed.atom"
    atom.write_text(
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        "<title>A</title><entry><title>Entry</title><link href='https://a.example/e'/>"
        "<updated>2026-11-29T08:00:00Z</updated><content type='html'>&lt;p&gt;Body&lt;/p&gt;"
        "</content></entry></feed>",
        encoding="utf-8",
    )
    first = read_source(source(str(atom), "atom"), fetcher)
    assert [(i.title, i.text, i.url, i.date) for i in first.items] == [
        ("Entry", "Body", "https://a.example/e", dt.date(2026, 11, 29))
    ]
    again = read_source(source(str(atom), "atom", etag=first.etag), fetcher)
    assert again.not_modified and not again.items


def test_conditional_get_sends_the_etag_and_reads_304_as_not_modified(
    feed_server: FeedServer, fetcher: HttpFetcher
) -> None:
    url = feed_server.add(
        "/etag.xml", rss(("T", "https://e.example/1", "x")), headers={"ETag": '"v1"'}
    )
    first = read_source(source(url), fetcher)
    assert first.etag == '"v1"' and len(first.items) == 1
    again = read_source(source(url, etag=first.etag), fetcher)
    assert again.not_modified
    assert feed_server.seen("/etag.xml")[-1]["if-none-match"] == '"v1"'


def test_requests_to_one_host_keep_the_polite_delay(feed_server: FeedServer) -> None:
    url = feed_server.add("/polite.xml", rss(("T", "https://p.example/1", "x")))
    polite = HttpFetcher(HttpLimits(host_delay=0.3))
    started = time.monotonic()
    for _ in range(3):
        polite.get(url)
    assert time.monotonic() - started >= 0.6


@pytest.mark.parametrize(
    ("path", "route", "message"),
    [
        ("/bomb.xml", {"body": BOMB}, "declares XML entities"),
        ("/broken.xml", {"body": b"<rss><channel><item><title>x</item></rss"}, "mismatched tag"),
        ("/huge.xml", {"body": b"<rss>" + b"a" * 300_000 + b"</rss>"}, "byte limit"),
        ("/loop.xml", {"endless_redirect": True}, "redirects"),
        ("/slow.xml", {"body": b"<rss>" + b" " * 100 + b"</rss>", "trickle": 0.05}, "s to send"),
        ("/missing.xml", None, "HTTP 404"),
        (
            "/page.html",
            {"body": b"<html><body>hi</body></html>", "content_type": "text/html"},
            "not an RSS or Atom feed",
        ),
    ],
)
def test_hostile_feeds_fail_with_a_clear_error(
    feed_server: FeedServer,
    fetcher: HttpFetcher,
    path: str,
    route: dict[str, object] | None,
    message: str,
) -> None:
    url = feed_server.add(path, **route) if route is not None else feed_server.base + path
    with pytest.raises(SourceError, match=message):
        read_source(source(url), fetcher)


def test_a_server_that_never_answers_times_out(feed_server: FeedServer) -> None:
    url = feed_server.add("/stall.xml", b"<rss></rss>" + b" " * 10, trickle=1.5)
    quick = HttpFetcher(HttpLimits(timeout=0.5, host_delay=0.0))
    with pytest.raises(SourceError, match="timed out"):
        read_source(source(url), quick)


def test_a_feed_in_another_encoding_than_it_declares_is_still_read(
    feed_server: FeedServer, fetcher: HttpFetcher
) -> None:
    body = rss(("Café déjà vu", "https://w.example/1", "Überall Labore")).encode("latin-1")
    url = feed_server.add("/latin1.xml", body)
    items = read_source(source(url), fetcher).items
    assert len(items) == 1 and "Labore" in items[0].text


def test_a_slightly_broken_feed_is_recovered_and_the_problem_noted(
    feed_server: FeedServer, fetcher: HttpFetcher
) -> None:
    body = b"<rss version='2.0'><channel><item><title>x</title><description>y & z</description>"
    url = feed_server.add("/sloppy.xml", body + b"</item></channel></rss>")
    fetched = read_source(source(url), fetcher)
    assert [(i.title, i.text) for i in fetched.items] == [("x", "y & z")]
    assert fetched.problems[0].startswith("recovered from: not well-formed XML")


def test_a_file_url_or_other_scheme_is_refused(fetcher: HttpFetcher) -> None:
    with pytest.raises(SourceError, match="not an http"):
        fetcher.get("file:///etc/passwd")


def test_the_bomb_is_refused_before_any_expansion() -> None:
    started = time.monotonic()
    with pytest.raises(SourceError, match="XML bomb"):
        parse_feed(BOMB)
    assert time.monotonic() - started < 1


def test_a_telegram_export_gives_one_item_per_message(tmp_path: Path, fetcher: HttpFetcher) -> None:
    export = {
        "name": "Chan",
        "type": "public_channel",
        "id": 1234,
        "messages": [
            {"id": 1, "type": "service", "date": "2026-11-01T10:00:00", "text": ""},
            {"id": 2, "type": "message", "date": "2026-11-02T10:00:00", "text": "Plain post"},
            {
                "id": 3,
                "type": "message",
                "date": "2026-11-03T10:00:00",
                "text": ["Bold ", {"type": "bold", "text": "claim"}, " here"],
            },
        ],
    }
    path = tmp_path / "result.json"
    path.write_text(json.dumps(export), encoding="utf-8")
    items = read_source(source(str(path), "telegram", outlet="@chan"), fetcher).items
    assert [(i.text, i.url, i.date) for i in items] == [
        ("Plain post", "https://t.me/chan/2", dt.date(2026, 11, 2)),
        ("Bold claim here", "https://t.me/chan/3", dt.date(2026, 11, 3)),
    ]
    plain = read_source(source(str(path), "telegram"), fetcher).items
    assert plain[0].url == "https://t.me/c/1234/2"


def test_a_jsonl_drop_reports_bad_lines_and_reads_the_others(
    tmp_path: Path, fetcher: HttpFetcher
) -> None:
    drop = tmp_path / "drop.jsonl"
    lines = [
        {
            "id": "a",
            "text": "First",
            "url": "https://j.example/a",
            "date": "2026-11-05",
            "lang": "ru",
        },
        "not json",
        {"id": "c", "text": "", "url": "https://j.example/c"},
        {"id": "d", "text": "Fourth", "url": "javascript:alert(1)"},
        {"id": "e", "text": "Fifth"},
    ]
    drop.write_text(
        "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines), encoding="utf-8"
    )
    fetched = read_source(source(str(drop), "jsonl", language="en"), fetcher)
    assert [(i.text, i.url, i.language, i.date) for i in fetched.items] == [
        ("First", "https://j.example/a", "ru", dt.date(2026, 11, 5)),
        ("Fifth", None, "en", None),
    ]
    assert [p.split(":")[0] for p in fetched.problems] == [
        "drop.jsonl line 2",
        "drop.jsonl line 3",
        "drop.jsonl line 4",
    ]


def test_a_folder_gives_the_main_text_of_html_and_text_files(
    tmp_path: Path, fetcher: HttpFetcher
) -> None:
    (tmp_path / "a.txt").write_text("A plain   text\n\nsecond line", encoding="utf-8")
    paragraph = "The Pentagon runs secret laboratories in Ukraine, the article says. " * 8
    (tmp_path / "b.html").write_text(
        "<html><head><title>Page title</title><script>alert(1)</script></head><body>"
        "<nav><a href='/'>Home</a> | <a href='/x'>About</a></nav>"
        f"<article><h1>Headline</h1><p>{paragraph}</p></article>"
        "<footer>Copyright 2026 Example</footer></body></html>",
        encoding="utf-8",
    )
    (tmp_path / "c.bin").write_bytes(b"\x00\x01")
    (tmp_path / "d.txt").write_bytes("Kaputt: \xff\xfe".encode("latin-1"))
    fetched = read_source(source(str(tmp_path), "folder"), fetcher)
    by_title = {i.title: i for i in fetched.items}
    assert by_title["a"].text == "A plain text\nsecond line"
    page = by_title["Page title"].text
    assert "Pentagon runs secret" in page and "alert" not in page and "Copyright" not in page
    assert "d.txt: not UTF-8" in fetched.problems[0]


def test_html_text_never_keeps_markup_or_scripts() -> None:
    text = fragment_text("<p>One<script>evil()</script></p><style>p{}</style><br>Two &lt;b&gt;")
    assert text == "One\nTwo <b>"
    title, body = page_text("<html><body><p>x</p></body></html>")
    assert body == "x"


def test_a_jsonl_drop_is_streamed_past_the_file_limit_and_skips_an_endless_line(
    tmp_path: Path, fetcher: HttpFetcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("disproof.sources.files.MAX_FILE_BYTES", 10)  # feeds and folders only
    monkeypatch.setattr("disproof.sources.files.MAX_LINE_BYTES", 100)
    monkeypatch.setattr("disproof.sources.files.MAX_ITEMS", 2)
    drop = tmp_path / "drop.jsonl"
    rows = [json.dumps({"id": str(n), "text": f"Post {n}"}).encode() for n in range(4)]
    endless = json.dumps({"id": "x", "text": "y" * 500}).encode()
    latin = '{"id": "l", "text": "caf\xe9"}'.encode("latin-1")
    drop.write_bytes(b"\xef\xbb\xbf" + b"\n".join([rows[0], endless, latin, *rows[1:]]))
    fetched = read_source(source(str(drop), "jsonl"), fetcher)
    assert [i.text for i in fetched.items] == ["Post 2", "Post 3"]  # the newest MAX_ITEMS
    assert fetched.problems == [
        "drop.jsonl line 2: over 100 bytes, skipped",
        "drop.jsonl line 3: not UTF-8 (byte 24), undecodable bytes replaced",
    ]
