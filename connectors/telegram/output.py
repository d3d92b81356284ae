"""Sending Rasa's bot messages to a Telegram chat."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Iterable, Mapping
from typing import Any

from rasa.core.channels.channel import OutputChannel
from telegram import Bot, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, TelegramError

from connectors.buttons import ButtonPayloads
from connectors.telegram.client import (
    RetryPolicy,
    TelegramConfig,
    call_with_retries,
    chat_id_of,
    close_bot,
    make_bot,
)
from connectors.telegram.render import inline_keyboard, render_html, split_message
from vssid.aio import run_blocking
from vssid.privacy import mask_text

logger = logging.getLogger(__name__)

BUTTONS_ONLY_TEXT = "Bạn vui lòng chọn:"
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class TelegramOutput(OutputChannel):
    """Rasa output channel for Telegram.

    Recipient ids are Rasa sender ids (``tg-<chat_id>``) or bare chat ids, so the same object
    serves the webhook and the actions the agent console runs in the conversation
    (``connectors.conversation_actions``). The ``send_*`` methods Rasa calls log delivery
    failures instead of raising (a raise would lose the turn's tracker update); :meth:`deliver`
    raises them.
    """

    def __init__(
        self, config: TelegramConfig, buttons: ButtonPayloads | None = None, retry: RetryPolicy | None = None
    ) -> None:
        self.config = config
        self.buttons = buttons or ButtonPayloads()
        self.retry = retry or RetryPolicy()
        # One Bot per event loop: an httpx client must not be shared between loops.
        self._bots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Bot] = weakref.WeakKeyDictionary()

    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_env(cls) -> TelegramOutput | None:
        """An output channel configured from the environment, or None without TELEGRAM_TOKEN."""
        config = TelegramConfig.from_env()
        return cls(config) if config.enabled else None

    @property
    def bot(self) -> Bot:
        loop = asyncio.get_running_loop()
        bot = self._bots.get(loop)
        if bot is None:
            bot = self._bots[loop] = make_bot(self.config)
        return bot

    def has_bot_for_running_loop(self) -> bool:
        return asyncio.get_running_loop() in self._bots

    async def close(self) -> None:
        """Close the HTTP client of the current event loop's Bot."""
        bot = self._bots.pop(asyncio.get_running_loop(), None)
        if bot is not None:
            await close_bot(bot)

    # --- Rasa's OutputChannel interface -------------------------------------------------

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send_logged(recipient_id, text, None)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._send_logged(recipient_id, text, buttons)

    async def send_quick_replies(
        self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        await self._send_logged(recipient_id, text, quick_replies)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._send_logged(recipient_id, f"[Xem hình ảnh]({image})", None)

    async def send_attachment(self, recipient_id: str, attachment: Any, **kwargs: Any) -> None:
        if isinstance(attachment, str):
            await self._send_logged(recipient_id, attachment, None)

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        # Custom payloads are for other front-ends; never show raw JSON to a Telegram user.
        if isinstance(json_message.get("text"), str):
            await self._send_logged(recipient_id, json_message["text"], json_message.get("buttons"))

    # --- Telegram extras ---------------------------------------------------------------

    async def deliver(self, recipient_id: str | int, messages: Iterable[Mapping[str, Any]]) -> None:
        """Send Rasa-style messages (``text``, ``buttons``/``quick_replies``); raise on failure."""
        for message in messages:
            buttons = message.get("buttons") or message.get("quick_replies")
            if message.get("text") or buttons:
                await self.send(recipient_id, str(message.get("text") or ""), buttons)
            if message.get("image"):
                await self.send(recipient_id, f"[Xem hình ảnh]({message['image']})", None)

    async def send(
        self, recipient_id: str | int, text: str, buttons: Iterable[Mapping[str, Any]] | None
    ) -> None:
        """Send ``text`` (split if long) with ``buttons`` under the last part; raise on failure."""
        chat_id = chat_id_of(recipient_id)
        # The button map may be in Redis (shared by replicas): register the ids off the event loop.
        markup = await run_blocking(inline_keyboard, buttons, self.buttons.to_id) if buttons else None
        parts = split_message(text) or ([BUTTONS_ONLY_TEXT] if markup else [])
        for index, part in enumerate(parts):
            await self._send_part(chat_id, part, markup if index == len(parts) - 1 else None)

    async def send_typing(self, chat_id: int) -> None:
        """Best effort: show "typing…" while Rasa works."""
        try:
            await self.bot.send_chat_action(chat_id, ChatAction.TYPING)
        except TelegramError as error:
            logger.debug("Telegram sendChatAction to chat %s failed: %s", chat_id, error)

    async def answer_callback(self, query_id: str, notice: str | None = None) -> None:
        """Stop the button's loading spinner; ``notice`` shows as a short toast."""
        try:
            await call_with_retries(
                lambda: self.bot.answer_callback_query(query_id, text=notice),
                what="answerCallbackQuery",
                idempotent=True,
                policy=self.retry,
            )
        except TelegramError as error:
            logger.warning("Telegram answerCallbackQuery failed: %s", error)

    async def clear_keyboard(self, chat_id: int, message_id: int) -> None:
        """Remove a clicked keyboard, so old choices cannot be sent twice."""
        try:
            await call_with_retries(
                lambda: self.bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id),
                what="editMessageReplyMarkup",
                idempotent=True,
                policy=self.retry,
            )
        except TelegramError as error:  # e.g. "message is not modified" after a double click
            logger.debug("Telegram editMessageReplyMarkup in chat %s failed: %s", chat_id, error)

    # --- internals -------------------------------------------------------------------------

    async def _send_logged(
        self, recipient_id: str, text: str, buttons: Iterable[Mapping[str, Any]] | None
    ) -> None:
        try:
            await self.send(recipient_id, text, buttons)
        except (TelegramError, ValueError) as error:
            logger.error(
                "Telegram message to %s failed, the user may not have it (%s): %s",
                recipient_id,
                error,
                mask_text(text[:80]),
            )

    async def _send_part(self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None) -> None:
        async def as_html() -> object:
            return await self.bot.send_message(
                chat_id,
                render_html(text),
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                link_preview_options=_NO_PREVIEW,
            )

        async def as_plain() -> object:
            return await self.bot.send_message(
                chat_id, text, reply_markup=markup, link_preview_options=_NO_PREVIEW
            )

        try:
            await call_with_retries(as_html, what="sendMessage", idempotent=False, policy=self.retry)
        except BadRequest as error:
            if "entities" not in str(error).lower():
                raise
            # Telegram rejected our HTML, so nothing was shown: plain text is safe to send.
            logger.warning("Telegram rejected HTML (%s); sending plain text", error)
            await call_with_retries(as_plain, what="sendMessage", idempotent=False, policy=self.retry)
