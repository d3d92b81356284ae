"""Escalation against the real stack (`rasa_stack`): trained model, Rasa, action server, fake Telegram.

A web widget user and a Telegram user each ask for a person; an agent works both tickets
through the console's HTTP API; each user gets the reply on their own channel; the bot resumes
and asks for a rating. Then the same with a restart of both servers in the middle.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from connectors.telegram.client import SECRET_HEADER
from tests.conftest import ALWAYS_OPEN, new_address
from tests.telegram import updates
from vssid.db.base import utcnow
from vssid.services.tickets import HotlineHours

pytestmark = pytest.mark.e2e

_chats = itertools.count(810_000_001)
RATING_QUESTION = "Vấn đề của bạn đã được giải quyết chưa ạ?"


@pytest.fixture
def stack(rasa_stack: Any) -> Any:
    rasa_stack.telegram.reset()
    return rasa_stack


def _until(check: Callable[[], Any], timeout: float = 60, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.3)


class Web:
    """A web widget user, through the widget's HTTP API, from a client address of their own (the
    stack counts sessions and tickets per address)."""

    def __init__(self, stack: Any) -> None:
        self.base = f"{stack.url}/webhooks/webchat"
        address = {"X-Forwarded-For": new_address()}
        session = requests.post(f"{self.base}/session", headers=address, timeout=10).json()
        self.sender = f"web-{session['session_id']}"
        self.headers = {
            **address,
            "X-Webchat-Session": session["session_id"],
            "Authorization": f"Bearer {session['token']}",
        }
        self.cursor = 0
        self.seen: list[dict[str, Any]] = []

    def say(self, text: str, title: str | None = None) -> list[str]:
        body: dict[str, Any] = {"text": text, "after": self.cursor, **({"title": title} if title else {})}
        page = requests.post(f"{self.base}/message", json=body, headers=self.headers, timeout=60)
        page.raise_for_status()
        return self._take(page.json())

    def _take(self, page: dict[str, Any]) -> list[str]:
        self.cursor = page["cursor"]
        bots = [e for e in page["events"] if e["type"] == "bot"]
        self.seen += bots
        return [e["text"] for e in bots]

    def wait_for(self, fragment: str, timeout: float = 60) -> dict[str, Any]:
        def arrived() -> dict[str, Any] | None:
            found = next((e for e in self.seen if fragment in e["text"]), None)
            if found is None:
                page = requests.get(
                    f"{self.base}/events", params={"after": self.cursor}, headers=self.headers, timeout=60
                ).json()
                self._take(page)
                found = next((e for e in self.seen if fragment in e["text"]), None)
            return found

        return _until(arrived, timeout, f"web message {fragment!r}")


class TelegramUser:
    def __init__(self, stack: Any) -> None:
        self.stack = stack
        self.chat = next(_chats)
        self.sender = f"tg-{self.chat}"

    def post(self, update: dict[str, Any]) -> None:
        answer = requests.post(
            f"{self.stack.url}/webhooks/telegram/webhook",
            json=update,
            timeout=10,
            headers={SECRET_HEADER: self.stack.env["TELEGRAM_WEBHOOK_SECRET"]},
        )
        assert answer.status_code == 200

    def say(self, text: str) -> None:
        self.post(updates.text(self.chat, text))

    def click(self, title: str) -> None:
        message = self.wait_for_button(title)
        data = next(
            b["callback_data"]
            for row in message["reply_markup"]["inline_keyboard"]
            for b in row
            if b["text"] == title
        )
        self.post(updates.callback(self.chat, data, message_id=message["message_id"]))

    def messages(self) -> list[dict[str, Any]]:
        return self.stack.telegram.sent_messages(self.chat)

    def wait_for(self, fragment: str, timeout: float = 60) -> dict[str, Any]:
        return _until(
            lambda: next((m for m in self.messages() if fragment in m["text"]), None),
            timeout,
            f"Telegram message {fragment!r}",
        )

    def wait_for_button(self, title: str, timeout: float = 60) -> dict[str, Any]:
        def with_button() -> dict[str, Any] | None:
            for message in reversed(self.messages()):
                rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
                if any(b["text"] == title for row in rows for b in row):
                    return message
            return None

        return _until(with_button, timeout, f"Telegram button {title!r}")


class Agent:
    """A hotline agent using the console's HTTP API, from a client address of their own."""

    def __init__(self, stack: Any, name: str) -> None:
        self.api = f"{stack.url}/webhooks/agent/api"
        self.headers = {
            "Authorization": f"Bearer {stack.agent_token(name)}",
            "X-Forwarded-For": new_address(),
        }
        self.name = name

    def queue(self, everything: bool = False) -> list[dict[str, Any]]:
        """The whole queue in the console's order, every page of it: the stack is shared, so
        other tests' tickets may fill the first pages."""
        tickets: list[dict[str, Any]] = []
        page = 1
        while True:
            params = {"page": str(page), "per_page": "200", **({"all": "1"} if everything else {})}
            answer = requests.get(f"{self.api}/tickets", params=params, headers=self.headers, timeout=10)
            answer.raise_for_status()
            body = answer.json()
            tickets += body["tickets"]
            if not body["tickets"] or len(tickets) >= body["total"]:
                return tickets
            page += 1

    def ticket_of(self, sender: str, everything: bool = False) -> dict[str, Any]:
        return next(t for t in self.queue(everything) if t["conversation_id"] == sender)

    def transcript(self, ticket_id: int) -> list[str]:
        answer = requests.get(f"{self.api}/tickets/{ticket_id}", headers=self.headers, timeout=10)
        return [m["text"] for m in answer.json()["messages"]]

    def post(self, ticket_id: int, action: str, **body: Any) -> requests.Response:
        return requests.post(
            f"{self.api}/tickets/{ticket_id}/{action}",
            json=body,
            headers=self.headers,
            timeout=60,
        )


