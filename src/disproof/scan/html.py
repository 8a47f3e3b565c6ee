"""HTML reduced to its readable text, safely: a parser, never a browser (no scripts, no
network); script, style and other non-text elements are dropped, entities decoded."""

from __future__ import annotations

from html.parser import HTMLParser

#: Elements whose content is never text a reader sees.
SKIPPED = {"script", "style", "noscript", "template", "svg", "math", "iframe", "object", "head"}
#: Elements that end a line of text.
BLOCKS = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th",
    "section", "article", "header", "footer", "blockquote", "pre", "title", "table", "hr",
}  # fmt: skip


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: list[str] = []
        self.title: list[str] = []
        self.in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        elif tag in SKIPPED:
            self.skipping.append(tag)
        if tag in BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif self.skipping and tag == self.skipping[-1]:
            self.skipping.pop()
        if tag in BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        elif not self.skipping:
            self.parts.append(data)


def html_text(markup: str) -> str:
    """The visible text of an HTML document (its title first when the body lacks it), one
    paragraph per line, runs of spaces collapsed."""
    parser = _Text()
    parser.feed(markup)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    body = "\n".join(line for line in lines if line)
    title = " ".join("".join(parser.title).split())
    if title and not body.startswith(title):
        return f"{title}\n{body}" if body else title
    return body
