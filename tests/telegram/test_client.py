"""Configuration from the environment and the retry policy."""

from __future__ import annotations

import asyncio
import warnings

import httpx
import pytest
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from connectors.telegram.client import (
    RetryPolicy,
    TelegramConfig,
    call_with_retries,
    chat_id_of,
    never_sent,
    sender_id_for,
)

FAST = RetryPolicy(attempts=3, backoff_seconds=0.01, max_retry_after_seconds=2)


def _retry_after(seconds: int) -> RetryAfter:
    with warnings.catch_warnings():  # PTB 22 warns about int vs timedelta on construction
        warnings.simplefilter("ignore")
        return RetryAfter(seconds)


def _network_error(cause: Exception) -> NetworkError:
    try:
        raise NetworkError(f"httpx.{type(cause).__name__}") from cause
    except NetworkError as error:
        return error


def test_config_reads_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_TOKEN", "42:SECRET-TOKEN")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "s3cret_-value")
    monkeypatch.delenv("TELEGRAM_API_BASE_URL", raising=False)
    config = TelegramConfig.from_env()
    assert config == TelegramConfig("42:SECRET-TOKEN", "s3cret_-value", "https://api.telegram.org/bot")
    assert config.enabled and config.secret_is_valid
    assert "SECRET-TOKEN" not in repr(config) and "s3cret" not in repr(config)
    assert TelegramConfig.from_env({"api_base_url": "http://127.0.0.1:1/bot"}).api_base_url.endswith(":1/bot")


def test_config_without_token_is_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TELEGRAM_TOKEN", raising=False)
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "has spaces")
    config = TelegramConfig.from_env(None)
    assert not config.enabled and not config.secret_is_valid


def test_sender_ids() -> None:
    assert sender_id_for(123) == "tg-123"
    assert chat_id_of("tg-123") == 123 and chat_id_of("tg--100200") == -100200 and chat_id_of(5) == 5


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (_network_error(httpx.ConnectError("refused")), True),
        (_network_error(httpx.ConnectTimeout("slow connect")), True),
        (_network_error(httpx.PoolTimeout("pool")), True),
        (_network_error(httpx.ReadTimeout("no answer")), False),
        (_network_error(httpx.RemoteProtocolError("disconnected")), False),
        (NetworkError("Bad Gateway"), False),
    ],
)
def test_never_sent(error: NetworkError, expected: bool) -> None:
    assert never_sent(error) is expected


class Flaky:
    """Raises the given errors in turn, then returns 'ok'."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


@pytest.mark.parametrize(
    ("errors", "idempotent", "calls"),
    [
        ([_retry_after(0)], False, 2),
        ([_network_error(httpx.ConnectError("refused"))] * 2, False, 3),
        ([TimedOut()], True, 2),
        ([_network_error(httpx.RemoteProtocolError("dropped"))], True, 2),
    ],
    ids=["429", "connect-error", "timeout-idempotent", "dropped-idempotent"],
)
def test_retried_until_success(errors: list[Exception], idempotent: bool, calls: int) -> None:
    call = Flaky(*errors)
    assert asyncio.run(call_with_retries(call, what="test", idempotent=idempotent, policy=FAST)) == "ok"
    assert call.calls == calls


@pytest.mark.parametrize(
    ("error", "idempotent"),
    [
        (TimedOut(), False),  # the message may be on screen already
        (_network_error(httpx.RemoteProtocolError("dropped")), False),
        (BadRequest("Can't parse entities"), True),
        (Forbidden("bot was blocked by the user"), True),
        (_retry_after(30), False),  # longer than the policy allows
    ],
    ids=["timeout-send", "dropped-send", "bad-request", "forbidden", "long-flood-wait"],
)
def test_not_retried(error: Exception, idempotent: bool) -> None:
    call = Flaky(error)
    with pytest.raises(type(error)):
        asyncio.run(call_with_retries(call, what="test", idempotent=idempotent, policy=FAST))
    assert call.calls == 1


def test_gives_up_after_the_last_attempt() -> None:
    call = Flaky(*[_network_error(httpx.ConnectError("refused"))] * 5)
    with pytest.raises(NetworkError):
        asyncio.run(call_with_retries(call, what="test", idempotent=False, policy=FAST))
    assert call.calls == 3
