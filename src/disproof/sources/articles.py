"""The article behind a feed entry: for sources that follow links, a new entry's page is fetched
and its main text matched instead of the entry's teaser.

Only *new* entries are followed (the poller checks URL and content hash against what the source
already recorded first), through the watcher's one HTTP client — so with its per-host delay,
size limit, deadline and bounded redirects. A page that cannot be read (an error, not HTML, no
text) leaves the entry as the feed gave it and is noted among the poll's problems; it never
fails the source. At most :data:`MAX_FOLLOWED` links are followed per poll; the rest are matched
on their entries' text and noted.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import replace

from disproof.sources.html import page_text
from disproof.sources.http import HttpFetcher
from disproof.sources.items import FetchedItem, SourceError, clipped

#: The most entry links one poll follows (at the default one-second delay per host, a feed's
#: first poll takes at most this many seconds longer).
MAX_FOLLOWED = 200
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)


def _charset(content_type: str, body: bytes) -> str:
    """The page's encoding: the header's charset, else a ``<meta>`` one near the top, else
    UTF-8 — only names Python knows."""
    candidates = []
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset":
            candidates.append(value.strip().strip("\"'"))
    found = _META_CHARSET.search(body[:4096])
    if found:
        candidates.append(found.group(1).decode("ascii"))
    for name in candidates:
        try:
            return codecs.lookup(name).name
        except LookupError:
            continue
    return "utf-8"


def read_article(url: str, fetcher: HttpFetcher) -> tuple[str, str]:
    """(title, main text) of the page at ``url``; :class:`SourceError` says why not."""
    response = fetcher.get(url)
    media_type = response.content_type.split(";")[0].strip().lower()
    if media_type and media_type not in _HTML_TYPES:
        raise SourceError(f"not an HTML page ({media_type})")
    markup = response.body.decode(_charset(response.content_type, response.body), "replace")
    title, text = page_text(markup)
    if not text.strip():
        raise SourceError("the page has no main text")
    return title, text


def follow_links(
    items: list[FetchedItem], fetcher: HttpFetcher, problems: list[str]
) -> list[FetchedItem]:
    """``items`` with each linked page's main text in place of the entry's own text (when the
    page says more); what could not be followed is noted in ``problems``."""
    out: list[FetchedItem] = []
    followed = 0
    for number, item in enumerate(items, start=1):
        if not item.url or not item.url.startswith(("http://", "https://")):
            out.append(item)
            continue
        if followed == MAX_FOLLOWED:
            problems.append(
                f"{len(items) - number + 1:,} more entries' links not followed this poll "
                f"(at most {MAX_FOLLOWED} per poll); their entries' text was matched"
            )
            out.extend(items[number - 1 :])
            break
        followed += 1
        try:
            title, text = read_article(item.url, fetcher)
        except SourceError as exc:
            problems.append(f"{item.url[:200]}: page not read ({exc}); the entry's text matched")
            out.append(item)
            continue
        text = clipped(text, problems, item.url[:200])
        if len(text) <= len(item.text):  # the entry already says as much (a full-text feed)
            out.append(item)
            continue
        out.append(replace(item, title=item.title or title, text=text))
    return out
