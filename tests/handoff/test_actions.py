"""Handoff actions against a real database (SQLite and PostgreSQL), with an injected clock."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import handoff
from vssid.db.engine import new_session
from vssid.services import tickets as queue

IN_HOURS = datetime(2024, 5, 1, 3, 0, tzinfo=timezone.utc)  # 10:00 in Hà Nội
AFTER_HOURS = datetime(2024, 5, 1, 16, 0, tzinfo=timezone.utc)  # 23:00 in Hà Nội


def _user(
    text: str,
    intent: str,
    entities: list[dict[str, Any]] | None = None,
    key: str | None = None,
    ts: float = 1714532400.0,
) -> dict[str, Any]:
    parse: dict[str, Any] = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "entities": entities or [],
    }
    if key:
        parse["response_selector"] = {intent: {"response": {"intent_response_key": key}}}
    return {"event": "user", "text": text, "parse_data": parse, "input_channel": "webchat", "timestamp": ts}


def _bot(text: str) -> dict[str, Any]:
    return {"event": "bot", "text": text, "timestamp": 1714532401.0}


def _rating_question() -> dict[str, Any]:
    buttons = [{"title": "👍 Đã giải quyết", "payload": '/rate{"rating": "good"}'}]
    return {"event": "bot", "text": "Vấn đề của bạn đã được giải quyết chưa ạ?", "data": {"buttons": buttons}}


def _tracker(
    events: list[dict[str, Any]], sender: str = "web-abc", active_loop: str | None = None, **slots: Any
) -> Tracker:
    latest = next((e["parse_data"] for e in reversed(events) if e["event"] == "user"), {})
    return Tracker(
        sender,
        {"handoff_active": False, "handoff_awaiting_phone": False, **slots},
        latest,
        events,
        False,
        None,
        {"name": active_loop} if active_loop else {},
        "action_listen",
    )


def _run(action: Any, tracker: Tracker) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, events


def _responses(messages: list[dict[str, Any]]) -> list[str]:
    return [m["response"] for m in messages]


def _slots(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


CONVERSATION = [
    {"event": "session_started"},
    _user("quên mật khẩu vssid", "faq", key="faq/forgot_password"),
    _bot("Bạn vào mục Quên mật khẩu..."),
    _user("vẫn không được, mã bhxh 7912345678", "not_helpful"),
]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    now = [IN_HOURS]
    monkeypatch.setattr(handoff, "clock", lambda: now[0])
    monkeypatch.delenv("HOTLINE_HOURS", raising=False)
    return now


def test_handoff_in_hours_opens_one_ticket_with_masked_transcript(db_url: str, clock: list[datetime]) -> None:
    messages, events = _run(handoff.ActionHandoff(), _tracker(CONVERSATION))

    assert _responses(messages) == ["utter_handoff_in_hours", "utter_ask_handoff_callback_phone"]
    assert _slots(events)["handoff_active"] is True
    assert _slots(events)["handoff_awaiting_phone"] is True
    with new_session() as session:
        [ticket] = queue.list_queue(session)
        assert (ticket.conversation_id, ticket.channel, ticket.sender_id) == ("web-abc", "webchat", "abc")
        assert (ticket.reason, ticket.priority) == ("not_helpful", "high")
        assert ticket.topic == "faq/forgot_password"
        lines = [(m.author, m.text) for m in ticket.messages]
    assert lines == [
        ("user", "quên mật khẩu vssid"),
        ("bot", "Bạn vào mục Quên mật khẩu..."),
        ("user", "vẫn không được, mã bhxh xxxxxxx678"),
    ]

    messages, _ = _run(handoff.ActionHandoff(), _tracker(CONVERSATION))
    assert _responses(messages)[0] == "utter_handoff_already_open"
    with new_session() as session:
        assert len(queue.list_queue(session)) == 1


def test_handoff_closes_an_active_form(db_url: str, clock: list[datetime]) -> None:
    _, events = _run(handoff.ActionHandoff(), _tracker(CONVERSATION, active_loop="bhxh_lookup_form"))
    assert {"event": "active_loop", "name": None, "timestamp": None} in events
    assert _slots(events)["requested_slot"] is None


def test_handoff_after_hours_names_the_hotline_hours(db_url: str, clock: list[datetime]) -> None:
    clock[0] = AFTER_HOURS
    tracker = _tracker(CONVERSATION[:2] + [_user("gặp người", "request_human")])
    messages, _ = _run(handoff.ActionHandoff(), tracker)
    assert messages[0]["response"] == "utter_handoff_after_hours"
    assert messages[0]["hours"] == "7:00–21:00"


def test_fallback_escalation_is_high_priority(db_url: str, clock: list[datetime]) -> None:
    _run(handoff.ActionHandoff(), _tracker([_user("asdf", "nlu_fallback"), _user("qwer", "nlu_fallback")]))
    with new_session() as session:
        [ticket] = queue.list_queue(session)
        assert (ticket.reason, ticket.priority, ticket.topic) == ("fallback", "high", "khác")


def _escalated(clock: list[datetime]) -> list[dict[str, Any]]:
    _run(handoff.ActionHandoff(), _tracker(CONVERSATION))
    return CONVERSATION


@pytest.mark.parametrize(
    ("reply", "entities", "expected", "stored", "shown", "still_waiting"),
    [
        ("0912 345 678", [], "utter_handoff_phone_saved", "0912345678", "09xx xxx 678", False),
        (
            "sđt của tôi",
            [{"entity": "phone", "value": "+84987654321"}],
            "utter_handoff_phone_saved",
            "0987654321",
            "09xx xxx 321",
            False,
        ),
        ("12345678", [], "utter_handoff_phone_invalid", None, None, None),
        ("/deny", [], "utter_handoff_phone_skipped", None, None, False),
        ("tôi đổi số điện thoại rồi", [], "utter_handoff_relayed", None, None, False),
    ],
)
def test_callback_phone_answer(
    db_url: str,
    clock: list[datetime],
    reply: str,
    entities: list[dict[str, Any]],
    expected: str,
    stored: str | None,
    shown: str | None,
    still_waiting: bool | None,
) -> None:
    events = _escalated(clock)
    intent = "deny" if reply == "/deny" else "inform"
    tracker = _tracker(
        events + [_user(reply, intent, entities)], handoff_active=True, handoff_awaiting_phone=True
    )
    messages, out = _run(handoff.ActionRelayToAgent(), tracker)

    assert _responses(messages) == [expected]
    assert _slots(out).get("handoff_awaiting_phone") is still_waiting
    with new_session() as session:
        [ticket] = queue.list_queue(session)
        assert ticket.callback_phone == stored
    assert [m.get("phone") for m in messages] == [shown]  # masked when shown


def test_relay_says_so_only_once_and_delivers_pending_replies(db_url: str, clock: list[datetime]) -> None:
    events = _escalated(clock)
    first, _ = _run(
        handoff.ActionRelayToAgent(),
        _tracker(events + [_user("cccd 079123456789", "inform")], handoff_active=True),
    )
    second, _ = _run(
        handoff.ActionRelayToAgent(), _tracker(events + [_user("alo", "greet")], handoff_active=True)
    )
    assert _responses(first) == ["utter_handoff_relayed"]
    assert second == []

    with new_session() as session:
        [ticket] = queue.list_queue(session)
        assert [m.text for m in ticket.messages][-2:] == ["cccd xxxxxxxxx789", "alo"]
        queue.claim_ticket(session, ticket_id=ticket.id, agent="Lan")
        queue.add_agent_reply(session, ticket_id=ticket.id, agent="Lan", text="Chào bạn!")
    third, _ = _run(
        handoff.ActionRelayToAgent(), _tracker(events + [_user("?", "out_of_scope")], handoff_active=True)
    )
    assert [(m["response"], m["agent"], m["reply"]) for m in third] == [
        ("utter_handoff_agent_reply", "Lan", "Chào bạn!")
    ]


def test_deliver_then_resolve_then_rate(db_url: str, clock: list[datetime]) -> None:
    events = _escalated(clock)
    with new_session() as session:
        [ticket] = queue.list_queue(session)
        queue.claim_ticket(session, ticket_id=ticket.id, agent="Lan")
        queue.add_agent_reply(session, ticket_id=ticket.id, agent="Lan", text="Bạn thử đăng nhập lại nhé.")
        ticket_id = ticket.id

    messages, out = _run(handoff.ActionDeliverAgentReplies(), _tracker(events, handoff_active=True))
    assert [m["reply"] for m in messages] == ["Bạn thử đăng nhập lại nhé."]
    assert out[-1] == {
        "event": "action",
        "name": "action_listen",
        "policy": None,
        "confidence": None,
        "timestamp": None,
    }
    messages, _ = _run(handoff.ActionDeliverAgentReplies(), _tracker(events, handoff_active=True))
    assert messages == []  # delivered once

    with new_session() as session:
        queue.resolve_ticket(session, ticket_id=ticket_id, agent="Lan")
    messages, out = _run(handoff.ActionHandoffResolved(), _tracker(events, handoff_active=True))
    assert _responses(messages) == ["utter_handoff_resolved", "utter_ask_handoff_rating"]
    assert _slots(out)["handoff_active"] is False
    assert out[-1]["name"] == "action_listen"

    rate = _user('/rate{"rating": "good"}', "rate", [{"entity": "rating", "value": "good"}])
    messages, _ = _run(handoff.ActionStoreRating(), _tracker(events + [_rating_question(), rate]))
    assert _responses(messages) == ["utter_handoff_rating_thanks"]
    with new_session() as session:
        assert queue.get_ticket(session, ticket_id=ticket_id).rating == "good"


def test_relay_after_a_resolution_rasa_missed_hands_back(db_url: str, clock: list[datetime]) -> None:
    events = _escalated(clock)
    with new_session() as session:
        [ticket] = queue.list_queue(session)
        queue.resolve_ticket(session, ticket_id=ticket.id, agent="Lan")
    messages, out = _run(
        handoff.ActionRelayToAgent(), _tracker(events + [_user("alo", "greet")], handoff_active=True)
    )
    assert _responses(messages) == ["utter_handoff_resolved", "utter_ask_handoff_rating"]
    assert _slots(out)["handoff_active"] is False


def test_bad_rating_offers_the_agent_again(db_url: str, clock: list[datetime]) -> None:
    rate = _user("không hài lòng", "rate", [{"entity": "rating", "value": "không hài lòng"}])
    messages, _ = _run(handoff.ActionStoreRating(), _tracker([_rating_question(), rate]))
    assert _responses(messages) == ["utter_handoff_rating_bad"]


def test_a_rating_nobody_asked_for_goes_to_the_suggestions(db_url: str, clock: list[datetime]) -> None:
    faq = _user("cài vssid", "faq", key="faq/install_app")
    rate = _user("rất hài lòng", "rate", [{"entity": "rating", "value": "rất hài lòng"}])
    for events in ([faq, _bot("Bạn tải VssID trên App Store"), rate], [_rating_question(), faq, rate]):
        messages, out = _run(handoff.ActionStoreRating(), _tracker(events))
        assert messages == []
        assert {"event": "followup", "name": "action_suggest_topics", "timestamp": None} in out


def test_session_carry_over(db_url: str, clock: list[datetime]) -> None:
    assert handoff.handoff_slots_to_carry_over(_tracker([])) == []
    events = _escalated(clock)
    carried = handoff.handoff_slots_to_carry_over(_tracker(events, handoff_active=True, handoff_ticket_id=1))
    assert _slots(carried) == {"handoff_active": True, "handoff_ticket_id": 1}
