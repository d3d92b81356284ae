"""Telegram input channel for Rasa, built on python-telegram-bot (``Update`` in, ``Bot`` out).

Register in credentials.yml as ``connectors.telegram.TelegramInput:`` (no values needed; the
package re-exports the class).
Configuration comes from the environment, never from a committed file:

- ``TELEGRAM_TOKEN``: the bot token. Unset: the channel is disabled and its webhook answers 404,
  so ``make run`` works without Telegram.
- ``TELEGRAM_WEBHOOK_SECRET``: compared with the ``X-Telegram-Bot-Api-Secret-Token`` header
  (403 otherwise; without a secret every update is refused).
- ``TELEGRAM_API_BASE_URL``: Bot API base, ``https://api.telegram.org/bot`` by default
  (tests point it at a local fake).

Routes (under Rasa's ``/webhooks/telegram``): ``GET /`` health, ``POST /webhook`` updates.
Rasa conversation ids are ``tg-<chat_id>``. Updates are acknowledged at once and handled in
order per chat; a recently seen ``update_id`` is ignored. Bodies over 1 MB are refused (413);
each chat may send ``telegram_chat`` updates per minute (connectors/guard.py): beyond that the
update is dropped and the user is told once per minute, politely, to slow down. Texts longer
than Telegram's own 4,096 characters get a polite reply instead of reaching Rasa.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping
from functools import partial
from pathlib import Path
from typing import Any

import yaml
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import Update

from connectors import guard
from connectors.buttons import button_payloads, payloads_in_responses
from connectors.inbox import PerKeyQueues, recent_ids
from connectors.telegram import texts
from connectors.telegram.client import SECRET_HEADER, TelegramConfig, sender_id_for
from connectors.telegram.output import TelegramOutput
from connectors.telegram.updates import Incoming, Kind, parse_update
from vssid import logmask, settings
from vssid.aio import run_blocking
from vssid.privacy import mask_text
from vssid.settings import PROJECT_ROOT

logger = logging.getLogger(__name__)

__all__ = ["TelegramInput", "TelegramOutput", "send_to_chat"]

MAX_TEXT_LENGTH = 4096  # Telegram's own limit for one message

SHUTDOWN_GRACE_SECONDS = 10.0
_active_output: TelegramOutput | None = None


class TelegramInput(InputChannel):
    """Receives Telegram updates by webhook and answers through :class:`TelegramOutput`."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: Mapping[str, Any] | None) -> TelegramInput:
        logmask.install()
        return cls(TelegramConfig.from_env(credentials))

    def __init__(self, config: TelegramConfig | None = None, *, seed_buttons: bool = True) -> None:
        self.config = config or TelegramConfig.from_env()
        # Shared by the replicas through Redis when LOCK_STORE_URL is set (connectors/inbox.py).
        self.buttons = button_payloads(settings.lock_store_url(), settings.redis_namespace())
        if seed_buttons:
            self.buttons.seed(known_payloads())
        self._seen = recent_ids(settings.lock_store_url(), settings.redis_namespace())
        self._queues = PerKeyQueues()
        self._output: TelegramOutput | None = None
        if not self.config.enabled:
            logger.info("Telegram channel disabled: TELEGRAM_TOKEN is not set")
            return
        if not self.config.secret_is_valid:
            logger.warning(
                "TELEGRAM_WEBHOOK_SECRET is missing or invalid (1-256 of A-Z a-z 0-9 _ -): "
                "the Telegram webhook will refuse every update"
            )
        global _active_output
        self._output = _active_output = TelegramOutput(self.config, self.buttons)  # no I/O until used

    def get_output_channel(self) -> TelegramOutput | None:
        """Lets actions run outside a user turn (the agent console's) reach the chat."""
        return self._output

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        telegram_webhook = Blueprint("telegram_webhook", __name__)
        guard.limit_body(telegram_webhook, guard.TELEGRAM_BODY)

        @telegram_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "enabled": self.config.enabled})

        @telegram_webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self._receive(request, on_new_message)

        @telegram_webhook.listener("after_server_stop")
        async def close(*_: Any) -> None:
            try:  # let queued replies go out, but never hang the shutdown
                await asyncio.wait_for(self._queues.join(), SHUTDOWN_GRACE_SECONDS)
            except asyncio.TimeoutError:
                logger.warning("Telegram replies still pending at shutdown were dropped")
            if self._output is not None:
                await self._output.close()

        return telegram_webhook

    async def _receive(
        self, request: Request, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> HTTPResponse:
        if not self.config.enabled:
            return response.json({"error": "Telegram channel is not configured"}, status=404)
        if not self._authorised(request.headers.get(SECRET_HEADER, "")):
            return response.json({"error": "wrong secret token"}, status=403)
        try:
            data = json.loads(request.body)
            update_id = data["update_id"]
        except Exception:
            update_id = None
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            return response.json({"error": "body is not a Telegram update"}, status=400)
        if await run_blocking(self._seen.check_and_add, update_id):
            logger.info("Telegram update %s already received; ignored", update_id)
            return response.json({"status": "duplicate"})
        try:
            incoming = await run_blocking(parse_update, Update.de_json(data, None), self.buttons.to_payload)
        except Exception:
            # Answer 200 anyway: Telegram would otherwise re-send an update we cannot read.
            logger.exception("Telegram update %s could not be parsed", update_id)
            return response.json({"status": "unreadable"})
        logger.debug("Telegram update %s: %s in chat %s", update_id, incoming.reason, incoming.chat_id)
        if incoming.kind is not Kind.IGNORE or incoming.callback_query_id:
            key = incoming.chat_id if incoming.chat_id is not None else f"query:{incoming.callback_query_id}"
            self._queues.submit(key, partial(self._handle, incoming, on_new_message))
        return response.json({"status": "ok"})

    def _authorised(self, given: str) -> bool:
        expected = self.config.webhook_secret
        return self.config.secret_is_valid and hmac.compare_digest(given.encode(), expected.encode())

    async def _handle(
        self, incoming: Incoming, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> None:
        output = self.get_output_channel()
        assert output is not None  # only called when enabled
        chat_id = incoming.chat_id
        if incoming.callback_query_id:
            await output.answer_callback(incoming.callback_query_id, incoming.callback_notice)
        if chat_id is None or incoming.kind is Kind.IGNORE:
            return
        sender_id = sender_id_for(chat_id)
        if await guard.rate_limits().hit("telegram_chat", sender_id):
            if not await guard.rate_limits().hit("telegram_notice", sender_id):
                await output.send_text_message(sender_id, texts.TOO_FAST)
            return
        text = guard.clean_text(incoming.text or "")
        if incoming.kind is Kind.MESSAGE and (text is None or not text.strip()):
            await output.send_text_message(sender_id, texts.NON_TEXT)
            return
        if incoming.kind is Kind.MESSAGE and len(text) > MAX_TEXT_LENGTH:
            await output.send_text_message(sender_id, texts.TOO_LONG)
            return
        if incoming.callback_message_id is not None:
            await output.clear_keyboard(chat_id, incoming.callback_message_id)
        if incoming.kind is Kind.REPLY:
            await output.send_text_message(sender_id, incoming.text)
        elif incoming.kind is Kind.HELP:
            await output.send_text_with_buttons(sender_id, help_text(), help_buttons())
        else:
            await output.send_typing(chat_id)
            message = UserMessage(
                text, output, sender_id, input_channel=self.name(), metadata=incoming.metadata
            )
            try:
                await on_new_message(message)
            except Exception:
                logger.exception(
                    "Rasa failed on a Telegram message in chat %s: %s", chat_id, mask_text(incoming.text)
                )
                await output.send_text_message(sender_id, texts.SYSTEM_ERROR)


async def send_to_chat(chat_id: int | str, messages: list[Mapping[str, Any]]) -> None:
    """Push messages (Rasa format: ``text``, ``buttons``) to a Telegram chat, e.g. an agent's reply.

    ``chat_id`` may be the Rasa sender id (``tg-123``). Inside the Rasa server this reuses the
    channel's output (so its buttons resolve); elsewhere it is configured from the environment.
    Raises ``telegram.error.TelegramError`` if a message could not be delivered.
    """
    active = _active_output
    if active is not None and active.has_bot_for_running_loop():
        await active.deliver(chat_id, messages)
        return
    output = TelegramOutput(active.config, active.buttons) if active else TelegramOutput.from_env()
    if output is None:
        raise RuntimeError("TELEGRAM_TOKEN is not set")
    try:
        await output.deliver(chat_id, messages)
    finally:
        await output.close()


def help_text() -> str:
    return f"{texts.HELP_INTRO}\n\n{texts.HELP_FOOTER}"


def help_buttons() -> list[dict[str, str]]:
    """Buttons of /help: the FAQ topics (from kb/ when available), then records and agent."""
    topics = _kb_topics() or list(texts.FALLBACK_TOPICS)
    buttons = [{"title": title, "payload": f"/faq/{topic}"} for topic, title in topics]
    buttons += [{"title": title, "payload": payload} for title, payload in texts.EXTRA_HELP_BUTTONS]
    return buttons


def _kb_topics() -> list[tuple[str, str]]:
    try:
        from kb import topic_titles  # kb/ is optional here
    except ImportError:
        return []
    try:
        titles = topic_titles()
        pairs = titles.items() if isinstance(titles, Mapping) else titles
        return [(str(topic), str(title)) for topic, title in pairs]
    except Exception:
        logger.warning("kb.topic_titles() failed; /help shows the built-in topics", exc_info=True)
        return []


def known_payloads(root: Path = PROJECT_ROOT) -> Iterator[str]:
    """Payloads of the /help buttons and of every button in the domain and data/ responses."""
    yield from (button["payload"] for button in help_buttons())
    for path in [root / "domain.yml", *sorted((root / "data").glob("**/*.yml"))]:
        try:
            content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except Exception:  # a missing or unreadable file only means fewer pinned buttons
            continue
        if isinstance(content, Mapping) and isinstance(content.get("responses"), Mapping):
            yield from payloads_in_responses(content["responses"])
