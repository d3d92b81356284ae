"""Development mode without a public URL: long-poll Telegram and feed the local Rasa server.

    make run                 # in one terminal (with TELEGRAM_TOKEN and TELEGRAM_WEBHOOK_SECRET set)
    make telegram-polling    # in another, with the same environment

Each update from getUpdates is posted, unchanged, to the Rasa server's Telegram webhook
(``$RASA_URL/webhooks/telegram/webhook``, default http://127.0.0.1:5005) with the secret
header, so polling exercises exactly the webhook code path. The offset only advances once the
Rasa server accepted an update, so nothing is lost while it restarts. Any registered webhook
is deleted first (Telegram refuses getUpdates while one is set).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import Any

import httpx
from telegram.error import NetworkError, RetryAfter, TelegramError, TimedOut

from connectors.telegram.client import (
    ALLOWED_UPDATES,
    SECRET_HEADER,
    WEBHOOK_PATH,
    TelegramConfig,
    close_bot,
    make_bot,
    retry_after_seconds,
)
from vssid import settings

logger = logging.getLogger("telegram_polling")

RETRY_SECONDS = 2.0


class RasaRefused(Exception):
    """The Rasa server answered in a way retrying cannot fix (wrong secret, channel disabled)."""


async def forward(client: httpx.AsyncClient, endpoint: str, secret: str, update: dict[str, Any]) -> None:
    """Post one update to the webhook until the Rasa server accepts it."""
    while True:
        try:
            response = await client.post(endpoint, json=update, headers={SECRET_HEADER: secret})
        except httpx.HTTPError as error:
            logger.warning("Rasa server not reachable at %s (%s); retrying", endpoint, error)
            await asyncio.sleep(RETRY_SECONDS)
            continue
        if response.status_code == 200:
            return
        if response.status_code in (403, 404):
            raise RasaRefused(
                "the Rasa server refused the update: "
                + (
                    "wrong TELEGRAM_WEBHOOK_SECRET"
                    if response.status_code == 403
                    else "its Telegram channel is disabled (no TELEGRAM_TOKEN) or not registered"
                )
            )
        logger.warning("Rasa server answered %s; retrying", response.status_code)
        await asyncio.sleep(RETRY_SECONDS)


async def poll(
    config: TelegramConfig, rasa_url: str, *, timeout: int = 25, stop: asyncio.Event | None = None
) -> None:
    """Forward updates until ``stop`` is set (or forever)."""
    stop = stop or asyncio.Event()
    endpoint = rasa_url.rstrip("/") + WEBHOOK_PATH
    bot = make_bot(config, read_timeout=timeout + 10)
    offset: int | None = None
    try:
        await bot.delete_webhook()
        logger.info("Polling Telegram; forwarding updates to %s", endpoint)
        async with httpx.AsyncClient(timeout=10) as client:
            while not stop.is_set():
                try:
                    updates = await bot.get_updates(
                        offset=offset, timeout=timeout, allowed_updates=ALLOWED_UPDATES
                    )
                except RetryAfter as error:
                    await asyncio.sleep(retry_after_seconds(error))
                    continue
                except TimedOut:
                    continue
                except NetworkError as error:
                    logger.warning("getUpdates failed (%s); retrying", error)
                    await asyncio.sleep(RETRY_SECONDS)
                    continue
                for update in updates:
                    await forward(client, endpoint, config.webhook_secret, update.to_dict())
                    offset = update.update_id + 1
    finally:
        await close_bot(bot)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rasa-url", default=settings.rasa_url())
    parser.add_argument("--timeout", type=int, default=25, help="long-polling timeout in seconds")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")

    config = TelegramConfig.from_env()
    if not config.enabled or not config.secret_is_valid:
        print(
            "Set TELEGRAM_TOKEN and TELEGRAM_WEBHOOK_SECRET (1-256 of A-Z a-z 0-9 _ -) here and "
            "for the Rasa server, e.g.\n  export TELEGRAM_WEBHOOK_SECRET=$(python -c "
            "'import secrets; print(secrets.token_urlsafe(32))')",
            file=sys.stderr,
        )
        return 2
    try:
        asyncio.run(poll(config, args.rasa_url, timeout=args.timeout))
    except KeyboardInterrupt:
        return 0
    except RasaRefused as error:
        print(f"Stopped: {error}.", file=sys.stderr)
        return 1
    except TelegramError as error:
        print(f"Telegram refused: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
