"""What the widget shows of tracker events (pure functions, no server)."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.webchat_events import display_event, events_page, history, offered_payloads

BUTTONS = [{"title": "Quên mật khẩu", "payload": "/faq/forgot_password"}]


def user(text: str, **extra: Any) -> dict[str, Any]:
    return {"event": "user", "text": text, "timestamp": 1.0, "message_id": "m1", **extra}


def bot(text: str | None, **extra: Any) -> dict[str, Any]:
    return {"event": "bot", "text": text, "timestamp": 2.0, **extra}


@pytest.mark.parametrize(
    "event, expected",
    [
        (
            user("quên mật khẩu"),
            {"seq": 7, "type": "user", "text": "quên mật khẩu", "timestamp": 1.0, "message_id": "m1"},
        ),
        (
            user("/faq/forgot_password", metadata={"webchat": {"title": "Quên mật khẩu"}}),
            {"seq": 7, "type": "user", "text": "Quên mật khẩu", "timestamp": 1.0, "message_id": "m1"},
        ),
        (user("/greet", metadata={"webchat": {"hidden": True}}), None),
        (user("", metadata={}), None),
        (
            bot("Xin chào!", data={"buttons": BUTTONS}),
            {"seq": 7, "type": "bot", "text": "Xin chào!", "timestamp": 2.0, "buttons": BUTTONS},
        ),
        (
            bot(
                "Chọn:",
                data={"quick_replies": [{"title": "Có", "payload": "/affirm", "content_type": "text"}]},
            ),
            {
                "seq": 7,
                "type": "bot",
                "text": "Chọn:",
                "timestamp": 2.0,
                "buttons": [{"title": "Có", "payload": "/affirm"}],
            },
        ),
        (
            bot(None, data={"image": "https://example.org/a.png"}),
            {
                "seq": 7,
                "type": "bot",
                "text": "",
                "timestamp": 2.0,
                "buttons": [],
                "image": "https://example.org/a.png",
            },
        ),
        (bot(None, data={"custom": {"x": 1}}), None),
        ({"event": "action", "name": "action_listen", "timestamp": 3.0}, None),
        ({"event": "session_started", "timestamp": 3.0}, None),
    ],
    ids=[
        "typed",
        "quick reply shows its label",
        "hidden start payload",
        "empty",
        "bot with buttons",
        "quick replies",
        "image",
        "custom json only",
        "action",
        "session start",
    ],
)
def test_display_event(event: dict[str, Any], expected: dict[str, Any] | None) -> None:
    assert display_event(7, event) == expected


CONVERSATION = [
    {"event": "action", "name": "action_session_start", "timestamp": 0.5},
    {"event": "session_started", "timestamp": 0.6},
    user("xin chào"),
    {"event": "action", "name": "utter_greet", "timestamp": 1.5},
    bot("Xin chào!", data={"buttons": BUTTONS}),
    {"event": "action", "name": "action_listen", "timestamp": 2.5},
]


# As read from our SQL store: seq = row id (gaps: rows of other conversations in between).
ROWS = [(10 + 3 * index, event) for index, event in enumerate(CONVERSATION)]


def test_a_page_shows_the_rows_read_and_moves_the_cursor_past_them() -> None:
    page = events_page(ROWS[3:], 19)
    assert [e["seq"] for e in page["events"]] == [22]
    assert page["cursor"] == ROWS[-1][0] + 1
    assert page["reset"] is False


def test_nothing_new_keeps_the_cursor() -> None:
    assert events_page([], 26) == {"events": [], "cursor": 26, "reset": False}


def test_a_reset_page_redraws_from_the_start() -> None:
    page = events_page(ROWS, 99, reset=True)
    assert page["reset"] is True
    assert [e["seq"] for e in page["events"]] == [16, 22]
    assert page["cursor"] == 26


@pytest.mark.parametrize("limit, seqs", [(100, [16, 22]), (1, [22]), (0, [])])
def test_history_keeps_the_latest_shown_events(limit: int, seqs: list[int]) -> None:
    page = history(ROWS, limit)
    assert [e["seq"] for e in page["events"]] == seqs
    assert page["cursor"] == 26


def test_offered_payloads_are_the_buttons_the_bot_showed() -> None:
    rating = bot("Đánh giá:", data={"quick_replies": [{"title": "5", "payload": '/rate{"rating": 5}'}]})
    events = [*CONVERSATION, rating, user("/forged")]
    assert offered_payloads(events) == {"/faq/forgot_password", '/rate{"rating": 5}'}


def _personal(text: str, at: float, response: str = "utter_contributions") -> dict[str, Any]:
    return {"event": "bot", "text": text, "timestamp": at, "metadata": {"utter_action": response}}


def test_history_shows_only_the_current_rasa_session() -> None:
    events = [
        {"event": "session_started", "timestamp": 1.0},
        user("câu hỏi cũ"),
        bot("trả lời cũ"),
        {"event": "action", "name": "action_session_start", "timestamp": 50.0},
        bot("lời chào"),  # uttered by action_session_start, before session_started
        {"event": "session_started", "timestamp": 50.0},
        user("câu hỏi mới"),
        bot("trả lời mới"),
    ]
    rows = list(enumerate(events))
    page = history(rows, 100, now=60.0)
    assert [e["text"] for e in page["events"]] == ["lời chào", "câu hỏi mới", "trả lời mới"]
    assert page["cursor"] == len(events)
    # A reset (cursor beyond the end) also starts at this session.
    reset = events_page(rows, 99, reset=True, now=60.0)
    assert [e["text"] for e in reset["events"]] == ["lời chào", "câu hỏi mới", "trả lời mới"]


def test_personal_answers_are_not_replayed_after_the_verification_time() -> None:
    now = 100_000.0
    events = [
        user("tra cứu quá trình đóng"),
        _personal("Bạn đã đóng BHXH 120 tháng", now - 15 * 60 - 1),
        _personal("Thẻ BHYT của bạn còn hạn", now - 60, "utter_bhyt_card"),
        bot("Bạn cần hỗ trợ gì thêm?", timestamp=now - 15 * 60 - 1),
    ]
    shown = [e["text"] for e in history(list(enumerate(events)), 100, now=now)["events"]]
    assert shown == ["tra cứu quá trình đóng", "Thẻ BHYT của bạn còn hạn", "Bạn cần hỗ trợ gì thêm?"]
