"""Register (or delete) the Telegram webhook of Trợ lý VssID and its /start and /help commands.

    make telegram-webhook URL=https://bot.example.vn
    python scripts/telegram_webhook.py --url https://bot.example.vn [--drop-pending]
    python scripts/telegram_webhook.py --delete

``--url`` is the public base URL of the Rasa server (``/webhooks/telegram/webhook`` is
appended unless already there). Reads TELEGRAM_TOKEN, TELEGRAM_WEBHOOK_SECRET and
TELEGRAM_API_BASE_URL from the environment; the Rasa server needs the same values.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from telegram import BotCommand
from telegram.error import TelegramError

from connectors.telegram.client import ALLOWED_UPDATES, WEBHOOK_PATH, TelegramConfig, close_bot, make_bot
from connectors.telegram.texts import BOT_COMMANDS


def webhook_url(base: str) -> str:
    base = base.strip().rstrip("/")
    return base if base.endswith(WEBHOOK_PATH) else base + WEBHOOK_PATH


async def register(config: TelegramConfig, url: str, *, drop_pending: bool = False) -> str:
    """Set the webhook and the command menu; return a one-line summary."""
    bot = make_bot(config)
    try:
        await bot.set_webhook(
            url,
            secret_token=config.webhook_secret,
            allowed_updates=ALLOWED_UPDATES,
            drop_pending_updates=drop_pending,
            max_connections=40,
        )
        await bot.set_my_commands([BotCommand(name, description) for name, description in BOT_COMMANDS])
        info = await bot.get_webhook_info()
    finally:
        await close_bot(bot)
    return f"Webhook set: {info.url} (pending updates: {info.pending_update_count})"


async def delete(config: TelegramConfig, *, drop_pending: bool = False) -> str:
    bot = make_bot(config)
    try:
        await bot.delete_webhook(drop_pending_updates=drop_pending)
    finally:
        await close_bot(bot)
    return "Webhook deleted."


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--url", help="public https base URL of the Rasa server")
    action.add_argument("--delete", action="store_true", help="remove the webhook (e.g. before polling)")
    parser.add_argument("--drop-pending", action="store_true", help="discard updates Telegram has queued")
    args = parser.parse_args(argv)

    config = TelegramConfig.from_env()
    if not config.enabled:
        print("TELEGRAM_TOKEN is not set.", file=sys.stderr)
        return 2
    try:
        if args.delete:
            print(asyncio.run(delete(config, drop_pending=args.drop_pending)))
            return 0
        if not config.secret_is_valid:
            print(
                "TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z a-z 0-9 _ - "
                "(and the Rasa server must have the same value).",
                file=sys.stderr,
            )
            return 2
        url = webhook_url(args.url)
        if not url.startswith("https://"):
            print(f"Warning: Telegram only delivers to https URLs; {url} may be refused.", file=sys.stderr)
        print(asyncio.run(register(config, url, drop_pending=args.drop_pending)))
    except TelegramError as error:
        print(f"Telegram refused: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
