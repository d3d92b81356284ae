"""Telegram channel of Trợ lý VssID, built on python-telegram-bot.

Register in credentials.yml as ``connectors.telegram.TelegramInput:`` (no values needed).

- ``channel``: the Rasa input channel (:class:`TelegramInput`) and :func:`send_to_chat`.
- ``client``: configuration from the environment, the ``Bot`` and its retries, conversation ids.
- ``output``: :class:`TelegramOutput`, Rasa's output channel.
- ``render``: Rasa messages to Telegram HTML, message splitting, inline keyboards.
- ``texts``: the channel's own user-facing texts and commands.
- ``updates``: Telegram updates to what Rasa should receive.

The names below are loaded on first use, so the scripts (which only need ``client`` and
``texts``) do not import Rasa.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from connectors.telegram.channel import TelegramInput, send_to_chat
    from connectors.telegram.output import TelegramOutput

__all__ = ["TelegramInput", "TelegramOutput", "send_to_chat"]

_EXPORTS = {
    "TelegramInput": "channel",
    "TelegramOutput": "output",
    "send_to_chat": "channel",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
