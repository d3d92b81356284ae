"""Pure rendering helpers for Telegram: HTML escaping, message splitting, inline keyboards.

Rasa responses are plain text with at most a tiny Markdown subset (``**bold**``,
``[label](https://…)`` and ``` `code` ```). They are sent with ``parse_mode=HTML``: every
other character is escaped, so a ``<`` or ``&`` in an answer can never break the message.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

MAX_MESSAGE_CHARS = 4096  # Telegram's limit, counted in UTF-16 code units after entity parsing
MAX_CALLBACK_DATA_BYTES = 64

_MARKUP = re.compile(
    r"\*\*(?P<bold>[^*\n]+?)\*\*"
    r"|\[(?P<label>[^\]\n]+)\]\((?P<url>https?://[^\s)]+)\)"
    r"|`(?P<code>[^`\n]+)`"
)
_URL = re.compile(r"^(https?|tg)://", re.IGNORECASE)


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (characters outside the BMP, e.g. emoji, count twice)."""
    return len(text.encode("utf-16-le")) // 2


def escape(text: str) -> str:
    """Escape text for Telegram's HTML parse mode."""
    return html.escape(text, quote=False)


def render_html(text: str) -> str:
    """Turn plain text with the small Markdown subset into Telegram HTML, escaping the rest."""
    parts: list[str] = []
    position = 0
    for match in _MARKUP.finditer(text):
        parts.append(escape(text[position : match.start()]))
        if match["bold"]:
            parts.append(f"<b>{escape(match['bold'])}</b>")
        elif match["label"]:
            href = html.escape(match["url"], quote=True)
            parts.append(f'<a href="{href}">{escape(match["label"])}</a>')
        else:
            parts.append(f"<code>{escape(match['code'])}</code>")
        position = match.end()
    parts.append(escape(text[position:]))
    return "".join(parts)


def split_message(text: str, limit: int = MAX_MESSAGE_CHARS) -> list[str]:
    """Split ``text`` into parts of at most ``limit`` UTF-16 units.

    Parts break at paragraph boundaries (blank lines) when possible, then at line breaks,
    then at spaces, and only as a last resort inside a word.
    """
    text = text.strip()
    if utf16_len(text) <= limit:
        return [text] if text else []
    return [part for part in _pack(text, limit, ("\n\n", "\n", " ")) if part]


def _pack(text: str, limit: int, separators: tuple[str, ...]) -> list[str]:
    if utf16_len(text) <= limit:
        return [text.strip()]
    if not separators:
        return _hard_cut(text, limit)
    separator, finer = separators[0], separators[1:]
    parts: list[str] = []
    current = ""
    for piece in text.split(separator):
        candidate = f"{current}{separator}{piece}" if current else piece
        if utf16_len(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current.strip())
        if utf16_len(piece) <= limit:
            current = piece
        else:
            parts.extend(_pack(piece, limit, finer))
            current = ""
    if current:
        parts.append(current.strip())
    return parts


def _hard_cut(text: str, limit: int) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for char in text:
        width = 2 if ord(char) > 0xFFFF else 1
        if size + width > limit:
            parts.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += width
    if current:
        parts.append("".join(current))
    return parts


def inline_keyboard(
    buttons: Iterable[Mapping[str, Any]], to_id: Callable[[str], str]
) -> InlineKeyboardMarkup | None:
    """One inline button per row (Vietnamese titles are long); payloads become short ids.

    A button with a ``url`` (or a payload that is a URL) opens that link instead.
    """
    rows: list[list[InlineKeyboardButton]] = []
    for button in buttons:
        payload = str(button.get("payload") or "")
        url = str(button.get("url") or "") or (payload if _URL.match(payload) else "")
        title = str(button.get("title") or payload or url).strip()
        if url:
            rows.append([InlineKeyboardButton(title, url=url)])
        elif payload:
            data = to_id(payload)
            if len(data.encode("utf-8")) > MAX_CALLBACK_DATA_BYTES:
                raise ValueError(f"callback id longer than {MAX_CALLBACK_DATA_BYTES} bytes: {data!r}")
            rows.append([InlineKeyboardButton(title, callback_data=data)])
    return InlineKeyboardMarkup(rows) if rows else None
