"""Reader of the persuasion-technique data format (SemEval-2023 Task 3, as laid out for disproof).

A folder holds ``articles/<lang>/<article>.txt`` (UTF-8 text, one paragraph per line),
``labels.jsonl`` (one labelled span per line: ``{"lang", "article", "start", "end",
"technique"}``, code-point offsets into the text, end exclusive) and, optionally,
``paragraph_labels.jsonl`` (``{"lang", "article", "line", "techniques"}``, ``line`` 1-based over
``text.split("\\n")``). Texts are read with ``newline=""``: offsets count every character,
a ``\\r`` of a ``\\r\\n`` line end and a leading BOM included, so nothing may translate them.

Every problem is a :class:`~disproof.errors.DisproofError` naming the file and line.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from disproof.errors import DisproofError
from disproof.techniques.taxonomy import NAMES

_KNOWN = frozenset(NAMES)


@dataclass(frozen=True)
class Span:
    """``text[start:end]`` of an article carries ``technique``."""

    start: int
    end: int
    technique: str


@dataclass(frozen=True)
class Paragraph:
    """A non-empty line of an article: its 1-based ``line``, its offsets (whitespace trimmed)
    and its techniques (the official labels when given, else those of overlapping spans)."""

    line: int
    start: int
    end: int
    techniques: frozenset[str]


@dataclass
class Article:
    """One labelled article."""

    lang: str
    id: str
    text: str
    spans: list[Span] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)


def paragraph_bounds(text: str) -> list[tuple[int, int, int]]:
    """``(line, start, end)`` of each non-blank line of ``text`` (``line`` 1-based over
    ``text.split("\\n")``), trimmed of surrounding whitespace (a ``\\r`` included)."""
    out: list[tuple[int, int, int]] = []
    position = 0
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if stripped:
            start = position + (len(line) - len(line.lstrip()))
            out.append((number, start, start + len(stripped)))
        position += len(line) + 1
    return out


def read_text(path: Path) -> str:
    """An article's text exactly as stored (no newline translation, a BOM kept)."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return handle.read()
    except UnicodeDecodeError as exc:
        raise DisproofError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except OSError as exc:
        raise DisproofError(f"{path}: cannot read ({exc.strerror})") from exc


def _records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        handle = open(path, encoding="utf-8")
    except OSError as exc:
        raise DisproofError(f"{path}: cannot read ({exc.strerror})") from exc
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as exc:
                raise DisproofError(f"{path}, line {number}: malformed JSON: {exc}") from exc
            if not isinstance(record, dict):
                raise DisproofError(f"{path}, line {number}: expected a JSON object")
            yield number, record


def _field(record: dict[str, Any], name: str, kind: type, where: str) -> Any:
    value = record.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise DisproofError(f"{where}: field {name!r} must be {kind.__name__}, not {value!r}")
    return value


def _technique(name: object, where: str) -> str:
    if name not in _KNOWN:
        raise DisproofError(f"{where}: unknown technique {name!r}")
    return str(name)


def _load_articles(root: Path, languages: set[str] | None) -> dict[tuple[str, str], Article]:
    folder = root / "articles"
    if not folder.is_dir():
        raise DisproofError(f"{root}: no articles/ folder (expected articles/<lang>/<id>.txt)")
    articles: dict[tuple[str, str], Article] = {}
    for path in sorted(folder.glob("*/*.txt")):
        lang = path.parent.name
        if languages is None or lang in languages:
            articles[lang, path.stem] = Article(lang, path.stem, read_text(path))
    return articles


def _add_spans(
    path: Path, articles: dict[tuple[str, str], Article], langs: set[str] | None
) -> None:
    for number, record in _records(path):
        where = f"{path}, line {number}"
        lang, article_id = _field(record, "lang", str, where), _field(record, "article", str, where)
        if langs is not None and lang not in langs:
            continue
        article = articles.get((lang, article_id))
        if article is None:
            raise DisproofError(f"{where}: no article articles/{lang}/{article_id}.txt")
        start, end = _field(record, "start", int, where), _field(record, "end", int, where)
        if not 0 <= start < end <= len(article.text):
            raise DisproofError(
                f"{where}: span {start}-{end} outside the text ({len(article.text)} characters)"
            )
        technique = _technique(record.get("technique"), where)
        article.spans.append(Span(start, end, technique))


def _official_paragraphs(
    path: Path, articles: dict[tuple[str, str], Article], langs: set[str] | None
) -> dict[tuple[str, str], dict[int, frozenset[str]]]:
    out: dict[tuple[str, str], dict[int, frozenset[str]]] = defaultdict(dict)
    for number, record in _records(path):
        where = f"{path}, line {number}"
        lang, article_id = _field(record, "lang", str, where), _field(record, "article", str, where)
        if langs is not None and lang not in langs:
            continue
        if (lang, article_id) not in articles:
            raise DisproofError(f"{where}: no article articles/{lang}/{article_id}.txt")
        line = _field(record, "line", int, where)
        names = _field(record, "techniques", list, where)
        out[lang, article_id][line] = frozenset(_technique(name, where) for name in names)
    return out


def derived_techniques(spans: list[Span], start: int, end: int) -> frozenset[str]:
    """The techniques of the spans that overlap ``[start, end)``."""
    return frozenset(s.technique for s in spans if s.start < end and s.end > start)


def read_corpus(root: Path, languages: list[str] | None = None) -> list[Article]:
    """Every article under ``root`` (of ``languages`` when given), with its spans and paragraphs,
    in (language, article) order."""
    langs = set(languages) if languages else None
    articles = _load_articles(root, langs)
    labels = root / "labels.jsonl"
    if not labels.is_file():
        raise DisproofError(f"{root}: no labels.jsonl")
    _add_spans(labels, articles, langs)
    official_path = root / "paragraph_labels.jsonl"
    official = (
        _official_paragraphs(official_path, articles, langs) if official_path.is_file() else {}
    )
    for key, article in articles.items():
        given = official.get(key, {})
        for line, start, end in paragraph_bounds(article.text):
            techniques = given.get(line)
            if techniques is None:
                techniques = derived_techniques(article.spans, start, end)
            article.paragraphs.append(Paragraph(line, start, end, techniques))
    return [articles[key] for key in sorted(articles)]
