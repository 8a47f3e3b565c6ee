"""HTML to plain text: a whole page reduced to its main text, or a fragment (a feed item's
content) to its text.

A page goes through readability-lxml (Mozilla Readability's algorithm: scores blocks by text
and link density, whatever the language — the sources are multilingual, so an extractor that
needs a stop-word list per language, like jusText, would have to guess the language first), then
its text is taken block by block with lxml. lxml's HTML parser never loads external resources
or expands entities declared in a document.
"""

from __future__ import annotations

import logging

import lxml.html
from lxml import etree

logger = logging.getLogger(__name__)

#: Elements after which a line ends in the text.
_BLOCKS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 "
    "header hr li main nav ol p pre section table td th tr ul".split()
)
_DROPPED = ("script", "style", "noscript", "template", "svg", "iframe", "object")


def _lines(root: lxml.html.HtmlElement) -> str:
    """The text of ``root``, a line per block element (walked without recursion: hostile
    markup can nest deeply)."""
    etree.strip_elements(root, *_DROPPED, with_tail=False)
    parts: list[str] = []
    for event, element in etree.iterwalk(root, events=("start", "end")):
        block = isinstance(element.tag, str) and element.tag in _BLOCKS
        if event == "start":
            if block:
                parts.append("\n")
            if isinstance(element.tag, str) and element.text:
                parts.append(element.text)
            continue
        if block:
            parts.append("\n")
        if element.tail and element is not root:
            parts.append(element.tail)
    lines = (" ".join(line.split()) for line in "".join(parts).splitlines())
    return "\n".join(line for line in lines if line)


def fragment_text(markup: str) -> str:
    """The text of an HTML fragment (or plain text, returned with its whitespace tidied)."""
    if "<" not in markup and "&" not in markup:
        return "\n".join(" ".join(line.split()) for line in markup.splitlines() if line.strip())
    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return ""
    return _lines(root)


def page_text(markup: str) -> tuple[str, str]:
    """(title, main text) of a whole HTML page."""
    from readability import Document

    try:
        document = Document(markup)
        title = " ".join(document.short_title().split())
        main = document.summary(html_partial=True)
    except Exception as exc:  # readability raises bare Exceptions on odd pages
        logger.debug("readability failed (%s); taking the whole page's text", exc)
        return "", fragment_text(markup)
    return title, fragment_text(main)