IN_HOURS_TEXT = "Tôi đã chuyển cuộc trò chuyện cho nhân viên tổng đài"


def _handoff_text() -> str:
    """What the bot says right after the escalation: the test stack's hotline never closes
    (HOTLINE_HOURS=00:00-24:00); the after-hours branch has its own test below."""
    return IN_HOURS_TEXT


def _hours_closed_now() -> tuple[str, str]:
    """HOTLINE_HOURS of a one-hour window starting two hours from now (Hà Nội time), and how
    the bot describes it."""
    hour = utcnow().astimezone(ZoneInfo(HotlineHours.zone)).hour
    opens, closes = (hour + 2) % 24, (hour + 3) % 24
    return f"{opens:02d}:00-{closes:02d}:00", f"{opens}:00–{closes}:00"


def _escalate(stack: Any) -> tuple[Web, TelegramUser]:
    web = Web(stack)
    web.say("/greet")
    said = web.say("/request_human", title="Gặp nhân viên")
    assert any(_handoff_text() in text for text in said), said
    assert "Nếu muốn nhân viên gọi lại" in said[-1]

    tg = TelegramUser(stack)
    tg.say("/start")
    tg.click("Gặp nhân viên")
    tg.wait_for(_handoff_text())
    tg.wait_for("Nếu muốn nhân viên gọi lại")
    return web, tg


