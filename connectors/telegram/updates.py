"""Turn a Telegram ``Update`` into what the channel should do with it (a pure function)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from telegram import CallbackQuery, Message, Update
from telegram.constants import ChatType

from connectors.telegram import texts

GREET_PAYLOAD = "/greet"


class Kind(Enum):
    MESSAGE = "message"  # pass `text` to Rasa
    HELP = "help"  # show the list of topics
    REPLY = "reply"  # answer `text` directly, Rasa is not involved
    IGNORE = "ignore"


@dataclass(frozen=True)
class Incoming:
    """What one update asks for. ``reason`` names the update type, for logs and tests."""

    kind: Kind
    reason: str
    chat_id: int | None = None
    text: str = ""
    callback_query_id: str | None = None
    callback_message_id: int | None = None
    callback_notice: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


def parse_update(update: Update, resolve_button: Callable[[str], str | None]) -> Incoming:
    """Decide how to handle ``update``.

    Args:
        update: the update as parsed by ``Update.de_json``.
        resolve_button: maps callback data back to the button payload (``None`` if unknown).
    """
    if update.callback_query is not None:
        return _callback(update.callback_query, update.update_id, resolve_button)
    if update.message is not None:
        return _message(update.message, update.update_id)
    edited = update.edited_message
    if edited is not None and edited.chat.type == ChatType.PRIVATE:
        return Incoming(Kind.REPLY, "edited_message", chat_id=edited.chat.id, text=texts.EDITED)
    return Incoming(Kind.IGNORE, _update_type(update))


def _metadata(chat_id: int, message_id: int, update_id: int) -> dict[str, Any]:
    return {"telegram": {"chat_id": chat_id, "message_id": message_id, "update_id": update_id}}


def _message(message: Message, update_id: int) -> Incoming:
    chat_id = message.chat.id
    if message.from_user is not None and message.from_user.is_bot:
        return Incoming(Kind.IGNORE, "from_bot", chat_id=chat_id)
    text = (message.text or "").strip()
    command = _command(text)
    if message.chat.type != ChatType.PRIVATE:
        if command in ("start", "help"):
            return Incoming(Kind.REPLY, "group_command", chat_id=chat_id, text=texts.PRIVATE_ONLY)
        return Incoming(Kind.IGNORE, "group_message", chat_id=chat_id)
    if not text:
        if message.effective_attachment is not None or message.caption:
            return Incoming(Kind.REPLY, _attachment_type(message), chat_id=chat_id, text=texts.NON_TEXT)
        return Incoming(Kind.IGNORE, "service_message", chat_id=chat_id)
    metadata = _metadata(chat_id, message.message_id, update_id)
    if command == "start":
        return Incoming(Kind.MESSAGE, "start", chat_id=chat_id, text=GREET_PAYLOAD, metadata=metadata)
    if command == "help":
        return Incoming(Kind.HELP, "help", chat_id=chat_id)
    # Typed "/something" must not reach Rasa as an intent with entities: only buttons we
    # issued may send payloads. The rest of the text is still worth understanding.
    if command is not None:
        text = text.lstrip("/").strip()
        if not text:
            return Incoming(Kind.IGNORE, "empty_command", chat_id=chat_id)
    return Incoming(Kind.MESSAGE, "text", chat_id=chat_id, text=text, metadata=metadata)


def _callback(query: CallbackQuery, update_id: int, resolve: Callable[[str], str | None]) -> Incoming:
    message = query.message
    if message is None:  # a button under an inline-mode message: nothing to answer into
        return Incoming(Kind.IGNORE, "inline_callback", callback_query_id=query.id)
    chat_id = message.chat.id
    if message.chat.type != ChatType.PRIVATE:
        return Incoming(
            Kind.IGNORE,
            "group_callback",
            chat_id=chat_id,
            callback_query_id=query.id,
            callback_notice=texts.PRIVATE_ONLY,
        )
    payload = resolve(query.data or "")
    if payload is None:
        return Incoming(
            Kind.IGNORE,
            "expired_button",
            chat_id=chat_id,
            callback_query_id=query.id,
            callback_notice=texts.BUTTON_EXPIRED,
        )
    return Incoming(
        Kind.MESSAGE,
        "callback_query",
        chat_id=chat_id,
        text=payload,
        callback_query_id=query.id,
        callback_message_id=message.message_id,
        metadata=_metadata(chat_id, message.message_id, update_id),
    )


def _command(text: str) -> str | None:
    """'/start@VssidBot payload' -> 'start'; None when the text is not a command."""
    if not text.startswith("/"):
        return None
    return text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower() if len(text) > 1 else ""


def _attachment_type(message: Message) -> str:
    attachment = message.effective_attachment
    if attachment is None:
        return "caption"
    if isinstance(attachment, tuple):  # photo sizes
        return "photo"
    return type(attachment).__name__.lower()


def _update_type(update: Update) -> str:
    for name in (
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "my_chat_member",
        "chat_member",
        "chat_join_request",
        "inline_query",
        "poll",
        "poll_answer",
        "message_reaction",
    ):
        if getattr(update, name, None) is not None:
            return name
    return "other_update"
