"""Local sources: Telegram Desktop JSON exports, JSONL drops and folders of .txt/.html files.

Each is read whole at every poll when it changed (its size and modification time are the
validators, like an ETag); items already stored are skipped by URL or content hash. A bad line
or file is reported as a problem and skipped; the others are read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from disproof.sources.html import fragment_text, page_text
from disproof.sources.items import MAX_ITEMS, FetchedItem, SourceError, clipped, parse_day

#: The largest file read (bytes).
MAX_FILE_BYTES = 50 * 1024 * 1024
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


def _telegram_text(value: Any) -> str:
    """A message's text: a string, or a list of strings and {"type", "text"} pieces."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(
            piece if isinstance(piece, str) else str(piece.get("text", ""))
            for piece in value
            if isinstance(piece, str | dict)
        )
    return ""


def _telegram_link(chat: dict[str, Any], message_id: object, outlet: str | None) -> str | None:
    if not isinstance(message_id, int):
        return None
    if outlet and outlet.startswith("@"):  # a public channel's username
        return f"https://t.me/{outlet[1:]}/{message_id}"
    chat_id = chat.get("id")
    return f"https://t.me/c/{chat_id}/{message_id}" if isinstance(chat_id, int) else None


def read_telegram(
    path: Path, language: str | None, outlet: str | None
) -> tuple[list[FetchedItem], list[str]]:
    """The messages of a Telegram Desktop export of one chat or channel (``result.json``)."""
    problems: list[str] = []
    try:
        chat = json.loads(decoded(read_bytes(path), str(path), problems))
    except json.JSONDecodeError as exc:
        raise SourceError(f"{path} is not JSON: {exc}") from None
    if not isinstance(chat, dict) or not isinstance(chat.get("messages"), list):
        raise SourceError(f'{path} is not a Telegram export: no "messages" list')
    items: list[FetchedItem] = []
    for message in chat["messages"][-MAX_ITEMS:]:
        if not isinstance(message, dict) or message.get("type", "message") != "message":
            continue
        text = _telegram_text(message.get("text")).strip()
        if not text:
            continue
        where = f"{path.name}: message {message.get('id')}"
        link = _telegram_link(chat, message.get("id"), outlet)
        items.append(
            FetchedItem(
                link, "", clipped(text, problems, where), parse_day(message.get("date")), language
            )
        )
    return items, problems


# -- JSONL drops -----------------------------------------------------------------------------


def _jsonl_item(line: str, language: str | None) -> FetchedItem | str:
    """An item from one line, or why the line cannot be one."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        return f"not JSON ({exc.msg})"
    if not isinstance(row, dict):
        return "not a JSON object"
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


def read_jsonl(path: Path, language: str | None) -> tuple[list[FetchedItem], list[str]]:
    """Items from a JSONL file, or from every ``*.jsonl`` file of a folder (by name)."""
    files = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
    items: list[FetchedItem] = []
    problems: list[str] = []
    for file in files:
        text = decoded(read_bytes(file), file.name, problems)
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            item = _jsonl_item(line, language)
            if isinstance(item, str):
                problems.append(f"{file.name} line {number}: {item}, skipped")
                continue
            where = f"{file.name} line {number}"
            items.append(
                FetchedItem(
                    item.url,
                    item.title,
                    clipped(item.text, problems, where),
                    item.date,
                    item.language,
                )
            )
    return items[-MAX_ITEMS:], problems


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