def test_two_channels_escalate_and_an_agent_answers_each(stack: Any) -> None:
    web, tg = _escalate(stack)
    agent = Agent(stack, "Lan")

    # While the tickets are open the bot only relays; personal numbers are masked for the agent.
    assert web.say("0912 345 678") == [
        "Tôi đã ghi lại số điện thoại 09xx xxx 678 để nhân viên gọi lại khi cần. "
        "Bạn vui lòng chờ nhân viên trả lời nhé."
    ]
    assert web.say("quên mật khẩu, mã bhxh 7912345678") == [
        "Tôi đã chuyển tin nhắn của bạn cho nhân viên. Những tin nhắn tiếp theo cũng sẽ được chuyển đến "
        "nhân viên cho tới khi kết thúc hỗ trợ."
    ]
    assert web.say("xin chào") == []  # no bot answer while an agent holds the conversation
    tg.click("Không cần gọi lại")
    tg.wait_for("Nhân viên sẽ trả lời bạn ngay tại đây")

    queue = agent.queue()
    web_ticket, tg_ticket = agent.ticket_of(web.sender), agent.ticket_of(tg.sender)
    assert [t["id"] for t in queue].index(web_ticket["id"]) < [t["id"] for t in queue].index(tg_ticket["id"])
    assert (web_ticket["channel"], tg_ticket["channel"]) == ("webchat", "telegram")
    assert web_ticket["status"] == "open" and web_ticket["callback_phone"] == "0912345678"
    transcript = agent.transcript(web_ticket["id"])
    assert "quên mật khẩu, mã bhxh xxxxxxx678" in transcript and "xin chào" in transcript
    assert not any("7912345678" in line for line in transcript)

    for ticket in (web_ticket, tg_ticket):
        assert agent.post(ticket["id"], "claim").status_code == 200
        assert Agent(stack, "Minh").post(ticket["id"], "claim").status_code == 409
        text = f"Chào bạn, tôi là Lan. Yêu cầu {ticket['id']} đã nhận."
        reply = agent.post(ticket["id"], "reply", text=text)
        assert reply.status_code == 201 and reply.json()["delivered"] is True
    web.wait_for(f"Nhân viên Lan: Chào bạn, tôi là Lan. Yêu cầu {web_ticket['id']} đã nhận.")
    tg.wait_for(f"Nhân viên Lan: Chào bạn, tôi là Lan. Yêu cầu {tg_ticket['id']} đã nhận.")

    # the reply is a bot turn in the tracker, like any other
    # (stored right after it was sent: wait for it rather than read once)
    agent_reply = f"Nhân viên Lan: Chào bạn, tôi là Lan. Yêu cầu {tg_ticket['id']} đã nhận."
    _until(
        lambda: (
            agent_reply in [e.get("text") for e in stack.tracker(tg.sender)["events"] if e["event"] == "bot"]
        ),
        30,
        "the agent's reply in the tracker",
    )

    tg.say("cảm ơn chị, tôi làm được rồi")
    _until(lambda: "cảm ơn chị, tôi làm được rồi" in agent.transcript(tg_ticket["id"]), 30, "relayed message")

    for ticket in (web_ticket, tg_ticket):
        resolved = agent.post(ticket["id"], "resolve")
        assert resolved.status_code == 200 and resolved.json()["notified"] is True
    rating = web.wait_for(RATING_QUESTION)
    assert [b["title"] for b in rating["buttons"]] == ["👍 Đã giải quyết", "👎 Chưa giải quyết"]
    tg.wait_for_button("👍 Đã giải quyết")
    assert not {web.sender, tg.sender} & {t["conversation_id"] for t in agent.queue()}

    # one tap stores the rating; the bot answers again
    thanks = web.say(rating["buttons"][0]["payload"], title="👍 Đã giải quyết")
    assert thanks == ["Cảm ơn bạn đã đánh giá! Bạn còn cần hỗ trợ gì nữa không ạ?"]
    tg.click("👎 Chưa giải quyết")
    tg.wait_for("Rất tiếc vì vấn đề của bạn chưa được giải quyết.")
    assert agent.ticket_of(web.sender, everything=True)["rating"] == "good"
    _until(lambda: agent.ticket_of(tg.sender, everything=True)["rating"] == "bad", 30, "Telegram rating")

    greeting = web.say("/greet")
    assert greeting and greeting[0].startswith("Chào bạn!")  # the bot answers again


