"""Forms validate only what the user just gave, and use details written in the request itself
(issue 10: no error messages for slots not asked yet; details up front are not asked again)."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import date
from typing import Any

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.records import ValidateBhxhCodeLookupForm, ValidateOfficeSearchForm
from actions.verification import ValidateVerificationForm
from vssid import constants as c
from vssid.services import details
from vssid.settings import PROJECT_ROOT

DOMAIN: dict[str, Any] = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))


def tracker(
    *,
    text: str,
    intent: str,
    entities: list[dict[str, Any]] | None = None,
    requested: str | None = None,
    set_now: dict[str, Any] | None = None,
) -> Tracker:
    """The validation action's view: the user's turn, then the slots set since (the candidates)."""
    parse = {"intent": {"name": intent, "confidence": 1.0}, "entities": entities or [], "text": text}
    events: list[dict[str, Any]] = [
        {"event": "session_started", "timestamp": time.time() - 60},
        {"event": "user", "timestamp": time.time(), "text": text, "parse_data": parse},
        {"event": "slot", "name": c.SLOT_REQUESTED, "value": requested, "timestamp": time.time()},
        {"event": "action", "name": "some_form", "timestamp": time.time()},
    ]
    events += [
        {"event": "slot", "name": k, "value": v, "timestamp": time.time()} for k, v in (set_now or {}).items()
    ]
    slots = {c.SLOT_REQUESTED: requested, **(set_now or {})}
    return Tracker(f"test-{uuid.uuid4().hex[:8]}", slots, parse, events, False, None, {}, "action_listen")


def run(action: Action, track: Tracker) -> tuple[dict[str, Any], list[str]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, track, DOMAIN))
    slots = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
    return slots, [m.get("response") for m in dispatcher.messages]


def entity(name: str, value: str) -> dict[str, Any]:
    return {"entity": name, "value": value, "start": 0, "end": len(value)}


def test_activation_after_an_action_reset_the_slots_says_nothing(service) -> None:
    reset = {c.SLOT_VERIFICATION_IDENTIFIER: None, c.SLOT_OTP_CODE: None}
    track = tracker(text="kiểm tra thẻ bhyt của tôi", intent="check_bhyt_card", set_now=reset)
    assert run(ValidateVerificationForm(), track) == ({}, [])


def test_activation_with_a_bhxh_code_in_the_request_sends_the_otp(service) -> None:
    track = tracker(
        text="kiểm tra thẻ bhyt, mã số bhxh 0101234567",
        intent="check_bhyt_card",
        entities=[entity("bhxh_code", "0101234567")],
    )
    slots, said = run(ValidateVerificationForm(), track)
    assert said == [c.UTTER_OTP_SENT]
    assert slots == {c.SLOT_VERIFICATION_IDENTIFIER: "xxxxxxx567"}


def test_a_slot_that_was_not_asked_is_not_validated(service) -> None:
    track = tracker(
        text="abc",
        intent="inform",
        requested=c.SLOT_VERIFICATION_IDENTIFIER,
        set_now={c.SLOT_OTP_CODE: "abc"},
    )
    assert run(ValidateVerificationForm(), track) == ({}, [])


def test_the_asked_slot_is_still_validated(service) -> None:
    track = tracker(
        text="abc",
        intent="inform",
        requested=c.SLOT_OTP_CODE,
        set_now={c.SLOT_OTP_CODE: "abc"},
    )
    assert run(ValidateVerificationForm(), track) == ({c.SLOT_OTP_CODE: None}, [c.UTTER_OTP_INVALID_FORMAT])


def test_bhxh_code_lookup_uses_every_detail_of_the_request(service) -> None:
    text = "tra cứu mã số BHXH, tôi là Nguyễn Văn An, sinh ngày 15/03/1985, CCCD 001085001234"
    track = tracker(text=text, intent="lookup_bhxh_code", entities=[entity("id_number", "001085001234")])
    slots, said = run(ValidateBhxhCodeLookupForm(), track)
    assert said == []
    assert slots == {
        c.SLOT_LOOKUP_ID_NUMBER: "001085001234",
        c.SLOT_LOOKUP_FULL_NAME: "Nguyễn Văn An",
        c.SLOT_LOOKUP_DATE_OF_BIRTH: "1985-03-15",
    }


def test_bhxh_code_lookup_without_details_asks_everything(service) -> None:
    track = tracker(text="tra cứu mã số bhxh", intent="lookup_bhxh_code")
    assert run(ValidateBhxhCodeLookupForm(), track) == ({}, [])


def test_details_are_read_only_when_the_form_starts(service) -> None:
    track = tracker(
        text="Nguyễn Văn An",
        intent="inform",
        requested=c.SLOT_LOOKUP_ID_NUMBER,
        set_now={c.SLOT_LOOKUP_ID_NUMBER: "Nguyễn Văn An"},
    )
    assert run(ValidateBhxhCodeLookupForm(), track) == (
        {c.SLOT_LOOKUP_ID_NUMBER: None},
        [c.UTTER_INVALID_ID_NUMBER],
    )


def test_a_place_in_the_request_is_validated_once(service) -> None:
    track = tracker(
        text="tìm cơ quan bhxh ở cầu giấy",
        intent="find_office",
        entities=[entity("location", "Cầu Giấy")],
        set_now={c.SLOT_LOCATION: "Cầu Giấy"},
    )
    assert run(ValidateOfficeSearchForm(), track) == ({c.SLOT_LOCATION: "Cầu Giấy"}, [])


@pytest.mark.parametrize(
    ("text", "name", "born"),
    [
        (
            "tra cứu mã số BHXH, tôi là Nguyễn Văn An, sinh ngày 15/03/1985, CCCD 001085001234",
            "Nguyễn Văn An",
            date(1985, 3, 15),
        ),
        ("Nguyễn Văn An 15/03/1985 cccd 001085001234 tra ma bhxh", "Nguyễn Văn An", date(1985, 3, 15)),
        ("tra ma bhxh, ten nguyen van an sinh 15-3-1985", "Nguyen Van An", date(1985, 3, 15)),
        ("họ tên: Trần Thị Bình; ngày sinh 20 tháng 7 năm 1990", "Trần Thị Bình", date(1990, 7, 20)),
        ("toi ten la le van cuong, sinh 1958-01-02", "Le Van Cuong", date(1958, 1, 2)),
        ("tra cứu mã số bhxh", None, None),
        ("mã số bhxh của tôi là gì", None, None),
        ("Tra Cứu Mã Số BHXH", None, None),
        ("ngày sinh 31/02/1985, otp 123456", None, None),
    ],
)
def test_details_found_in_free_text(text: str, name: str | None, born: date | None) -> None:
    assert details.find_full_name(text) == name
    assert details.find_date_of_birth(text, today=date(2026, 1, 1)) == born
