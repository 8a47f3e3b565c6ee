"""Local sources: Telegram Desktop JSON exports, JSONL drops and folders of .txt/.html files.

Each is read again at every poll when it changed (its size and modification time are the
validators, like an ETag); items already stored are skipped by URL or content hash. A bad line
or file is reported as a problem and skipped; the others are read.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from pathlib import Path

from disproof.io.base import json_object
from disproof.sources.html import fragment_text, page_text
from disproof.sources.items import MAX_ITEMS, FetchedItem, SourceError, clipped, parse_day

#: The largest file read whole (bytes): a Telegram export is streamed and a JSONL drop read
#: line by line, so this bounds feeds read from files and a folder's files.
MAX_FILE_BYTES = 50 * 1024 * 1024
#: The longest line of a JSONL drop (bytes); a longer one is skipped and noted.
MAX_LINE_BYTES = 4 * 1024 * 1024
#: Extensions read from a folder source.
FOLDER_SUFFIXES = (".txt", ".html", ".htm")


def read_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    try:
        size = path.stat().st_size
        if size > limit:
            raise SourceError(f"{path} is {size:,} bytes, over the {limit:,}-byte limit")
        return path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from None


def decoded(data: bytes, where: str, problems: list[str]) -> str:
    """UTF-8 text; bytes that are not UTF-8 are replaced, and that is noted."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(f"{where}: not UTF-8 (byte {exc.start}), undecodable bytes replaced")
        return data.decode("utf-8", errors="replace")


def stamp(path: Path) -> str:
    """A validator for a file or folder: changes when it (or a file in it) changes."""
    try:
        if path.is_dir():
            stats = [p.stat() for p in sorted(path.iterdir()) if p.is_file()]
            return f"{len(stats)}-{sum(s.st_size for s in stats)}-" + str(
                max((s.st_mtime_ns for s in stats), default=0)
            )
        stat = path.stat()
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from None
    return f"{stat.st_size}-{stat.st_mtime_ns}"


# -- Telegram Desktop export (result.json) -----------------------------------------------------


def _telegram_link(chat_id: str, message_id: str, outlet: str | None) -> str | None:
    if not message_id.isdigit():
        return None
    if outlet and outlet.startswith("@"):  # a public channel's username
        return f"https://t.me/{outlet[1:]}/{message_id}"
    return f"https://t.me/c/{chat_id}/{message_id}" if chat_id.lstrip("-").isdigit() else None


def read_telegram(
    path: Path, language: str | None, outlet: str | None
) -> tuple[list[FetchedItem], list[str]]:
    """The newest ``MAX_ITEMS`` messages of a Telegram Desktop export of one chat or channel
    (``result.json``), read as a stream with ``disproof scan``'s reader: an export can run to
    gigabytes, and memory holds one message and the items kept."""
    from disproof.scan.items import BadRow
    from disproof.scan.telegram import telegram_messages

    problems: list[str] = []
    items: deque[FetchedItem] = deque(maxlen=MAX_ITEMS)
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from None
    with handle:
        for got in telegram_messages(handle, path.name):
            if isinstance(got, BadRow):
                if got.line == 0:  # the export as a whole
                    raise SourceError(f"{path}: {got.reason}")
                problems.append(str(got))
                continue
            text = got.text.strip()
            if not text:
                continue
            chat_id, _, message_id = got.id.rpartition("/")
            where = f"{path.name}: message {message_id}"
            items.append(
                FetchedItem(
                    _telegram_link(chat_id, message_id, outlet),
                    "",
                    clipped(text, problems, where),
                    parse_day(got.date),
                    language,
                )
            )
    return list(items), problems


# -- JSONL drops -----------------------------------------------------------------------------


def _jsonl_item(line: str, language: str | None) -> FetchedItem | str:
    """An item from one line, or why the line cannot be one."""
    try:
        row = json_object(line)
    except ValueError as exc:
        return str(exc)
    text = row.get("text")
    if not isinstance(text, str) or not text.strip():
        return 'no "text"'
    url = row.get("url")
    if url is not None and not (isinstance(url, str) and url.startswith(("http://", "https://"))):
        return '"url" is not an http(s) URL'
    lang = row.get("lang")
    title = row.get("title") if isinstance(row.get("title"), str) else ""
    return FetchedItem(
        url or None,
        str(title),
        text.strip(),
        parse_day(row.get("date")),
        lang if isinstance(lang, str) and lang else language,
    )


def _lines(file: Path) -> Iterator[tuple[int, bytes | None]]:
    """(number, line) of a file read as a stream; a line over :data:`MAX_LINE_BYTES` is given
    as None (and never held in memory whole)."""
    try:
        handle = file.open("rb")
    except OSError as exc:
        raise SourceError(f"cannot read {file}: {exc.strerror or exc}") from None
    with handle:
        number = 0
        while raw := handle.readline(MAX_LINE_BYTES + 1):
            number += 1
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                while (rest := handle.readline(1 << 20)) and not rest.endswith(b"\n"):
                    pass
                yield number, None
                continue
            yield number, raw


def read_jsonl(path: Path, language: str | None) -> tuple[list[FetchedItem], list[str]]:
    """Items from a JSONL file, or from every ``*.jsonl`` file of a folder (by name), read as a
    stream: a drop grows for as long as it is watched, so no size limit applies to the file
    (only to one line), and the newest :data:`MAX_ITEMS` are kept."""
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    items: deque[FetchedItem] = deque(maxlen=MAX_ITEMS)
    problems: list[str] = []
    for file in files:
        for number, raw in _lines(file):
            where = f"{file.name} line {number}"
            if raw is None:
                problems.append(f"{where}: over {MAX_LINE_BYTES:,} bytes, skipped")
                continue
            line = decoded(raw, where, problems)
            if not line.strip():
                continue
            item = _jsonl_item(line, language)
            if isinstance(item, str):
                problems.append(f"{where}: {item}, skipped")
                continue
            text = clipped(item.text, problems, where)
            items.append(FetchedItem(item.url, item.title, text, item.date, item.language))
    return list(items), problems


# -- folders of .txt / .html -----------------------------------------------------------------


def read_folder(path: Path, language: str | None) -> tuple[list[FetchedItem], list[str]]:
    """One item per ``.txt`` / ``.html`` file of a folder (not its subfolders), by name."""
    if not path.is_dir():
        raise SourceError(f"{path} is not a folder")
    problems: list[str] = []
    items: list[FetchedItem] = []
    files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in FOLDER_SUFFIXES)
    for file in files[:MAX_ITEMS]:
        try:
            content = decoded(read_bytes(file), file.name, problems)
        except SourceError as exc:
            problems.append(f"{exc}, skipped")
            continue
        if file.suffix.lower() == ".txt":
            title, text = "", fragment_text(content)
        else:
            title, text = page_text(content)
        if text.strip():
            items.append(
                FetchedItem(
                    None, title or file.stem, clipped(text, problems, file.name), None, language
                )
            )
    return items, problems
