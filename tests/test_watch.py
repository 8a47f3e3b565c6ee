"""Watching: polls match every new item once, store a sighting per matched case, survive
failing sources (backoff, shown as failing), and triage adds appearances through the editor
(versions, history) or dismisses for good."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from disproof.errors import ConflictError, VersionConflict
from disproof.models import Case
from disproof.service import Disproof
from disproof.sources import HttpFetcher, HttpLimits
from disproof.watch.models import SightingQuery, SourceCreate
from disproof.watch.poll import backoff
from disproof.watch.service import Monitoring
from tests.fakes import add_cases
from tests.feedserver import FeedServer, rss

pytestmark = pytest.mark.both_backends

LABS = Case(
    id="labs",
    title="US-funded laboratories in Ukraine build biological weapons",
    summary="The Pentagon finances secret biological weapons laboratories in Ukraine.",
    disproof="No such laboratories exist.",
)
VACCINE = Case(
    id="vaccine",
    title="Vaccines contain microchips for tracking people",
    summary="Covid vaccines carry microchips that let governments track everyone.",
    disproof="They do not.",
)
CLAIM = "The Pentagon finances secret biological weapons laboratories in Ukraine."


@pytest.fixture
def monitoring(service: Disproof, fake_matching: object) -> Monitoring:
    add_cases(service, LABS, VACCINE)
    return Monitoring(service)


def fetcher() -> HttpFetcher:
    return HttpFetcher(HttpLimits(timeout=1.0, deadline=2.0, host_delay=0.0))


def add(
    monitoring: Monitoring, name: str, location: str, kind: str = "rss", **extra: object
) -> None:
    values: dict[str, object] = {
        "name": name,
        "kind": kind,
        "location": location,
        "outlet": "Outlet",
    }
    monitoring.add_source(SourceCreate.model_validate(values | extra))


def test_a_poll_records_new_items_once_with_a_sighting_per_matched_case(
    monitoring: Monitoring, feed_server: FeedServer
) -> None:
    body = rss(
        ("Labs", "https://news.example/labs", CLAIM),
        (
            "Chips",
            "https://news.example/chips",
            "Covid vaccines carry microchips that let governments track everyone.",
        ),
        ("Weather", "https://news.example/sun", "Sunny and warm all week in the south."),
    )
    add(monitoring, "news", feed_server.add("/watch-news.xml", body))
    poller = monitoring.poller(fetcher())
    [report] = poller.poll_due()
    assert (report.error, report.new_items) == (None, 3)
    page = monitoring.queue(SightingQuery())
    assert {(s.url, s.case_id) for s in page.results} == {
        ("https://news.example/labs", "labs"),
        ("https://news.example/chips", "vaccine"),
    }
    labs = next(s for s in page.results if s.case_id == "labs")
    assert labs.band in ("confirmed", "suggested") and labs.source == "news"
    assert labs.span.text in "Labs\n\n" + CLAIM and labs.case_title == LABS.title
    assert poller.poll_due() == []  # not due again yet
    source = monitoring.sources.get("news")
    assert source.items_seen == 3 and not source.failing
    pk = monitoring.sources.pk("news")
    again = poller.poll(pk, source)  # the same feed again: nothing new, nothing doubled
    assert (again.new_items, again.skipped) == (0, 3)
    assert monitoring.queue(SightingQuery()).total == 2


def test_a_failing_source_backs_off_is_shown_failing_and_never_stops_the_others(
    monitoring: Monitoring, feed_server: FeedServer, tmp_path: Path
) -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><rss>&a;</rss>'
    add(monitoring, "bomb", feed_server.add("/watch-bomb.xml", bomb))
    add(monitoring, "loop", feed_server.add("/watch-loop.xml", endless_redirect=True))
    add(monitoring, "gone", str(tmp_path / "missing.jsonl"), kind="jsonl")
    drop = tmp_path / "drop.jsonl"
    drop.write_text(json.dumps({"id": "1", "text": CLAIM, "url": "https://d.example/1"}))
    add(monitoring, "drop", str(drop), kind="jsonl")
    reports = {r.source: r for r in monitoring.poller(fetcher()).poll_due()}
    assert "XML entities" in (reports["bomb"].error or "")
    assert "redirects" in (reports["loop"].error or "")
    assert "does not exist" in (reports["gone"].error or "")
    assert reports["drop"].error is None and reports["drop"].sightings == 1
    bomb_source = monitoring.sources.get("bomb")
    assert bomb_source.failing and bomb_source.failures == 1
    wait = bomb_source.next_due_at - bomb_source.last_polled_at  # type: ignore[operator]
    assert wait == backoff(900, 1) == dt.timedelta(seconds=1800)
    assert backoff(900, 30) == dt.timedelta(hours=6)


def test_dismissed_items_never_come_back_even_from_another_source(
    monitoring: Monitoring, tmp_path: Path
) -> None:
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    line = json.dumps({"id": "1", "text": CLAIM, "url": "https://d.example/1"})
    first.write_text(line)
    second.write_text(line)
    add(monitoring, "a", str(first), kind="jsonl")
    poller = monitoring.poller(fetcher())
    poller.poll_due()
    [sighting] = monitoring.queue(SightingQuery()).results
    dismissed = monitoring.dismiss(sighting.id, "analyst")
    assert (dismissed.status, dismissed.decided_by) == ("dismissed", "analyst")
    with pytest.raises(ConflictError):
        monitoring.dismiss(sighting.id, "analyst")
    add(monitoring, "b", str(second), kind="jsonl")
    poller.poll_due()
    assert monitoring.queue(SightingQuery()).total == 0
    assert monitoring.queue(SightingQuery(status="dismissed")).total == 2


def test_adding_a_sighting_as_an_appearance_is_an_edit_in_the_cases_history(
    monitoring: Monitoring, service: Disproof, tmp_path: Path
) -> None:
    drop = tmp_path / "drop.jsonl"
    drop.write_text(
        json.dumps(
            {
                "id": "1",
                "text": CLAIM,
                "url": "https://d.example/1",
                "date": "2026-11-20",
                "lang": "en",
            }
        )
    )
    add(monitoring, "drop", str(drop), kind="jsonl", outlet="Daily Example")
    monitoring.poller(fetcher()).poll_due()
    [sighting] = monitoring.queue(SightingQuery()).results
    before = service.get_public("labs").version
    with pytest.raises(VersionConflict):
        monitoring.add_as_appearance(sighting.id, "analyst", expected_version=before + 7)
    added = monitoring.add_as_appearance(sighting.id, "analyst", expected_version=before)
    assert added.status == "added"
    case = service.get_public("labs")
    assert case.version == before + 1
    [appearance] = case.appearances
    assert (appearance.outlet, appearance.url, appearance.date, appearance.language) == (
        "Daily Example",
        "https://d.example/1",
        dt.date(2026, 11, 20),
        "en",
    )
    entry = service.history("labs").entries[0]
    assert (entry.author, entry.action) == ("analyst", "update")
    assert "appearances" in (entry.changes or {})


def test_the_queue_filters_by_source_language_case_and_band(
    monitoring: Monitoring, tmp_path: Path
) -> None:
    drop = tmp_path / "drop.jsonl"
    rows = [
        {"id": "1", "text": CLAIM, "url": "https://d.example/1", "lang": "en"},
        {"id": "2", "text": VACCINE.summary, "url": "https://d.example/2", "lang": "de"},
    ]
    drop.write_text("\n".join(json.dumps(r) for r in rows))
    add(monitoring, "drop", str(drop), kind="jsonl")
    monitoring.poller(fetcher()).poll_due()
    assert monitoring.queue(SightingQuery(source="drop")).total == 2
    assert monitoring.queue(SightingQuery(source="other")).total == 0
    assert [s.case_id for s in monitoring.queue(SightingQuery(language="de")).results] == [
        "vaccine"
    ]
    assert [s.case_id for s in monitoring.queue(SightingQuery(case_id="labs")).results] == ["labs"]
    bands = [s.band for s in monitoring.queue(SightingQuery()).results]
    assert bands == sorted(bands)  # confirmed before suggested


def test_removing_a_source_removes_its_items_and_sightings(
    monitoring: Monitoring, tmp_path: Path
) -> None:
    drop = tmp_path / "drop.jsonl"
    drop.write_text(json.dumps({"id": "1", "text": CLAIM}))
    add(monitoring, "drop", str(drop), kind="jsonl")
    monitoring.poller(fetcher()).poll_due()
    assert monitoring.sightings.counts()["items"] == 1
    monitoring.remove_source("drop")
    assert monitoring.sightings.counts() == {"items": 0}
    assert monitoring.list_sources() == []


def test_sources_commands(cli: object, tmp_path: Path) -> None:
    run = cli  # type: ignore[assignment]
    help_text = run("sources", "add", "--help").out  # type: ignore[operator]
    assert "--every" in help_text and "telegram" in help_text
    added = run(
        "sources",
        "add",
        "news",
        "https://news.example/feed.xml",
        "--every",
        "1h",
        "--lang",
        "German",
    )  # type: ignore[operator]
    assert added.code == 0 and "every 3600 s" in added.out
    again = run("sources", "add", "news", "https://news.example/other.xml")  # type: ignore[operator]
    assert again.code == 1 and "exists already" in again.err
    bad = run("sources", "add", "bad name", "x")  # type: ignore[operator]
    assert bad.code == 1 and "name" in bad.err
    listed = json.loads(run("sources", "list", "--json").out)  # type: ignore[operator]
    assert [(s["name"], s["language"], s["interval_seconds"]) for s in listed] == [
        ("news", "de", 3600)
    ]
    assert run("sources", "remove", "news").code == 0  # type: ignore[operator]
    missing = run("sources", "remove", "news")  # type: ignore[operator]
    assert missing.code == 1 and "no source named" in missing.err
    assert "not polled" not in run("sources", "list").out  # type: ignore[operator]


def test_the_background_watcher_of_serve_polls_and_stops(
    monitoring: Monitoring, service: Disproof, tmp_path: Path
) -> None:
    from disproof.watch.background import start

    drop = tmp_path / "drop.jsonl"
    drop.write_text(json.dumps({"id": "1", "text": CLAIM, "url": "https://d.example/1"}))
    add(monitoring, "drop", str(drop), kind="jsonl")
    thread, stop = start(service)
    try:
        for _ in range(200):  # until the first round has recorded the item (at most 20 s)
            if monitoring.sightings.counts()["items"]:
                break
            thread.join(0.1)
        assert monitoring.sightings.counts()["items"] == 1
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()


def test_watch_once_from_the_command_line(
    cli: object, fake_matching: object, tmp_path: Path
) -> None:
    from disproof.settings import Settings

    run = cli
    service = Disproof.open(Settings(db=os.environ["DISPROOF_DB"]))  # the cli's, on either store
    add_cases(service, LABS)
    (tmp_path / "drop.jsonl").write_text(json.dumps({"id": "1", "text": CLAIM}))
    assert run("sources", "add", "drop", "drop.jsonl", "--kind", "jsonl").code == 0  # type: ignore[operator]
    assert json.loads(run("sources", "list", "--json").out)[0]["location"] == str(  # type: ignore[operator]
        tmp_path / "drop.jsonl"
    )
    assert run("alerts", "add", "labs", "case", "labs").code == 0  # type: ignore[operator]
    first = run("watch", "--once")  # type: ignore[operator]
    assert first.code == 0, first.err
    assert "drop: 1 new items, 1 sightings" in first.out and "alerts: 1 new" in first.out
    assert "no source is due; next: drop at" in run("watch", "--once").out  # type: ignore[operator]
