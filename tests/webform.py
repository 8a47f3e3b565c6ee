"""A web form as a browser would submit it: parse the rendered HTML and collect the successful
controls of the first post form of a class (``editor``) in document order, with the value changes
browsers make (HTML's rules, not Python's ``html.parser``'s):

- a one-line ``<input>`` drops CR and LF from its value (value sanitization);
- a ``<textarea>`` drops one line feed right after its start tag, and the parser turns CR LF
  and lone CR into LF; submission sends line breaks as CR LF;
- checkboxes are sent only when ``checked``; submit buttons only the one pressed (none here).
"""

from __future__ import annotations

from html.parser import HTMLParser

Fields = list[tuple[str, str]]


class _FormParser(HTMLParser):
    def __init__(self, form_class: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_class = form_class
        self.fields: Fields = []
        self.depth = 0  # inside the first post form
        self.done = False
        self.textarea: str | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        if tag == "form" and not self.done and self.form_class in classes:
            self.depth = 1
            return
        if not self.depth:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            value = a.get("value", "")
            if kind not in ("checkbox", "radio", "hidden"):
                value = value.replace("\r", "").replace("\n", "")
            self.fields.append((a["name"], value))
        elif tag == "textarea" and a.get("name"):
            self.textarea, self.text = a["name"], []

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self.textarea is not None:
            value = "".join(self.text).replace("\r\n", "\n").replace("\r", "\n")
            value = value.removeprefix("\n")
            self.fields.append((self.textarea, value.replace("\n", "\r\n")))
            self.textarea = None
        elif tag == "form" and self.depth:
            self.depth, self.done = 0, True


def browser_form(page: str, form_class: str = "editor") -> Fields:
    """The (name, value) pairs a browser posts, unchanged, for the first form of ``page`` with
    the class ``form_class``."""
    parser = _FormParser(form_class)
    parser.feed(page)
    parser.close()
    return parser.fields


def replace(fields: Fields, name: str, value: str) -> Fields:
    """``fields`` with the (first) field ``name`` set to ``value`` (added when missing)."""
    out, done = [], False
    for key, old in fields:
        if key == name and not done:
            out.append((key, value))
            done = True
        else:
            out.append((key, old))
    return out if done else [*out, (name, value)]


def as_data(fields: Fields) -> dict[str, list[str]]:
    """``fields`` as an httpx ``data=`` mapping (repeated names keep their order)."""
    out: dict[str, list[str]] = {}
    for name, value in fields:
        out.setdefault(name, []).append(value)
    return out
