"""The demo's watched source: a feed the project wrote (``data/demo/feed.xml``), polled once so
that the triage queue has sightings to look at."""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from disproof.service import Disproof
    from disproof.watch.poll import PollReport

DEMO_SOURCE = "demo-daily"


def watch_demo_feed(service: Disproof) -> PollReport | None:
    """Add the demo feed as a watched source and poll it; None if it is watched already."""
    from disproof.watch.models import SourceCreate
    from disproof.watch.service import Monitoring

    monitoring = Monitoring(service)
    if any(source.name == DEMO_SOURCE for source in monitoring.list_sources()):
        return None
    feed = resources.files("disproof.data.demo") / "feed.xml"
    monitoring.add_source(
        SourceCreate(
            name=DEMO_SOURCE, kind="rss", location=str(feed), outlet="Demo Daily", language="en"
        )
    )
    reports = monitoring.poller().poll_due()
    return next((r for r in reports if r.source == DEMO_SOURCE), None)
