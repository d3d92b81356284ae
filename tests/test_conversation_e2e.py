"""Core conversations through the REST channel of a running Rasa server and action server."""

from __future__ import annotations

import pytest

from tests.conftest import new_sender

pytestmark = pytest.mark.e2e


def _all_text(messages: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


def test_first_message_is_greeted_and_answered(rasa_stack) -> None:
    messages = rasa_stack.send(new_sender(), "quen mat khau vssid thi lam the nao")
    text = _all_text(messages)
    assert "Trợ lý VssID" in messages[0]["text"]
    assert "8079" in text  # the SMS recovery number from the forgot_password answer


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("doi sdt tren vssid ntn", "Thông tin tài khoản cá nhân"),
        ("mat sim roi ko nhan dc otp vssid", "hủy tài khoản cũ"),
        ("mk vssid bi quen, lay lai sao", "8079"),
        ("tong dai ho tro vssid so may", "1900.9068"),
    ],
)
def test_unaccented_and_teencode_questions_get_the_right_answer(
    rasa_stack, message: str, expected: str
) -> None:
    assert expected in _all_text(rasa_stack.send(new_sender(), message))


def test_faq_button_payload_answers_exactly_that_topic(rasa_stack) -> None:
    sender = new_sender()
    rasa_stack.send(sender, "xin chào")
    answer = _all_text(rasa_stack.send(sender, "/faq/lost_phone"))
    assert "hủy tài khoản cũ" in answer
    assert "Thông tin tài khoản cá nhân" not in answer  # not the change_phone steps


def test_answers_carry_buttons_to_related_topics(rasa_stack) -> None:
    messages = rasa_stack.send(new_sender(), "/faq/change_phone")
    buttons = [b for m in messages for b in m.get("buttons", [])]
    assert any(b["payload"].startswith("/faq/") for b in buttons)


def test_fallback_offers_closest_topics_then_hands_over(rasa_stack) -> None:
    sender = new_sender()
    rasa_stack.send(sender, "xin chào")
    first = rasa_stack.send(sender, "zxqv blorp kwyjibo")
    assert "diễn đạt lại" in _all_text(first)
    buttons = [b for m in first for b in m.get("buttons", [])]
    assert 2 <= len(buttons) <= 4
    assert {"title": "Gặp nhân viên hỗ trợ", "payload": "/request_human"} in buttons
    second = _all_text(rasa_stack.send(sender, "qwrtp zzkx vlorb"))
    assert "diễn đạt lại" not in second
    assert "1900.9068" in second or "nhân viên" in second


def test_out_of_scope_is_polite_and_offers_the_hotline(rasa_stack) -> None:
    text = _all_text(rasa_stack.send(new_sender(), "hom nay thoi tiet ha noi the nao"))
    assert "1900.9068" in text


def test_conversation_survives_a_restart(rasa_stack) -> None:
    sender = new_sender()
    rasa_stack.send(sender, "quên mật khẩu vssid")
    before = [e for e in rasa_stack.tracker(sender)["events"] if e["event"] == "user"]
    rasa_stack.restart()
    after = [e for e in rasa_stack.tracker(sender)["events"] if e["event"] == "user"]
    assert [e["text"] for e in after] == [e["text"] for e in before]
