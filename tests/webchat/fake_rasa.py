"""A Sanic app serving only the web chat channel, with a scripted agent instead of a model.

It runs the real channel code, Rasa's real SQL tracker store (on SQLite, the default set-up)
and event classes, so the API and the widget are tested quickly and deterministically without
a trained model.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import UserMessage, register
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.server import configure_cors
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Sanic

from connectors.webchat import WebChatInput, WebChatSettings
from tests.fakes.sanic_server import SanicServer
from vssid.stores import EnvSQLTrackerStore

SECRET = b"fake-webchat-secret-0123456789abcdef"
FORGOT_PASSWORD = (
    "Để lấy lại mật khẩu VssID, bạn làm như sau:\n"
    "1. Mở ứng dụng VssID và chọn **Quên mật khẩu**.\n"
    "2. Nhập mã số BHXH và số điện thoại đã đăng ký.\n"
    "3. Nhập mã OTP gửi về điện thoại.\n\n"
    "Xem thêm tại https://baohiemxahoi.gov.vn. Cần hỗ trợ, gọi 1900.9068."
)
GREETING_BUTTONS = [
    {"title": "Quên mật khẩu", "payload": "/faq/forgot_password"},
    {"title": "Gặp nhân viên", "payload": "/request_human"},
]
# Bot text that tries HTML and a javascript: link; the widget must show it as text.
HOSTILE_BOT_TEXT = '<img src=x onerror="alert(2)"> và [bấm vào đây](javascript:alert(3))'


def scripted_replies(text: str) -> list[dict[str, Any]]:
    """What the fake bot answers to `text` (BotUttered keyword arguments)."""
    lowered = text.lower()
    if text == "/greet":
        return [
            {
                "text": "Xin chào! Tôi là Trợ lý VssID. Bạn cần hỗ trợ gì ạ?",
                "data": {"buttons": GREETING_BUTTONS},
            }
        ]
    if "quên mật khẩu" in lowered or text == "/faq/forgot_password":
        return [{"text": FORGOT_PASSWORD}, {"text": "Bạn còn cần hỗ trợ gì nữa không ạ?"}]
    if text == "/request_human":
        return [{"text": "Tôi đã chuyển yêu cầu tới nhân viên hỗ trợ. Bạn vui lòng chờ trong giây lát."}]
    if text == "html":
        return [{"text": HOSTILE_BOT_TEXT}]
    if text == "boom":
        raise RuntimeError("scripted failure")
    if text == "chậm":
        return [{"text": "Xin lỗi đã để bạn chờ."}]
    return [{"text": f"Bạn vừa hỏi: {text}"}]


class ScriptedAgent:
    """The part of rasa.core.agent.Agent the channel uses: handle_message and tracker_store."""

    def __init__(self, tracker_db: Path) -> None:
        self.tracker_store = FailSafeTrackerStore(
            EnvSQLTrackerStore(Domain.empty(), host=f"sqlite:///{tracker_db}")
        )
        # "chậm" is answered only once the test releases it (or after 30 s), so the test can
        # look at the typing indicator for as long as it needs, however slow the machine.
        self.slow_answer = threading.Event()

    async def handle_message(self, message: UserMessage) -> None:
        if message.text == "chậm":
            for _ in range(600):
                if self.slow_answer.is_set():
                    break
                await asyncio.sleep(0.05)
            self.slow_answer.clear()
        tracker = await self.tracker_store.get_or_create_tracker(message.sender_id)
        tracker.update(
            UserUttered(
                message.text,
                input_channel=message.input_channel,
                message_id=message.message_id,
                metadata=message.metadata,
            )
        )
        for reply in scripted_replies(message.text or ""):
            bot = BotUttered(**reply)
            tracker.update(bot)
            # As Rasa's processor does: the message shares the event's button dicts.
            await message.output_channel.send_response(message.sender_id, bot.message())
        await self.tracker_store.save(tracker)

    async def push(self, sender_id: str, text: str) -> None:
        """A message from outside the conversation, as a hotline agent's reply is."""
        tracker = await self.tracker_store.get_or_create_tracker(sender_id)
        tracker.update(BotUttered(text))
        await self.tracker_store.save(tracker)


class FakeRasa(SanicServer):
    """The web chat channel served by Sanic in a background thread."""

    def __init__(self, tracker_db: Path, settings: WebChatSettings | None = None) -> None:
        # No safety re-read within a poll: a later message must arrive by the store's notification.
        self.settings = settings or WebChatSettings(poll_timeout=2.0, poll_interval=2.0)
        self.agent = ScriptedAgent(tracker_db)
        app = Sanic(f"fake_rasa_{uuid.uuid4().hex[:8]}")
        app.ctx.agent = self.agent
        configure_cors(app, "*")  # as `rasa run --cors "*"` does, for pages on other sites
        self.channel = WebChatInput(self.settings, SECRET)
        register([self.channel], app, route="/webhooks/")
        super().__init__(app, name="fake-rasa")

    def push(self, sender_id: str, text: str) -> None:
        self.call(self.agent.push(sender_id, text))
