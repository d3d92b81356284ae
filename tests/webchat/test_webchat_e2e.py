"""The widget against the real stack: trained model, action server and Rasa server (`rasa_stack`).

One conversation logic: the answers are the ones the REST and Telegram channels give, taken
from kb/; the channel only carries and renders them.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
import yaml

from tests.conftest import new_address
from tests.webchat.conftest import WebSession, Widget
from vssid.settings import PROJECT_ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

SCRIPT = "<script>alert(1)</script>"


def kb_answer(topic: str) -> tuple[str, str]:
    """The first line and the first numbered step of a kb/ answer."""
    answer = yaml.safe_load((PROJECT_ROOT / "kb" / f"{topic}.yml").read_text(encoding="utf-8"))["answer"]
    lines = [line.strip() for line in answer.splitlines() if line.strip()]
    first_step = next(line for line in lines if line.startswith("1. "))
    return lines[0], first_step[len("1. ") :]


@pytest.fixture
def widget(phone: Any, rasa_stack: Any) -> Widget:
    # A user of their own: the stack counts web chat sessions and messages per client address.
    phone.context.set_extra_http_headers({"X-Forwarded-For": new_address()})
    return Widget(phone, rasa_stack.url).open_demo()


def wait_for_text(widget: Widget, text: str, timeout: float = 30_000) -> None:
    widget.page.locator(".msg-bot", has_text=text).last.wait_for(timeout=timeout)


def test_ask_about_a_forgotten_password_and_see_the_answer(widget: Widget) -> None:
    first_line, first_step = kb_answer("forgot_password")
    widget.ask("quên mật khẩu")
    wait_for_text(widget, first_line)
    answer = widget.page.locator(".msg-bot", has_text=first_line).last
    assert answer.locator("ol > li").first.inner_text() == first_step  # "<mã số BHXH>" shown as text
    widget.screenshot("webchat-phone.png")


def test_quick_reply_from_the_greeting(widget: Widget) -> None:
    first_line, _ = kb_answer("forgot_password")
    widget.quick_reply("Quên mật khẩu").first.click()
    wait_for_text(widget, first_line)
    assert widget.user.last.inner_text() == "Quên mật khẩu"


def test_reload_shows_the_history(widget: Widget, rasa_stack: Any) -> None:
    first_line, _ = kb_answer("forgot_password")
    widget.quick_reply("Quên mật khẩu").first.click()
    wait_for_text(widget, first_line)
    before = (widget.user.all_inner_texts(), widget.bot.all_inner_texts())
    widget.page.reload()
    widget.bot.nth(len(before[1]) - 1).wait_for()
    assert (widget.user.all_inner_texts(), widget.bot.all_inner_texts()) == before
    widget.screenshot("webchat-phone-history.png")
    # Instead of a fixed wait: a marker after the reload, then the server's own record. Anything
    # the reload caused (e.g. a second greeting) would stand between the history and the marker.
    widget.ask("cảm ơn")
    events = WebSession(rasa_stack.url, widget.session()).history()["events"]
    marker = events.index(next(e for e in events if e["type"] == "user" and e["text"] == "cảm ơn"))
    assert [e["text"] for e in events[:marker] if e["type"] == "user"] == before[0]
    # bot texts are markdown on the server and rendered in the widget: compare how many
    assert len([e for e in events[:marker] if e["type"] == "bot"]) == len(before[1])
    assert widget.user.all_inner_texts() == [*before[0], "cảm ơn"]


def test_script_is_shown_as_text(widget: Widget) -> None:
    widget.ask(SCRIPT)  # waits for the bot's answer: the script had every chance to run
    assert widget.user.last.inner_text() == SCRIPT
    assert widget.dialogs == []
    assert (
        widget.page.evaluate(
            "() => document.querySelector('#vssid-webchat').shadowRoot.querySelectorAll('script').length"
        )
        == 0
    )


def test_a_message_pushed_through_the_rasa_api_appears(widget: Widget, rasa_stack: Any) -> None:
    """What the agent console does: `POST /conversations/<id>/execute?output_channel=webchat`."""
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    goodbye = domain["responses"]["utter_goodbye"][0]["text"]
    bots = widget.bot.count()
    sender_id = f"web-{widget.session()['session_id']}"
    response = requests.post(
        f"{rasa_stack.url}/conversations/{sender_id}/execute",
        params={"output_channel": "webchat", "token": rasa_stack.api_token},
        json={"name": "utter_goodbye"},
        timeout=30,
    )
    response.raise_for_status()
    assert "messages" not in response.json()  # Rasa used the channel's own output, not a collector
    widget.wait_for_more_bot_messages(bots, timeout=15_000)
    assert widget.bot.last.inner_text() == goodbye


def test_the_conversation_belongs_to_the_web_sender(widget: Widget, rasa_stack: Any) -> None:
    tracker = rasa_stack.tracker(f"web-{widget.session()['session_id']}")
    assert tracker["latest_input_channel"] == "webchat"
