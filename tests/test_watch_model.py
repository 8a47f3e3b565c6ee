"""End to end with the real matcher (e5): a feed served from 127.0.0.1 is polled, and its
items are matched against the demo cases — across languages too."""

from __future__ import annotations

from pathlib import Path

import pytest

from disproof.service import Disproof
from disproof.settings import Settings
from disproof.watch.models import SightingQuery, SourceCreate
from disproof.watch.service import Monitoring
from tests.feedserver import FeedServer, rss

pytestmark = pytest.mark.model


def test_a_watched_feed_is_matched_by_the_production_matcher(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    service = Disproof.open(Settings(db=str(tmp_path / "demo.db")))
    service.load_demo()
    feed = rss(
        (
            "Labs",
            "https://news.example/en",
            "US-funded laboratories in Ukraine were secretly building biological weapons "
            "against Russians, the Pentagon admitted.",
        ),
        (
            "Labore",
            "https://news.example/de",
            "Das Pentagon finanziert in der Ukraine geheime Labore, in denen an biologischen "
            "Waffen gegen Russland geforscht wird.",
        ),
        ("Wetter", "https://news.example/sun", "Tomorrow will be sunny with a light breeze."),
        language="",
    )
    url = feed_server.add("/model-feed.xml", feed)
    monitoring = Monitoring(service)
    monitoring.add_source(SourceCreate(name="news", kind="rss", location=url))
    [report] = monitoring.poller().poll_due()
    assert (report.error, report.new_items) == (None, 3)
    found = {
        (s.url, s.case_id): s.band
        for s in monitoring.queue(SightingQuery(status=None, limit=100)).results
    }
    assert found[("https://news.example/en", "demo-ukraine-biolabs-2022")] == "confirmed"
    assert ("https://news.example/de", "demo-ukraine-biolabs-2022") in found
    assert not [key for key in found if key[0] == "https://news.example/sun"]
