"""Fixtures: the fake Bot API, and the Telegram channel served by a small Sanic app.

The Sanic app mounts the channel exactly as Rasa does (``rasa.core.channels.channel.register``)
but with a stub agent: it records each ``UserMessage`` and answers through the real output
channel with canned bot messages, so the real PTB client talks to the fake Bot API.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from rasa.core.channels.channel import UserMessage, register
from sanic import Sanic

from connectors.telegram.channel import TelegramInput
from connectors.telegram.client import SECRET_HEADER, TelegramConfig
from tests.fakes.fake_telegram_api import FakeTelegramAPI
from tests.fakes.sanic_server import SanicServer
from tests.telegram import updates

TOKEN = "123456:TEST-TOKEN"
MARKER = "đánh dấu"
MARKER_REPLY = f"Bạn vừa gửi: {MARKER}"
SECRET = "test-telegram-secret"
LONG_PAYLOAD = '/inform{"location": "Bảo hiểm xã hội Thành phố Hồ Chí Minh, Quận Bình Thạnh"}'
PARAGRAPH = "Đoạn {n}: " + "Bạn mở ứng dụng VssID, chọn mục Cá nhân rồi làm theo hướng dẫn. " * 20

CANNED: dict[str, list[dict[str, Any]]] = {
    "/greet": [
        {
            "text": "Xin chào! Tôi là Trợ lý VssID.",
            "buttons": [
                {"title": "Quên mật khẩu", "payload": "/faq/forgot_password"},
                {"title": "Cơ quan BHXH Bình Thạnh", "payload": LONG_PAYLOAD},
            ],
        }
    ],
    "dài": [
        {
            "text": "\n\n".join(PARAGRAPH.format(n=n).strip() for n in range(1, 6)),
            "buttons": [{"title": "Hữu ích", "payload": "/affirm"}],
        }
    ],
    "html": [
        {"text": "Dùng <VssID> & **mã số BHXH**, xem [hướng dẫn](https://baohiemxahoi.gov.vn/a?b=1&c=2)."}
    ],
    "hai": [{"text": "Tin thứ nhất."}, {"text": "Tin thứ hai."}],
}


@dataclass
class StubAgent:
    """Stands in for Rasa's Agent: records messages, replies with canned bot messages."""

    received: list[UserMessage] = field(default_factory=list)
    # A text listed here is answered only once its event is set (or after 30 s): the test decides
    # when, so what it checks meanwhile does not depend on the machine's speed.
    held: dict[str, threading.Event] = field(default_factory=dict)

    async def handle_message(self, message: UserMessage) -> None:
        self.received.append(message)
        if message.text == "lỗi":
            raise RuntimeError("NLU exploded")
        gate = self.held.get(message.text or "")
        for _ in range(600 if gate else 0):
            if gate.is_set():
                break
            await asyncio.sleep(0.05)
        for reply in CANNED.get(message.text or "", [{"text": f"Bạn vừa gửi: {message.text}"}]):
            await message.output_channel.send_response(message.sender_id, dict(reply))


@dataclass
class Harness:
    """A running Sanic app with the Telegram channel at ``/webhooks/telegram``."""

    url: str
    channel: TelegramInput
    agent: StubAgent
    api: FakeTelegramAPI
    _chat_ids: Iterator[int] = field(default_factory=lambda: itertools.count(900_000_001))

    @property
    def webhook(self) -> str:
        return f"{self.url}/webhooks/telegram/webhook"

    def new_chat(self) -> int:
        return next(self._chat_ids)

    def post(self, update: dict[str, Any], secret: str | None = SECRET) -> requests.Response:
        headers = {SECRET_HEADER: secret} if secret is not None else {}
        return requests.post(self.webhook, json=update, headers=headers, timeout=10)

    def received_by(self, chat_id: int) -> list[UserMessage]:
        return [m for m in self.agent.received if m.sender_id == f"tg-{chat_id}"]

    def texts_received_by(self, chat_id: int) -> list[str]:
        return [m.text or "" for m in self.received_by(chat_id)]

    def texts_sent_to(self, chat_id: int) -> list[str]:
        return [m["text"] for m in self.api.sent_messages(chat_id)]

    def marker(self, chat_id: int) -> None:
        """Send MARKER in `chat_id` and wait for its answer.

        A chat's updates are processed in order, so once the marker is answered anything an
        earlier update caused has happened: tests then assert the chat's exact sequence, which a
        late extra message would break (no fixed sleep).
        """
        self.post(updates.text(chat_id, MARKER))
        self.api.wait_for(lambda api: MARKER_REPLY in self.texts_sent_to(chat_id))


def serve_channel(channel: TelegramInput, agent: Any) -> SanicServer:
    app = Sanic(f"telegram_test_{uuid.uuid4().hex[:8]}")
    app.ctx.agent = agent
    register([channel], app, route="/webhooks/")
    return SanicServer(app, name="sanic-telegram")


@pytest.fixture(scope="session")
def telegram_api() -> Iterator[FakeTelegramAPI]:
    api = FakeTelegramAPI().start()
    yield api
    api.stop()


@pytest.fixture(scope="module")
def harness(telegram_api: FakeTelegramAPI) -> Iterator[Harness]:
    config = TelegramConfig(token=TOKEN, webhook_secret=SECRET, api_base_url=telegram_api.base_url)
    channel = TelegramInput(config)
    agent = StubAgent()
    server = serve_channel(channel, agent).start()
    yield Harness(url=server.url, channel=channel, agent=agent, api=telegram_api)
    server.stop()


@pytest.fixture()
def tg(harness: Harness) -> Iterator[Harness]:
    """The harness with a clean fake API and agent for one test."""
    harness.api.reset()
    harness.agent.received.clear()
    harness.agent.held.clear()
    yield harness
    for gate in harness.agent.held.values():
        gate.set()