def test_escalating_twice_keeps_one_ticket(stack: Any) -> None:
    web = Web(stack)
    web.say("/greet")
    web.say("/request_human", title="Gặp nhân viên")
    again = web.say("/request_human", title="Gặp nhân viên")  # relayed: the ticket is already open
    assert again == [
        "Tôi đã chuyển tin nhắn của bạn cho nhân viên. Những tin nhắn tiếp theo cũng sẽ được "
        "chuyển đến nhân viên cho tới khi kết thúc hỗ trợ."
    ]
    agent = Agent(stack, "Lan")
    assert [t["conversation_id"] for t in agent.queue()].count(web.sender) == 1
    assert agent.post(agent.ticket_of(web.sender)["id"], "resolve").status_code == 200


@pytest.fixture
def hotline_closed(stack: Any) -> Iterator[str]:
    """The action server restarted with hours that exclude now; restored afterwards.

    Yields the hours as the bot describes them."""
    spec, described = _hours_closed_now()
    stack.restart_actions(HOTLINE_HOURS=spec)
    try:
        yield described
    finally:
        stack.restart_actions(HOTLINE_HOURS=ALWAYS_OPEN)


def test_after_hours_escalation_names_the_hours_and_keeps_the_ticket(stack: Any, hotline_closed: str) -> None:
    web = Web(stack)
    web.say("/greet")
    said = web.say("/request_human", title="Gặp nhân viên")
    agent = Agent(stack, "Lan")
    ticket = agent.ticket_of(web.sender)
    described = hotline_closed
    # The chat agents have hours; the hotline itself is 24/7 (per the seed), and the message says so.
    assert said == [
        f"Hiện đã ngoài giờ trực của nhân viên hỗ trợ qua trò chuyện (từ {described} hằng ngày). Yêu cầu "
        f"của bạn đã được ghi nhận (yêu cầu số {ticket['id']}) và nhân viên sẽ trả lời bạn ngay tại đây "
        "khi vào ca trực. Nếu cần gấp, bạn có thể gọi tổng đài 1900.9068, tổng đài hoạt động 24/7.",
        "Nếu muốn nhân viên gọi lại, bạn có thể nhập số điện thoại của mình (không bắt buộc).",
    ]
    assert ticket["status"] == "open"
    assert agent.post(ticket["id"], "resolve").status_code == 200


def test_restart_in_the_middle_loses_nothing(stack: Any) -> None:
    web, tg = _escalate(stack)
    agent = Agent(stack, "Hoa")
    web.say("tôi đổi số điện thoại, không nhận được OTP")
    tg_ticket = agent.ticket_of(tg.sender)
    assert agent.post(tg_ticket["id"], "claim").status_code == 200
    ours = {web.sender, tg.sender}  # other tests' tickets may come and go in the shared queue

    def state() -> dict[int, tuple[Any, ...]]:
        return {
            t["id"]: (t["status"], t["assigned_agent"], t["user_messages"])
            for t in agent.queue()
            if t["conversation_id"] in ours
        }

    before = state()
    assert len(before) == 2

    stack.restart()

    after = state()
    assert after == before
    web_ticket = agent.ticket_of(web.sender)
    assert "tôi đổi số điện thoại, không nhận được OTP" in agent.transcript(web_ticket["id"])

    # the conversations are still handed over: messages are relayed, not answered
    assert web.say("vẫn chưa được ạ") == []
    assert "vẫn chưa được ạ" in agent.transcript(web_ticket["id"])
    assert agent.post(web_ticket["id"], "claim").status_code == 200
    assert agent.post(web_ticket["id"], "reply", text="Bạn kiểm tra sóng điện thoại nhé.").status_code == 201
    web.wait_for("Nhân viên Hoa: Bạn kiểm tra sóng điện thoại nhé.")
    assert agent.post(tg_ticket["id"], "reply", text="Chào bạn!").status_code == 201
    tg.wait_for("Nhân viên Hoa: Chào bạn!")
    for ticket in (web_ticket, tg_ticket):
        assert agent.post(ticket["id"], "resolve").status_code == 200
    web.wait_for(RATING_QUESTION)
    tg.wait_for(RATING_QUESTION)
