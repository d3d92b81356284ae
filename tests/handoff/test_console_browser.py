"""The console page in headless Chromium: log in, see the queue live, claim, reply, resolve."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta

import pytest

from tests.handoff.console_server import AGENT_TOKEN, ConsoleServer
from vssid.db.base import utcnow
from vssid.db.engine import new_session
from vssid.services import tickets as queue

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("fresh_database_url", ["sqlite"], indirect=True)]

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is not installed (make setup-browser)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield browser
        browser.close()


def _open(conversation_id: str, channel: str, minutes_ago: int, text: str) -> int:
    with new_session() as session:
        ticket, _ = queue.open_ticket(
            session,
            conversation_id=conversation_id,
            channel=channel,
            sender_id=conversation_id[3:],
            topic="faq/forgot_password",
            reason=queue.REASON_REQUEST_HUMAN,
            transcript=[queue.TranscriptLine("user", text)],
            now=utcnow() - timedelta(minutes=minutes_ago),
        )
        return ticket.id


def test_agent_works_a_ticket_in_the_page(browser, console: ConsoleServer) -> None:
    from playwright.sync_api import expect

    older = _open("tg-5001", "telegram", 12, "Mã BHXH 7912345678 không đăng nhập được")
    newer = _open("web-abc", "webchat", 1, "Cho tôi gặp nhân viên")
    page = browser.new_page(locale="vi-VN")
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "401" not in m.text else None)

    page.goto(f"{console.url}/webhooks/agent/")
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    page.get_by_label("Mã truy cập").fill("sai-mã")
    page.get_by_role("button", name="Vào hàng chờ").click()
    expect(page.get_by_role("alert")).to_have_text("Mã truy cập không đúng hoặc đã hết hiệu lực.")

    page.get_by_label("Mã truy cập").fill(AGENT_TOKEN)
    page.get_by_role("button", name="Vào hàng chờ").click()
    items = page.locator("#queue li")
    expect(items).to_have_count(2)
    assert items.nth(0).get_attribute("data-ticket-id") == str(older)  # oldest first
    expect(items.nth(0)).to_contain_text("chờ 12 phút")
    expect(items.nth(0)).to_contain_text("Đang chờ")
    assert page.evaluate("sessionStorage.getItem('vssid_agent_token')") == AGENT_TOKEN
    assert page.evaluate("localStorage.length") == 0

    # a new ticket shows up without a reload
    latest = _open("web-new", "webchat", 0, "Alo")
    expect(items).to_have_count(3, timeout=6000)
    assert items.nth(2).get_attribute("data-ticket-id") == str(latest)

    items.nth(0).click()
    expect(page.locator("#ticket-title")).to_have_text(f"Yêu cầu #{older} — Đang chờ")
    expect(page.locator("#transcript li")).to_have_count(1)
    expect(page.locator("#transcript")).to_contain_text("Mã BHXH xxxxxxx678 không đăng nhập được")
    expect(page.locator("#send")).to_be_disabled()

    page.get_by_role("button", name="Nhận xử lý").click()
    expect(page.locator("#ticket-title")).to_have_text(f"Yêu cầu #{older} — Đang xử lý")
    page.get_by_label("Trả lời người dùng").fill("Chào bạn, tôi là Lan. Bạn thử đặt lại mật khẩu nhé.")
    page.get_by_role("button", name="Gửi").click()
    agent_line = page.locator("#transcript li.agent")
    expect(agent_line).to_contain_text("Nhân viên Lan")
    expect(agent_line).to_contain_text("Bạn thử đặt lại mật khẩu nhé.")
    assert [(c.conversation_id, c.action, c.output_channel) for c in console.calls] == [
        ("tg-5001", "action_deliver_agent_replies", "telegram")
    ]

    # the user's new message shows up without a reload
    with new_session() as session:
        queue.append_user_message(session, conversation_id="tg-5001", text="<b>Cảm ơn</b>, được rồi ạ")
    last_user_line = page.locator("#transcript li.user").last
    expect(last_user_line).to_contain_text("<b>Cảm ơn</b>, được rồi ạ", timeout=6000)

    page.get_by_role("button", name="Kết thúc hỗ trợ").click()
    expect(page.locator("#ticket-title")).to_have_text(f"Yêu cầu #{older} — Đã xong")
    expect(items).to_have_count(2)
    assert console.calls[-1].action == "action_handoff_resolved"
    with new_session() as session:
        assert queue.get_ticket(session, ticket_id=older).status == "resolved"
        assert queue.get_ticket(session, ticket_id=newer).status == "open"
    assert errors == []
    page.close()


def test_someone_elses_ticket_cannot_be_answered(browser, console: ConsoleServer) -> None:
    from playwright.sync_api import expect

    ticket_id = _open("web-held", "webchat", 3, "Xin chào")
    with new_session() as session:
        queue.claim_ticket(session, ticket_id=ticket_id, agent="Minh")
    page = browser.new_page(locale="vi-VN")
    page.goto(f"{console.url}/webhooks/agent/")
    page.get_by_label("Mã truy cập").fill(AGENT_TOKEN)
    page.get_by_role("button", name="Vào hàng chờ").click()
    page.locator("#queue li").first.click()
    expect(page.locator("#ticket-meta")).to_contain_text("Minh")
    expect(page.get_by_role("button", name="Nhận xử lý")).to_be_disabled()
    expect(page.get_by_role("button", name="Gửi")).to_be_disabled()
    expect(page.get_by_role("button", name="Kết thúc hỗ trợ")).to_be_disabled()
    page.close()
