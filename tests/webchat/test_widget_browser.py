"""The widget in headless Chromium on a 360 px phone screen, against the scripted agent.

These pin down rendering, escaping, persistence and keyboard use deterministically; the same
user journeys against the real trained bot are in test_webchat_e2e.py.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.webchat.conftest import Widget
from tests.webchat.fake_rasa import HOSTILE_BOT_TEXT, FakeRasa

pytestmark = pytest.mark.browser

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def widget(phone: Any, fake_rasa: FakeRasa) -> Widget:
    return Widget(phone, fake_rasa.url).open_demo()


def shadow_count(widget: Widget, selector: str) -> int:
    return widget.page.evaluate(
        "s => document.querySelector('#vssid-webchat').shadowRoot.querySelectorAll(s).length", selector
    )


def test_bot_greets_with_quick_replies(widget: Widget) -> None:
    assert widget.bot.first.inner_text() == "Xin chào! Tôi là Trợ lý VssID. Bạn cần hỗ trợ gì ạ?"
    assert widget.user.count() == 0  # the start payload is sent hidden
    assert widget.quick_reply("Quên mật khẩu").is_visible()


def test_answer_renders_numbered_steps_bold_links_and_line_breaks(widget: Widget) -> None:
    widget.ask("quên mật khẩu")
    answer = widget.bot.nth(1)
    assert answer.locator("ol > li").all_inner_texts() == [
        "Mở ứng dụng VssID và chọn Quên mật khẩu.",
        "Nhập mã số BHXH và số điện thoại đã đăng ký.",
        "Nhập mã OTP gửi về điện thoại.",
    ]
    assert answer.locator("strong").inner_text() == "Quên mật khẩu"
    site = answer.get_by_role("link", name="https://baohiemxahoi.gov.vn")
    assert site.get_attribute("href") == "https://baohiemxahoi.gov.vn/"
    assert site.get_attribute("target") == "_blank"
    assert site.get_attribute("rel") == "noopener noreferrer"
    assert answer.get_by_role("link", name="1900.9068").get_attribute("href") == "tel:19009068"
    assert answer.locator("p").last.inner_text().startswith("Xem thêm tại")  # "." after the URL stays text


def test_quick_reply_sends_its_payload_and_shows_its_label(widget: Widget) -> None:
    bots = widget.bot.count()
    widget.quick_reply("Quên mật khẩu").click()
    widget.wait_for_more_bot_messages(bots)
    assert widget.user.last.inner_text() == "Quên mật khẩu"
    assert "Để lấy lại mật khẩu VssID" in widget.bot.nth(bots).inner_text()
    assert widget.page.locator(".quick-replies").count() == 0


def test_reload_restores_the_conversation(widget: Widget) -> None:
    widget.ask("quên mật khẩu")
    before = (widget.user.all_inner_texts(), widget.bot.all_inner_texts())
    session = widget.session()
    widget.page.reload()
    widget.bot.nth(len(before[1]) - 1).wait_for()
    # A marker sent after the reload: anything extra (e.g. a second greeting) shows up before it.
    widget.ask("đánh dấu")
    assert widget.user.all_inner_texts() == [*before[0], "đánh dấu"]
    assert widget.bot.all_inner_texts() == [*before[1], "Bạn vừa hỏi: đánh dấu"]
    assert widget.session() == session


def test_html_from_the_user_and_the_bot_is_shown_as_text(widget: Widget) -> None:
    widget.ask(SCRIPT)
    assert widget.user.last.inner_text() == SCRIPT
    assert widget.bot.last.inner_text() == f"Bạn vừa hỏi: {SCRIPT}"
    widget.ask("html")
    assert widget.bot.last.inner_text() == HOSTILE_BOT_TEXT
    assert widget.bot.last.get_by_role("link").count() == 0  # javascript: is never a link
    widget.ask("đánh dấu")  # a round trip after the hostile text, instead of a fixed wait
    assert widget.bot.last.inner_text() == "Bạn vừa hỏi: đánh dấu"
    assert widget.dialogs == []
    assert shadow_count(widget, "script, img, iframe") == 0


def test_a_message_pushed_later_appears_without_reload(widget: Widget, fake_rasa: FakeRasa) -> None:
    bots = widget.bot.count()
    fake_rasa.push(f"web-{widget.session()['session_id']}", "Tổng đài viên: Chào bạn, tôi có thể giúp gì?")
    widget.wait_for_more_bot_messages(bots, timeout=10_000)
    assert widget.bot.last.inner_text() == "Tổng đài viên: Chào bạn, tôi có thể giúp gì?"


def test_typing_indicator_shows_while_the_bot_answers(widget: Widget, fake_rasa: FakeRasa) -> None:
    typing = widget.page.get_by_role("status")
    assert typing.is_hidden()
    widget.input.fill("chậm")
    widget.input.press("Enter")
    typing.wait_for(state="visible")  # the answer is held until released below
    assert typing.inner_text() == "Trợ lý đang trả lời…"
    fake_rasa.agent.slow_answer.set()
    typing.wait_for(state="hidden")
    assert widget.bot.last.inner_text() == "Xin lỗi đã để bạn chờ."


def test_works_with_the_keyboard_only(widget: Widget) -> None:
    page = widget.page
    keyboard = page.keyboard
    # Close with Escape: focus returns to the launcher; Enter opens and focuses the input.
    widget.input.focus()
    keyboard.press("Escape")
    launcher = page.get_by_role("button", name="Hỏi Trợ lý VssID")
    assert launcher.evaluate("el => el.getRootNode().activeElement === el")
    assert launcher.get_attribute("aria-expanded") == "false"
    keyboard.press("Enter")
    assert widget.input.evaluate("el => el.getRootNode().activeElement === el")
    # Shift+Tab reaches the quick replies; Enter on one sends it and focus comes back to the input.
    keyboard.press("Shift+Tab")
    focused = page.evaluate(
        "() => document.querySelector('#vssid-webchat').shadowRoot.activeElement.textContent"
    )
    assert focused == "Gặp nhân viên"
    bots = widget.bot.count()
    keyboard.press("Enter")
    widget.wait_for_more_bot_messages(bots)
    assert widget.user.last.inner_text() == "Gặp nhân viên"
    assert widget.input.evaluate("el => el.getRootNode().activeElement === el")
    keyboard.type("quên mật khẩu")
    bots = widget.bot.count()
    keyboard.press("Enter")
    widget.wait_for_more_bot_messages(bots)
    assert widget.user.last.inner_text() == "quên mật khẩu"


def test_accessible_structure(widget: Widget) -> None:
    page = widget.page
    log = page.get_by_role("log", name="Cuộc trò chuyện")
    assert log.get_attribute("aria-live") == "polite"
    assert page.get_by_role("region", name="Trợ lý VssID").is_visible()
    assert page.get_by_role("button", name="Đóng cửa sổ trò chuyện").is_visible()
    assert page.get_by_role("button", name="Gửi").is_visible()
    assert page.get_by_role("group", name="Gợi ý trả lời").get_by_role("button").count() == 2


def test_fits_a_360_px_phone_screen(widget: Widget) -> None:
    widget.ask("quên mật khẩu")
    panel = widget.page.locator(".panel").bounding_box()
    assert panel == {"x": 0, "y": 0, "width": 360, "height": 740}
    for part in (widget.input, widget.page.get_by_role("button", name="Gửi"), widget.bot.nth(1)):
        box = part.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    assert widget.page.evaluate("() => document.documentElement.scrollWidth") <= 360
    assert widget.screenshot("webchat-phone-fake.png").stat().st_size > 10_000


def test_a_session_the_server_no_longer_accepts_is_replaced(phone: Any, fake_rasa: FakeRasa) -> None:
    """E.g. after WEBCHAT_SECRET was rotated: the widget starts a new conversation by itself."""
    phone.goto(f"{fake_rasa.url}/webhooks/webchat/static/widget.css")  # same origin, to set storage
    key = f"vssid-webchat:{fake_rasa.url}/webhooks/webchat/"
    phone.evaluate(
        "([k]) => localStorage.setItem(k, JSON.stringify({session_id: 'A'.repeat(32), token: 'x'}))", [key]
    )
    widget = Widget(phone, fake_rasa.url).open_demo()
    assert widget.bot.first.inner_text().startswith("Xin chào!")
    assert widget.session()["session_id"] != "A" * 32


@pytest.fixture
def other_site(fake_rasa: FakeRasa) -> Iterator[str]:
    """A page on another origin (another port) that embeds the widget with one script tag."""
    html = (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Trang khác</title></head>'
        f'<body><h1>Trang của bạn</h1><script src="{fake_rasa.url}/webhooks/webchat/static/widget.js" '
        "defer></script></body></html>"
    ).encode()

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()


def test_one_script_tag_embeds_the_widget_on_another_site(
    phone: Any, fake_rasa: FakeRasa, other_site: str
) -> None:
    """Cross-origin: the Rasa server answers with CORS headers (`rasa run --cors`)."""
    phone.goto(other_site)
    widget = Widget(phone, fake_rasa.url)
    phone.get_by_role("button", name="Hỏi Trợ lý VssID").click()  # closed by default on other sites
    widget.bot.first.wait_for()
    widget.ask("quên mật khẩu")
    assert "Để lấy lại mật khẩu VssID" in widget.bot.nth(1).inner_text()
    assert phone.evaluate("() => getComputedStyle(document.querySelector('h1')).color") == "rgb(0, 0, 0)"


def test_a_long_answer_is_shown_from_its_top(widget: Widget) -> None:
    widget.page.set_viewport_size({"width": 360, "height": 420})
    widget.ask("quên mật khẩu")
    log = widget.page.get_by_role("log").bounding_box()
    answer = widget.bot.nth(1).bounding_box()
    assert answer["height"] + 60 > log["height"]  # the answer and the next message do not fit
    assert log["y"] <= answer["y"] <= log["y"] + 20


def test_ending_the_conversation_revokes_the_session_and_starts_afresh(
    widget: Widget, fake_rasa: FakeRasa
) -> None:
    import requests

    widget.ask("quên mật khẩu")
    old = widget.session()
    widget.page.get_by_role("button", name="Kết thúc trò chuyện").click()
    widget.page.get_by_role("alert").filter(has_text="Cuộc trò chuyện đã kết thúc").wait_for()
    assert widget.bot.count() == 0 and widget.user.count() == 0
    headers = {"X-Webchat-Session": old["session_id"], "Authorization": f"Bearer {old['token']}"}
    history = f"{fake_rasa.url}/webhooks/webchat/history"
    for _ in range(50):  # the end request is sent in the background
        if requests.get(history, headers=headers, timeout=10).status_code == 401:
            break
        widget.page.wait_for_timeout(100)
    assert requests.get(history, headers=headers, timeout=10).status_code == 401
    widget.ask("xin chào")  # a new session, a new conversation
    assert widget.session()["session_id"] != old["session_id"]
    assert widget.user.all_inner_texts() == ["xin chào"]
