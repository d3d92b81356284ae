"""The Telegram webhook end to end against the fake Bot API, with a stub in place of Rasa."""

from __future__ import annotations

import threading

import pytest

from tests.telegram import updates
from tests.telegram.conftest import LONG_PAYLOAD, MARKER, MARKER_REPLY, SECRET, TOKEN, Harness


def _keyboard(message: dict) -> list[tuple[str, str]]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [(button["text"], button["callback_data"]) for row in rows for button in row]


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", SECRET + "x"])
def test_wrong_or_missing_secret_is_refused(tg: Harness, secret: str | None) -> None:
    chat = tg.new_chat()
    response = tg.post(updates.text(chat, "xin chào"), secret=secret)
    assert response.status_code == 403
    tg.marker(chat)
    assert tg.texts_received_by(chat) == [MARKER]
    assert tg.texts_sent_to(chat) == [MARKER_REPLY]


def test_body_that_is_not_an_update_is_rejected(tg: Harness) -> None:
    import requests

    response = requests.post(
        tg.webhook,
        data=b"not json",
        timeout=5,
        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert tg.post({"message": {}}).status_code == 400


def test_health_route_says_enabled(tg: Harness) -> None:
    import requests

    assert requests.get(f"{tg.url}/webhooks/telegram/", timeout=5).json() == {"status": "ok", "enabled": True}


def test_start_greets_with_inline_keyboard(tg: Harness) -> None:
    chat = tg.new_chat()
    assert tg.post(updates.text(chat, "/start")).status_code == 200

    [greeting] = tg.api.wait_for_messages(chat, 1)
    assert greeting["text"] == "Xin chào! Tôi là Trợ lý VssID."
    assert [title for title, _ in _keyboard(greeting)] == ["Quên mật khẩu", "Cơ quan BHXH Bình Thạnh"]
    assert all(len(data.encode()) <= 64 for _, data in _keyboard(greeting))
    [message] = tg.received_by(chat)
    assert message.text == "/greet"
    assert message.input_channel == "telegram"
    assert message.metadata["telegram"]["chat_id"] == chat
    assert tg.api.calls_to("sendChatAction"), "the user should see 'typing…'"


def test_button_click_sends_full_payload_and_answers_callback(tg: Harness) -> None:
    chat = tg.new_chat()
    tg.post(updates.text(chat, "/start"))
    [greeting] = tg.api.wait_for_messages(chat, 1)
    _, data = _keyboard(greeting)[1]
    assert len(LONG_PAYLOAD.encode()) > 64

    click = updates.callback(chat, data, message_id=greeting["message_id"])
    assert tg.post(click).status_code == 200

    messages = tg.api.wait_for_messages(chat, 2)
    assert messages[1]["text"] == f"Bạn vừa gửi: {LONG_PAYLOAD}"
    assert tg.received_by(chat)[-1].text == LONG_PAYLOAD
    [answer] = tg.api.calls_to("answerCallbackQuery")
    assert answer.params["callback_query_id"] == click["callback_query"]["id"]
    assert messages[0]["reply_markup"] is None, "the clicked keyboard is removed"


def test_unknown_button_is_answered_and_not_sent_to_rasa(tg: Harness) -> None:
    chat = tg.new_chat()
    click = updates.callback(chat, "b:forgotten000000")
    tg.post(click)
    tg.api.wait_for(lambda api: api.calls_to("answerCallbackQuery"))
    [answer] = tg.api.calls_to("answerCallbackQuery")
    assert answer.params["text"] == "Nút này đã hết hạn. Bạn vui lòng gõ lại câu hỏi nhé."
    tg.marker(chat)
    assert tg.texts_received_by(chat) == [MARKER]
    assert tg.texts_sent_to(chat) == [MARKER_REPLY]


def test_typed_command_is_not_an_intent(tg: Harness) -> None:
    chat = tg.new_chat()
    tg.post(updates.text(chat, '/request_human{"phone": "0912345678"}'))
    tg.api.wait_for_messages(chat, 1)
    assert tg.received_by(chat)[0].text == 'request_human{"phone": "0912345678"}'


def test_help_lists_topics_with_buttons(tg: Harness) -> None:
    chat = tg.new_chat()
    tg.post(updates.text(chat, "/help"))
    [help_message] = tg.api.wait_for_messages(chat, 1)
    assert help_message["text"].startswith("Tôi có thể giúp bạn về các chủ đề dưới đây.")
    titles = [title for title, _ in _keyboard(help_message)]
    assert "Gặp nhân viên" in titles and len(titles) >= 3
    assert tg.received_by(chat) == []

    _, data = _keyboard(help_message)[-1]
    tg.post(updates.callback(chat, data, message_id=help_message["message_id"]))
    tg.api.wait_for_messages(chat, 2)
    assert tg.received_by(chat)[0].text == "/request_human"


def test_long_answer_is_split_at_paragraphs_with_buttons_on_last_part(tg: Harness) -> None:
    chat = tg.new_chat()
    tg.post(updates.text(chat, "dài"))
    tg.api.wait_for(lambda api: len(api.sent_messages(chat)) >= 2)
    tg.marker(chat)
    *parts, marker = tg.api.sent_messages(chat)
    assert marker["text"] == MARKER_REPLY
    assert all(len(part["text"]) <= 4096 for part in parts)
    assert parts[0]["text"].startswith("Đoạn 1:")
    assert all(part["text"].rstrip().endswith("hướng dẫn.") for part in parts), "split between paragraphs"
    assert " ".join(p["text"] for p in parts).count("Đoạn") == 5
    assert [bool(p["reply_markup"]) for p in parts] == [False] * (len(parts) - 1) + [True]


def test_html_is_escaped_and_formatting_rendered(tg: Harness) -> None:
    chat = tg.new_chat()
    tg.post(updates.text(chat, "html"))
    [message] = tg.api.wait_for_messages(chat, 1)
    assert message["text"] == "Dùng <VssID> & mã số BHXH, xem hướng dẫn."
    assert "<b>mã số BHXH</b>" in message["html"]
    assert '<a href="https://baohiemxahoi.gov.vn/a?b=1&amp;c=2">hướng dẫn</a>' in message["html"]


def test_duplicate_update_is_processed_once(tg: Harness) -> None:
    chat = tg.new_chat()
    update = updates.text(chat, "xin chào")
    assert tg.post(update).json() == {"status": "ok"}
    assert tg.post(update).json() == {"status": "duplicate"}
    tg.api.wait_for_messages(chat, 1)
    tg.marker(chat)
    assert tg.texts_received_by(chat) == ["xin chào", MARKER]
    assert tg.texts_sent_to(chat) == ["Bạn vừa gửi: xin chào", MARKER_REPLY]


@pytest.mark.parametrize(
    ("make_update", "reply"),
    [
        (updates.sticker, "Xin lỗi, hiện tôi chỉ đọc được tin nhắn dạng chữ."),
        (lambda chat: updates.photo(chat, caption="thẻ của tôi"), "Xin lỗi, hiện tôi chỉ đọc được tin nhắn"),
        (lambda chat: updates.edited(chat, "quên mật khẩu"), "Tôi chưa xử lý được tin nhắn đã chỉnh sửa."),
    ],
    ids=["sticker", "photo", "edited"],
)
def test_non_text_updates_get_a_polite_answer(tg: Harness, make_update, reply: str) -> None:
    chat = tg.new_chat()
    assert tg.post(make_update(chat)).status_code == 200
    [message] = tg.api.wait_for_messages(chat, 1)
    assert message["text"].startswith(reply)
    assert tg.received_by(chat) == []


@pytest.mark.parametrize(
    "make_update",
    [updates.group_join, updates.my_chat_member, lambda chat: updates.text(chat, "chào cả nhóm")],
    ids=["group_join", "my_chat_member", "group_text"],
)
def test_group_events_are_ignored(tg: Harness, make_update) -> None:
    group = -1_001_234_567_890
    assert tg.post(make_update(group)).status_code == 200
    tg.post(updates.text(group, "/start@vssid_test_bot"))  # answered, in order, after the event
    [answer] = tg.api.wait_for_messages(group, 1)
    assert "chỉ trả lời trong cuộc trò chuyện riêng" in answer["text"]
    assert tg.agent.received == []
    assert [call.method for call in tg.api.calls] == ["sendMessage"]


def test_group_command_asks_to_chat_privately(tg: Harness) -> None:
    group = -1_009_876_543_210
    tg.post(updates.text(group, "/start@vssid_test_bot"))
    [message] = tg.api.wait_for_messages(group, 1)
    assert "chỉ trả lời trong cuộc trò chuyện riêng" in message["text"]
    assert tg.agent.received == []


def test_webhook_acknowledges_before_processing_and_keeps_order(tg: Harness) -> None:
    chat = tg.new_chat()
    held = tg.agent.held["chậm"] = threading.Event()
    # Rasa has not answered "chậm" (held until released below), yet Telegram gets its 200.
    assert tg.post(updates.text(chat, "chậm")).status_code == 200
    tg.post(updates.text(chat, "nhanh"))
    other = tg.new_chat()
    tg.post(updates.text(other, "khác"))

    assert tg.api.wait_for_messages(other, 1)[0]["text"] == "Bạn vừa gửi: khác"  # not blocked by `chat`
    assert tg.texts_sent_to(chat) == [], "'nhanh' waits for 'chậm' in the same chat"
    held.set()
    tg.marker(chat)
    assert tg.texts_sent_to(chat) == ["Bạn vừa gửi: chậm", "Bạn vừa gửi: nhanh", MARKER_REPLY]


def test_flood_control_is_waited_out_and_delivered_once(tg: Harness) -> None:
    chat = tg.new_chat()
    tg.api.fail_next(1, retry_after=1, method="sendMessage")
    tg.post(updates.text(chat, "hai"))
    tg.api.wait_for_messages(chat, 2)
    tg.marker(chat)
    assert tg.texts_sent_to(chat) == ["Tin thứ nhất.", "Tin thứ hai.", MARKER_REPLY]
    rejected, accepted = tg.api.calls_to("sendMessage", outcome=None)[:2]
    assert rejected.outcome == "429" and accepted.outcome == "ok"
    assert accepted.at - rejected.at >= 1.0  # a lower bound: a slow machine only makes it longer


def test_lost_response_is_not_sent_twice(tg: Harness) -> None:
    chat = tg.new_chat()
    tg.api.drop_next(1, method="sendMessage", after_processing=True)
    tg.post(updates.text(chat, "hai"))
    tg.api.wait_for(lambda api: len(api.calls_to("sendMessage", outcome=None)) >= 2)
    tg.marker(chat)
    assert tg.texts_sent_to(chat) == ["Tin thứ nhất.", "Tin thứ hai.", MARKER_REPLY]


def test_dropped_callback_answer_is_retried(tg: Harness) -> None:
    chat = tg.new_chat()
    tg.api.drop_next(1, method="answerCallbackQuery")
    tg.post(updates.callback(chat, "b:forgotten000000"))
    tg.api.wait_for(lambda api: api.calls_to("answerCallbackQuery"))
    assert [c.outcome for c in tg.api.calls_to("answerCallbackQuery", outcome=None)] == ["dropped", "ok"]


def test_rasa_failure_gets_an_apology(tg: Harness) -> None:
    chat = tg.new_chat()
    tg.post(updates.text(chat, "lỗi"))
    [message] = tg.api.wait_for_messages(chat, 1)
    assert message["text"].startswith("Xin lỗi, hệ thống đang gặp sự cố.")


def test_output_channel_pushes_to_a_conversation(tg: Harness) -> None:
    """What Rasa's /conversations/{id}/execute?output_channel=telegram and escalation use."""
    import asyncio

    from connectors.telegram import send_to_chat

    chat = tg.new_chat()
    output = tg.channel.get_output_channel()
    assert output is not None and output.name() == "telegram"
    asyncio.run(
        send_to_chat(
            f"tg-{chat}",
            [
                {
                    "text": "Nhân viên: chào bạn, tôi là Hà.",
                    "buttons": [{"title": "Cảm ơn", "payload": "/thank"}],
                }
            ],
        )
    )
    [message] = tg.api.wait_for_messages(chat, 1)
    assert message["text"] == "Nhân viên: chào bạn, tôi là Hà."
    [(_, data)] = _keyboard(message)
    assert tg.channel.buttons.to_payload(data) == "/thank"
    assert tg.api.calls[0].token == TOKEN


def test_html_rejected_by_telegram_falls_back_to_plain_text(tg: Harness, monkeypatch) -> None:
    from connectors.telegram import output as telegram_output

    monkeypatch.setattr(telegram_output, "render_html", lambda text: f"<b>{text}")
    chat = tg.new_chat()
    tg.post(updates.text(chat, "xin chào"))
    [message] = tg.api.wait_for_messages(chat, 1)
    assert message["text"] == "Bạn vừa gửi: xin chào" and message["html"] is None
    assert [c.outcome for c in tg.api.calls_to("sendMessage", outcome=None)] == ["error", "ok"]
