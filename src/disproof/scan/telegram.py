"""Telegram Desktop chat exports (``result.json``), streamed message by message.

An export is one JSON object: the chat's ``name``, ``type`` and ``id``, then ``messages``, a
list that can run to gigabytes. The list is decoded one message at a time from a growing
buffer (``json.JSONDecoder.raw_decode``), so memory holds a message, not the file. A
message's ``text`` is a string or a list of strings and entities (``{"type": "link", "text":
…}``); service messages and messages without text (a photo alone) are not items. An export of
a whole account (``chats.list``) is refused with a pointer to the per-chat export.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from typing import IO, Any

from disproof.scan.items import BadRow, Columns, Item, item_from_record

CHUNK = 1 << 20
#: The most one message may take (characters) before the file is given up as broken.
MAX_MESSAGE = 64 << 20
_MESSAGES = re.compile(r'(?<!\\)"messages"\s*:\s*\[')
_DECODER = json.JSONDecoder()
#: Message fields kept as the item's metadata besides id, date and text.
KEPT = ("from", "from_id", "forwarded_from", "reply_to_message_id", "edited", "views")


def message_text(value: object) -> str | None:
    """A message's text: a string, or the concatenation of a list's strings and entities."""
    if isinstance(value, str):
        return value
    if not isinstance(value, list):
        return None
    parts = []
    for part in value:
        if isinstance(part, str):
            parts.append(part)
        elif isinstance(part, dict) and isinstance(part.get("text"), str):
            parts.append(part["text"])
        else:
            return None
    return "".join(parts)


class _Stream:
    """Characters of a file read on demand: ``buffer[pos:]`` is what is not consumed yet."""

    def __init__(self, handle: io.TextIOBase) -> None:
        self.handle = handle
        self.buffer = ""
        self.pos = 0
        self.eof = False

    def more(self) -> bool:
        chunk = self.handle.read(CHUNK)
        if not chunk:
            self.eof = True
            return False
        self.buffer = self.buffer[self.pos :] + chunk
        self.pos = 0
        return True

    def skip(self, chars: str) -> str:
        """Skip ``chars``; the next character, or "" at the end of the file."""
        while True:
            while self.pos < len(self.buffer) and self.buffer[self.pos] in chars:
                self.pos += 1
            if self.pos < len(self.buffer):
                return self.buffer[self.pos]
            if not self.more():
                return ""

    def value(self) -> Any:
        """The next JSON value (reading more until it is complete); ValueError if broken."""
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buffer, self.pos)
            except json.JSONDecodeError:
                if len(self.buffer) - self.pos > MAX_MESSAGE or not self.more():
                    raise
                continue
            except RecursionError:
                raise ValueError("nested too deeply") from None
            self.pos = end
            return value


def _header(stream: _Stream, name: str) -> dict[str, Any] | BadRow:
    """The chat's fields before ``messages``; the stream left at the list's first element."""
    while True:
        found = _MESSAGES.search(stream.buffer)
        if found:
            break
        if len(stream.buffer) > MAX_MESSAGE or not stream.more():
            reason = 'no "messages" list: not a Telegram Desktop chat export (result.json)'
            if '"chats"' in stream.buffer[:MAX_MESSAGE]:
                reason += "; this is a whole-account export: export each chat on its own"
            return BadRow(name, 0, reason, "message")
    head = stream.buffer[: found.start()].rstrip().rstrip(",") + "}"
    stream.pos = found.end()
    try:
        fields = json.loads(head)
    except ValueError:
        fields = {}
    return fields if isinstance(fields, dict) else {}


def _item(message: dict[str, Any], chat: dict[str, Any], name: str, number: int) -> Item | BadRow:
    text = message_text(message.get("text"))
    if text is None:
        return BadRow(name, number, "field 'text' is neither text nor a list of text parts",
                      "message")  # fmt: skip
    chat_id = chat.get("id")
    message_id = message.get("id")
    record = {
        "id": f"{chat_id}/{message_id}" if chat_id is not None else message_id,
        "text": text,
        "date": message.get("date"),
        "outlet": chat.get("name"),
        **{key: message[key] for key in KEPT if key in message},
    }
    return item_from_record(record, Columns(), name, number, "message")


def read_telegram(name: str) -> Iterator[Item | BadRow]:
    """The messages with text of one chat export, in order."""
    from disproof.scan.readers import open_binary

    with open_binary(name) as binary:
        yield from telegram_messages(binary, name)


def telegram_messages(binary: IO[bytes], name: str) -> Iterator[Item | BadRow]:
    """The messages with text of an export opened for reading (``name`` says where in
    problems); a problem with the export as a whole is a :class:`BadRow` at message 0."""
    stream = _Stream(io.TextIOWrapper(binary, encoding="utf-8-sig"))
    try:
        chat = _header(stream, name)
        if isinstance(chat, BadRow):
            yield chat
            return
        yield from _messages(stream, chat, name)
    except UnicodeDecodeError as exc:
        yield BadRow(name, 0, f"not UTF-8: {exc}", "message")


def _messages(stream: _Stream, chat: dict[str, Any], name: str) -> Iterator[Item | BadRow]:
    number = 0
    while True:
        following = stream.skip(" \t\r\n,")
        if following in ("]", ""):
            if not following:
                yield BadRow(name, number + 1, 'the file ends inside "messages"', "message")
            return
        number += 1
        try:
            message = stream.value()
        except ValueError as exc:
            yield BadRow(name, number, f"malformed JSON, reading stops here: {exc}", "message")
            return
        if not isinstance(message, dict):
            yield BadRow(name, number, "not a JSON object", "message")
            continue
        if message.get("type", "message") != "message":
            continue  # a service message (joined, pinned, …)
        if message_text(message.get("text")) == "":
            continue  # media without a caption: nothing to scan
        yield _item(message, chat, name, number)
