"""Telegram against the real stack: trained model, Rasa server, action server, fake Bot API."""

from __future__ import annotations

import itertools
import time
from typing import Any

import pytest
import requests

from connectors.telegram.client import SECRET_HEADER
from tests.telegram import updates

pytestmark = pytest.mark.e2e

_chats = itertools.count(700_000_001)


@pytest.fixture()
def stack(rasa_stack: Any) -> Any:
    """The real stack; a broken stack is an error here, never a skip."""
    rasa_stack.telegram.reset()
    return rasa_stack


def _post(stack: Any, update: dict, secret: str | None = None) -> requests.Response:
    secret = stack.env["TELEGRAM_WEBHOOK_SECRET"] if secret is None else secret
    return requests.post(
        f"{stack.url}/webhooks/telegram/webhook", json=update, headers={SECRET_HEADER: secret}, timeout=10
    )


def _titles(message: dict) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [button["text"] for row in rows for button in row]


def _greeting(stack: Any, chat: int) -> dict:
    stack.telegram.wait_for(
        lambda api: any("Quên mật khẩu" in _titles(m) for m in api.sent_messages(chat)), timeout=60
    )
    return next(m for m in stack.telegram.sent_messages(chat) if "Quên mật khẩu" in _titles(m))


def test_start_then_button_click_reaches_the_model(stack: Any) -> None:
    chat = next(_chats)
    assert _post(stack, updates.text(chat, "/start")).status_code == 200
    greeting = _greeting(stack, chat)
    assert greeting["text"].startswith("Chào bạn! Bạn cần Trợ lý VssID hỗ trợ gì")

    rows = greeting["reply_markup"]["inline_keyboard"]
    data = next(b["callback_data"] for row in rows for b in row if b["text"] == "Quên mật khẩu")
    seen = len(stack.telegram.sent_messages(chat))
    click = updates.callback(chat, data, message_id=greeting["message_id"])
    assert _post(stack, click).status_code == 200

    stack.telegram.wait_for(lambda api: len(api.sent_messages(chat)) > seen, timeout=60)
    [answer] = stack.telegram.calls_to("answerCallbackQuery")
    assert answer.params["callback_query_id"] == click["callback_query"]["id"]
    tracker = stack.tracker(f"tg-{chat}")
    assert tracker["latest_input_channel"] == "telegram"
    assert tracker["latest_message"]["intent"]["name"].startswith("faq")


def test_typed_question_sticker_and_wrong_secret(stack: Any) -> None:
    chat = next(_chats)
    assert _post(stack, updates.text(chat, "xin chào"), secret="wrong").status_code == 403
    assert _post(stack, updates.sticker(chat)).status_code == 200
    [polite] = stack.telegram.wait_for_messages(chat, 1, timeout=30)
    assert polite["text"].startswith("Xin lỗi, hiện tôi chỉ đọc được tin nhắn dạng chữ.")

    assert _post(stack, updates.text(chat, "xin chào")).status_code == 200
    assert _greeting(stack, chat)["text"].startswith("Chào bạn!")


def test_rasa_execute_pushes_through_the_telegram_output(stack: Any) -> None:
    """What escalation relies on: Rasa sends to a Telegram user without a user message."""
    chat = next(_chats)
    assert _post(stack, updates.text(chat, "cam on ban")).status_code == 200
    stack.telegram.wait_for_messages(chat, 2, timeout=60)  # session welcome + you're welcome
    # Rasa stores the tracker after the replies went out: wait for it, or /execute finds nothing.
    deadline = time.monotonic() + 60
    while "bot" not in stack.stored_events(f"tg-{chat}"):
        assert time.monotonic() < deadline, "the conversation was never stored"
        time.sleep(0.2)
    stack.telegram.reset()
    response = requests.post(
        f"{stack.url}/conversations/tg-{chat}/execute",
        params={"output_channel": "telegram", "token": stack.api_token},
        json={"name": "utter_greet"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    assert _greeting(stack, chat)["text"].startswith("Chào bạn! Bạn cần Trợ lý VssID hỗ trợ gì")
