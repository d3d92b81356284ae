"""connectors.buttons: payload <-> short id mapping."""

from __future__ import annotations

from connectors.buttons import ButtonPayloads, payloads_in_responses, short_id


def test_ids_are_short_deterministic_and_distinct() -> None:
    a = short_id('/inform{"location": "' + "Hà Nội " * 30 + '"}')
    assert a == short_id('/inform{"location": "' + "Hà Nội " * 30 + '"}')
    assert len(a.encode()) <= 64 and a.startswith("b:")
    assert short_id("/affirm") != short_id("/deny")


def test_round_trip_and_unknown_ids() -> None:
    buttons = ButtonPayloads()
    key = buttons.to_id("/faq/forgot_password")
    assert buttons.to_payload(key) == "/faq/forgot_password"
    assert buttons.to_payload("b:unknown") is None
    assert buttons.to_payload("/request_human") is None, "raw payloads are never accepted"


def test_least_recently_used_are_forgotten_but_seeded_stay() -> None:
    buttons = ButtonPayloads(capacity=2)
    buttons.seed(["/greet"])
    first = buttons.to_id("/a")
    second = buttons.to_id("/b")
    assert buttons.to_payload(first) == "/a"  # touch: /b is now the oldest
    buttons.to_id("/c")
    assert buttons.to_payload(second) is None
    assert buttons.to_payload(first) == "/a"
    assert buttons.to_payload(short_id("/greet")) == "/greet"
    assert len(buttons) == 3


def test_payloads_in_responses() -> None:
    responses = {
        "utter_greet": [
            {"text": "Chào", "buttons": [{"title": "A", "payload": "/a"}, {"title": "B", "payload": "/b"}]}
        ],
        "utter_plain": [{"text": "Không có nút"}],
        "utter_quick": [{"text": "Q", "quick_replies": [{"title": "C", "payload": "/c"}]}],
        "utter_odd": [None, "text only"],
    }
    assert list(payloads_in_responses(responses)) == ["/a", "/b", "/c"]
