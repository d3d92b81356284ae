"""Conversation ids per channel: each channel prefixes its own user id, defined here once."""

from __future__ import annotations

TELEGRAM = "telegram"
WEBCHAT = "webchat"
TELEGRAM_PREFIX = "tg-"
WEBCHAT_PREFIX = "web-"
CHANNEL_BY_PREFIX = {TELEGRAM_PREFIX: TELEGRAM, WEBCHAT_PREFIX: WEBCHAT}


def channel_for_conversation(conversation_id: str, *, default: str = "collector") -> str:
    """The Rasa output channel that reaches a conversation's user ('tg-42' -> 'telegram')."""
    return next(
        (name for prefix, name in CHANNEL_BY_PREFIX.items() if conversation_id.startswith(prefix)), default
    )


def native_sender_id(conversation_id: str) -> str:
    """The channel's own user id: 'tg-42' -> '42'."""
    for prefix in CHANNEL_BY_PREFIX:
        if conversation_id.startswith(prefix):
            return conversation_id[len(prefix) :]
    return conversation_id
