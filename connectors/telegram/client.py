"""Telegram configuration from the environment, the Bot factory and the retry policy."""

from __future__ import annotations

import asyncio
import datetime as dtm
import logging
import re
import warnings
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from telegram import Bot
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from vssid import settings
from vssid.channels import TELEGRAM_PREFIX

logger = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SENDER_PREFIX = TELEGRAM_PREFIX
# Where Rasa mounts TelegramInput's update route, and the update kinds it handles; the webhook
# and polling scripts both use them.
WEBHOOK_PATH = "/webhooks/telegram/webhook"
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
_SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what setWebhook accepts
# Errors raised before the request left this machine: the server cannot have acted on it.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def sender_id_for(chat_id: int) -> str:
    """Rasa conversation id of a Telegram chat: ``tg-<chat_id>`` (tells escalation the channel)."""
    return f"{SENDER_PREFIX}{chat_id}"


def chat_id_of(recipient_id: str | int) -> int:
    """Inverse of :func:`sender_id_for`; also accepts a bare chat id."""
    return int(str(recipient_id).removeprefix(SENDER_PREFIX))


@dataclass(frozen=True)
class TelegramConfig:
    """Where and as whom to talk to the Bot API. ``repr`` never shows the secrets."""

    token: str = ""
    webhook_secret: str = ""
    api_base_url: str = DEFAULT_API_BASE_URL

    @classmethod
    def from_env(cls, overrides: Mapping[str, Any] | None = None) -> TelegramConfig:
        """Read TELEGRAM_TOKEN, TELEGRAM_WEBHOOK_SECRET and TELEGRAM_API_BASE_URL.

        Values in ``overrides`` (the channel's section of credentials.yml) take precedence.
        """
        given = overrides or {}
        return cls(
            token=str(given.get("token") or settings.telegram_token()).strip(),
            webhook_secret=str(given.get("webhook_secret") or settings.telegram_webhook_secret()).strip(),
            api_base_url=str(
                given.get("api_base_url") or settings.telegram_api_base_url() or DEFAULT_API_BASE_URL
            ).strip(),
        )

    @property
    def enabled(self) -> bool:
        return bool(self.token)

    @property
    def secret_is_valid(self) -> bool:
        return bool(_SECRET_PATTERN.match(self.webhook_secret))

    def __repr__(self) -> str:
        return (
            f"TelegramConfig(enabled={self.enabled}, secret_set={bool(self.webhook_secret)}, "
            f"api_base_url={self.api_base_url!r})"
        )


def quiet_http_logs() -> None:
    """httpx logs every request URL at INFO, and Bot API URLs contain the token."""
    for name in ("httpx", "httpcore", "telegram"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # PTB 22 warns on every RetryAfter that `retry_after` will become a timedelta; handled above.
    warnings.filterwarnings("ignore", message=".*retry_after.*", category=PTBDeprecationWarning)


def make_bot(config: TelegramConfig, *, read_timeout: float = 10.0) -> Bot:
    """A Bot for ``config``; its HTTP client binds to the event loop that first uses it."""
    if not config.enabled:
        raise RuntimeError("TELEGRAM_TOKEN is not set")
    quiet_http_logs()
    request = HTTPXRequest(
        connection_pool_size=32,
        read_timeout=read_timeout,
        write_timeout=10.0,
        connect_timeout=5.0,
        pool_timeout=5.0,
    )
    # One HTTP client for every method, so close_bot() can close it without Bot.initialize()
    # (which calls getMe and puts the token into its error message).
    return Bot(config.token, base_url=config.api_base_url, request=request, get_updates_request=request)


async def close_bot(bot: Bot) -> None:
    """Close the HTTP client of a Bot made by :func:`make_bot`."""
    await bot.request.shutdown()


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry a Bot API call."""

    attempts: int = 4
    backoff_seconds: float = 0.5  # first network retry; doubles each time
    max_retry_after_seconds: float = 60.0


def retry_after_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # int vs timedelta transition in PTB 22
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


def never_sent(error: BaseException) -> bool:
    """True if ``error`` happened before the request reached the server."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, _NOT_SENT):
            return True
        cause = cause.__cause__
    return False


async def call_with_retries(
    call: Callable[[], Awaitable[T]],
    *,
    what: str,
    idempotent: bool,
    policy: RetryPolicy = RetryPolicy(),
) -> T:
    """Run a Bot API call, waiting out flood control (429) and retrying network errors.

    A non-idempotent call (sendMessage) is retried after a network error only if the request
    provably never reached Telegram; after a timeout or a dropped connection the message may
    already be delivered, and sending it again would show it twice.
    """
    delay = policy.backoff_seconds
    for attempt in range(1, policy.attempts + 1):
        try:
            return await call()
        except RetryAfter as error:
            wait = retry_after_seconds(error)
            if attempt == policy.attempts or wait > policy.max_retry_after_seconds:
                raise
            logger.warning("Telegram %s: flood control, retrying in %.1f s", what, wait)
            await asyncio.sleep(wait)
        except BadRequest:
            raise
        except NetworkError as error:
            if attempt == policy.attempts or not (idempotent or never_sent(error)):
                raise
            logger.warning("Telegram %s: %s; retry %d in %.1f s", what, error, attempt, delay)
            await asyncio.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")  # the loop always returns or raises
