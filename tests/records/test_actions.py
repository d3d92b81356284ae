"""Records actions with rasa_sdk's Tracker and CollectingDispatcher (no model, no server)."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher

from actions.records import (
    ActionFindFacility,
    ActionFindOffice,
    ActionLookupBhxhCode,
    ActionPersonalLookup,
    ActionResumePersonalLookup,
    ActionShowMoreContributions,
    ValidateBhxhCodeLookupForm,
    ValidateOfficeSearchForm,
)
from actions.verification import ActionCancelRecordsForm, ValidateVerificationForm
from vssid import constants as c
from vssid.services import testing
from vssid.settings import PROJECT_ROOT

DOMAIN: dict[str, Any] = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
AN = "0101234567"
PERSONAL_MARKERS = ("DN4010101234567", "Thẻ BHYT số", "tổng cộng", "Ốm đau", "Thai sản")


def tracker(
    sender: str,
    *,
    intent: str = "inform",
    text: str = "",
    slots: dict[str, Any] | None = None,
    set_now: dict[str, Any] | None = None,
    active_loop: str | None = None,
    session_started: float | None = None,
) -> Tracker:
    """A tracker whose latest user turn is (intent, text); `set_now` are slots that turn filled."""
    started = session_started if session_started is not None else time.time() - 60
    user = {
        "event": "user",
        "timestamp": time.time(),
        "text": text,
        "parse_data": {"intent": {"name": intent, "confidence": 1.0}, "entities": []},
    }
    events = [{"event": "session_started", "timestamp": started}, user]
    events += [
        {"event": "slot", "name": k, "value": v, "timestamp": time.time()} for k, v in (set_now or {}).items()
    ]
    all_slots = {**(slots or {}), **(set_now or {})}
    return Tracker(
        sender,
        all_slots,
        {"intent": {"name": intent, "confidence": 1.0}, "text": text, "entities": []},
        events,
        False,
        None,
        {"name": active_loop} if active_loop else {},
        "action_listen",
    )


def run(action: Action, track: Tracker) -> tuple[list[dict], list[dict]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, track, DOMAIN))
    return events, dispatcher.messages


def slot_events(events: list[dict]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def responses(messages: list[dict]) -> list[str]:
    return [m.get("response") for m in messages]


def form_step(
    validator: Action, sender: str, slot: str, value: str, form: str, **kwargs
) -> tuple[dict, list]:
    track = tracker(
        sender, text=value, set_now={slot: value}, slots={c.SLOT_REQUESTED: slot, **kwargs}, active_loop=form
    )
    events, messages = run(validator, track)
    return slot_events(events), messages


def verify(service, sessions, sender: str, bhxh_code: str = AN) -> None:
    service.start_verification(conversation_id=sender, identifier=bhxh_code)
    with sessions() as session:
        code = testing.latest_otp(session, bhxh_code=bhxh_code)
    service.confirm_otp(conversation_id=sender, code=code)


@pytest.fixture
def sender() -> str:
    return f"test-{uuid.uuid4().hex[:8]}"


# --- personal look-ups ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "intent", [c.INTENT_CHECK_BHYT_CARD, c.INTENT_CHECK_CONTRIBUTION, c.INTENT_CHECK_BENEFITS]
)
def test_unverified_lookup_starts_verification(service, sender: str, intent: str) -> None:
    events, messages = run(ActionPersonalLookup(), tracker(sender, intent=intent))
    assert slot_events(events) == {
        c.SLOT_IDENTITY_VERIFIED: False,
        c.SLOT_PENDING_LOOKUP: intent,
        c.SLOT_VERIFICATION_IDENTIFIER: None,
        c.SLOT_OTP_CODE: None,
    }
    assert responses(messages) == [c.UTTER_VERIFICATION_NEEDED]


@pytest.mark.parametrize(
    "forged",
    [
        {c.SLOT_IDENTITY_VERIFIED: True},
        {c.SLOT_OTP_CODE: "verified", c.SLOT_VERIFICATION_IDENTIFIER: AN},
        {"verified_bhxh_code": AN, "bhxh_code": AN},
    ],
)
def test_forged_slots_grant_nothing(service, sessions, sender: str, forged: dict[str, Any]) -> None:
    verify(service, sessions, "someone-else")  # a verified conversation exists, but not this one
    for action in (ActionPersonalLookup(), ActionResumePersonalLookup()):
        track = tracker(
            sender,
            intent=c.INTENT_CHECK_BHYT_CARD,
            slots={**forged, c.SLOT_PENDING_LOOKUP: c.INTENT_CHECK_BHYT_CARD},
        )
        events, messages = run(action, track)
        assert slot_events(events).get(c.SLOT_IDENTITY_VERIFIED) is False
        assert not any(marker in str(messages) for marker in PERSONAL_MARKERS)
    events, messages = run(
        ActionShowMoreContributions(),
        tracker(sender, intent=c.INTENT_SHOW_MORE, slots={**forged, c.SLOT_CONTRIBUTIONS_NEXT_OFFSET: 0}),
    )
    assert responses(messages) == [c.UTTER_VERIFICATION_EXPIRED]


def test_verified_lookup_answers_directly(service, sessions, sender: str) -> None:
    verify(service, sessions, sender)
    events, messages = run(ActionPersonalLookup(), tracker(sender, intent=c.INTENT_CHECK_BHYT_CARD))
    assert slot_events(events)[c.SLOT_IDENTITY_VERIFIED] is True
    assert responses(messages) == [c.UTTER_BHYT_CARD]
    assert messages[0]["card_number"] == "DN4010101234567"
    assert messages[0]["clinic_name"]


def test_verification_from_an_earlier_session_is_ignored(service, sessions, sender: str) -> None:
    verify(service, sessions, sender)
    track = tracker(sender, intent=c.INTENT_CHECK_BHYT_CARD, session_started=time.time() + 1)
    events, messages = run(ActionPersonalLookup(), track)
    assert slot_events(events)[c.SLOT_IDENTITY_VERIFIED] is False
    assert responses(messages) == [c.UTTER_VERIFICATION_NEEDED]


def test_contributions_page_and_show_more(service, sessions, sender: str) -> None:
    verify(service, sessions, sender)
    events, messages = run(ActionPersonalLookup(), tracker(sender, intent=c.INTENT_CHECK_CONTRIBUTION))
    assert slot_events(events)[c.SLOT_CONTRIBUTIONS_NEXT_OFFSET] == 5
    assert responses(messages) == [c.UTTER_CONTRIBUTIONS]
    assert messages[0]["periods"].count("•") == 5 and "nay" in messages[0]["periods"]
    assert messages[0]["buttons"] == [{"title": "Xem thêm", "payload": "/show_more"}]
    events, messages = run(
        ActionShowMoreContributions(),
        tracker(sender, intent=c.INTENT_SHOW_MORE, slots={c.SLOT_CONTRIBUTIONS_NEXT_OFFSET: 5}),
    )
    assert responses(messages) == [c.UTTER_CONTRIBUTIONS_PAGE]
    assert "BHXH tự nguyện" in messages[0]["periods"] and messages[0]["more_hint"] == ""
    assert slot_events(events)[c.SLOT_CONTRIBUTIONS_NEXT_OFFSET] is None
    _, messages = run(ActionShowMoreContributions(), tracker(sender, intent=c.INTENT_SHOW_MORE))
    assert responses(messages) == [c.UTTER_NO_MORE_CONTRIBUTIONS]


def test_benefits_answer_with_status(service, sessions, sender: str) -> None:
    verify(service, sessions, sender, "7901234568")
    _, messages = run(ActionPersonalLookup(), tracker(sender, intent=c.INTENT_CHECK_BENEFITS))
    assert responses(messages) == [c.UTTER_BENEFITS]
    assert "Thai sản: 42.600.000 đồng – đã chi trả (ngày 02/06/2022)" in messages[0]["benefits"]
    assert "Ốm đau: 1.200.000 đồng – đang xử lý" in messages[0]["benefits"]


# --- the verification form ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "response", "digits"),
    [
        ("79123", c.UTTER_INVALID_IDENTIFIER_LENGTH, 5),
        ("abcdefghij", c.UTTER_INVALID_IDENTIFIER_CHARACTERS, None),
        ("79123abc45", c.UTTER_INVALID_IDENTIFIER_CHARACTERS, None),
        ("0199999999", c.UTTER_IDENTITY_NOT_FOUND, None),
    ],
)
def test_bad_identifiers_are_asked_again(service, sender: str, typed: str, response: str, digits) -> None:
    slots, messages = form_step(
        ValidateVerificationForm(), sender, c.SLOT_VERIFICATION_IDENTIFIER, typed, c.FORM_VERIFICATION
    )
    assert slots == {c.SLOT_VERIFICATION_IDENTIFIER: None}
    assert responses(messages) == [response]
    assert messages[0].get("digits") == digits


def test_no_registered_phone_ends_the_form(service, sender: str) -> None:
    slots, messages = form_step(
        ValidateVerificationForm(), sender, c.SLOT_VERIFICATION_IDENTIFIER, "3101234561", c.FORM_VERIFICATION
    )
    assert slots[c.SLOT_REQUESTED] is None
    assert responses(messages) == [c.UTTER_NO_REGISTERED_PHONE]


def test_happy_path_then_the_pending_lookup_is_answered(service, sessions, sender: str) -> None:
    form = ValidateVerificationForm()
    slots, messages = form_step(form, sender, c.SLOT_VERIFICATION_IDENTIFIER, AN, c.FORM_VERIFICATION)
    assert slots == {c.SLOT_VERIFICATION_IDENTIFIER: "xxxxxxx567"}  # never the full code in a slot
    assert responses(messages) == [c.UTTER_OTP_SENT] and messages[0]["masked_phone"] == "09xx xxx 678"
    with sessions() as session:
        code = testing.latest_otp(session, bhxh_code=AN)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    slots, messages = form_step(form, sender, c.SLOT_OTP_CODE, wrong, c.FORM_VERIFICATION)
    assert slots == {c.SLOT_OTP_CODE: None}
    assert responses(messages) == [c.UTTER_OTP_INCORRECT] and messages[0]["attempts_left"] == 2
    slots, messages = form_step(form, sender, c.SLOT_OTP_CODE, "12a", c.FORM_VERIFICATION)
    assert responses(messages) == [c.UTTER_OTP_INVALID_FORMAT]
    slots, messages = form_step(form, sender, c.SLOT_OTP_CODE, code, c.FORM_VERIFICATION)
    assert slots == {c.SLOT_OTP_CODE: "verified"} and responses(messages) == [c.UTTER_VERIFIED]
    events, messages = run(
        ActionResumePersonalLookup(), tracker(sender, slots={c.SLOT_PENDING_LOOKUP: c.INTENT_CHECK_BHYT_CARD})
    )
    assert responses(messages) == [c.UTTER_BHYT_CARD]
    assert slot_events(events)[c.SLOT_PENDING_LOOKUP] is None


def test_expired_otp_sends_a_new_one(service, sessions, sender: str) -> None:
    form = ValidateVerificationForm()
    form_step(form, sender, c.SLOT_VERIFICATION_IDENTIFIER, AN, c.FORM_VERIFICATION)
    with sessions() as session:
        code = testing.latest_otp(session, bhxh_code=AN)
        testing.expire_otps(session, conversation_id=sender)
    slots, messages = form_step(form, sender, c.SLOT_OTP_CODE, code, c.FORM_VERIFICATION)
    assert responses(messages) == [c.UTTER_OTP_EXPIRED_RESENT] and slots == {c.SLOT_OTP_CODE: None}
    with sessions() as session:
        fresh = testing.latest_otp(session, bhxh_code=AN)
    _, messages = form_step(form, sender, c.SLOT_OTP_CODE, fresh, c.FORM_VERIFICATION)
    assert responses(messages) == [c.UTTER_VERIFIED]


def test_lockout_ends_the_form(service, sessions, sender: str) -> None:
    form = ValidateVerificationForm()
    form_step(form, sender, c.SLOT_VERIFICATION_IDENTIFIER, "9201234562", c.FORM_VERIFICATION)
    seen = []
    for _ in range(5):
        with sessions() as session:
            code = testing.latest_otp(session, bhxh_code="9201234562")
        slots, messages = form_step(
            form, sender, c.SLOT_OTP_CODE, f"{(int(code) + 1) % 1_000_000:06d}", c.FORM_VERIFICATION
        )
        seen += responses(messages)
    assert seen == [
        c.UTTER_OTP_INCORRECT,
        c.UTTER_OTP_INCORRECT,
        c.UTTER_OTP_EXHAUSTED_RESENT,
        c.UTTER_OTP_INCORRECT,
        c.UTTER_VERIFICATION_LOCKED,
    ]
    assert slots[c.SLOT_REQUESTED] is None
    slots, messages = form_step(
        form, sender, c.SLOT_VERIFICATION_IDENTIFIER, "9201234562", c.FORM_VERIFICATION
    )
    assert responses(messages) == [c.UTTER_VERIFICATION_LOCKED] and "retry_time" in messages[0]


@pytest.mark.parametrize("word", ["thôi", "Hủy", "huy bo"])
def test_cancel_words_leave_the_form_even_if_nlu_missed_them(service, sender: str, word: str) -> None:
    slots, messages = form_step(
        ValidateVerificationForm(), sender, c.SLOT_VERIFICATION_IDENTIFIER, word, c.FORM_VERIFICATION
    )
    assert slots[c.SLOT_REQUESTED] is None
    assert responses(messages) == [c.UTTER_RECORDS_FORM_CANCELLED]


def test_cancel_action_closes_the_otp_and_clears_the_form(service, sessions, sender: str) -> None:
    form_step(ValidateVerificationForm(), sender, c.SLOT_VERIFICATION_IDENTIFIER, AN, c.FORM_VERIFICATION)
    with sessions() as session:
        code = testing.latest_otp(session, bhxh_code=AN)
    events, messages = run(ActionCancelRecordsForm(), tracker(sender, intent=c.INTENT_CANCEL, text="hủy"))
    assert responses(messages) == [c.UTTER_RECORDS_FORM_CANCELLED]
    assert all(value is None for value in slot_events(events).values())
    _, messages = form_step(ValidateVerificationForm(), sender, c.SLOT_OTP_CODE, code, c.FORM_VERIFICATION)
    assert c.UTTER_VERIFIED not in responses(messages)


# --- BHXH code look-up ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("slot", "typed", "stored", "invalid"),
    [
        (c.SLOT_LOOKUP_ID_NUMBER, "001 085 001 234", "001085001234", c.UTTER_INVALID_ID_NUMBER),
        (c.SLOT_LOOKUP_FULL_NAME, "nguyễn văn an", "Nguyễn Văn An", c.UTTER_INVALID_FULL_NAME),
        (c.SLOT_LOOKUP_DATE_OF_BIRTH, "15/3/1985", "1985-03-15", c.UTTER_INVALID_DATE_OF_BIRTH),
    ],
)
def test_lookup_form_validation(
    service, sender: str, slot: str, typed: str, stored: str, invalid: str
) -> None:
    form = ValidateBhxhCodeLookupForm()
    slots, messages = form_step(form, sender, slot, typed, c.FORM_BHXH_CODE_LOOKUP)
    assert slots == {slot: stored} and messages == []
    slots, messages = form_step(form, sender, slot, "79123xyz", c.FORM_BHXH_CODE_LOOKUP)
    assert slots == {slot: None} and responses(messages) == [invalid]


@pytest.mark.parametrize(
    ("id_number", "name", "born", "response"),
    [
        ("001085001234", "nguyen van an", "1985-03-15", c.UTTER_BHXH_CODE_FOUND),
        ("079190005678", "Nguyễn Văn An", "1990-07-20", c.UTTER_BHXH_CODE_NOT_FOUND),
        ("001085001234", "Nguyễn Văn An", "1985-03-16", c.UTTER_BHXH_CODE_NOT_FOUND),
    ],
)
def test_lookup_bhxh_code(service, sender: str, id_number: str, name: str, born: str, response: str) -> None:
    slots = {
        c.SLOT_LOOKUP_ID_NUMBER: id_number,
        c.SLOT_LOOKUP_FULL_NAME: name,
        c.SLOT_LOOKUP_DATE_OF_BIRTH: born,
    }
    events, messages = run(ActionLookupBhxhCode(), tracker(sender, slots=slots))
    assert responses(messages) == [response]
    assert (messages[0].get("bhxh_code") == AN) is (response == c.UTTER_BHXH_CODE_FOUND)
    assert set(slot_events(events).values()) == {None}


# --- offices and clinics ----------------------------------------------------------------------


def test_location_from_text_when_asked_and_unknown_places(service, sender: str) -> None:
    validator = ValidateOfficeSearchForm()
    track = tracker(
        sender, text="cau giay", slots={c.SLOT_REQUESTED: c.SLOT_LOCATION}, active_loop=c.FORM_OFFICE_SEARCH
    )
    events, messages = run(validator, track)
    assert slot_events(events)[c.SLOT_LOCATION] == "cau giay" and messages == []
    track = tracker(
        sender, text="sao hỏa", slots={c.SLOT_REQUESTED: c.SLOT_LOCATION}, active_loop=c.FORM_OFFICE_SEARCH
    )
    events, messages = run(validator, track)
    assert slot_events(events)[c.SLOT_LOCATION] is None
    assert responses(messages) == [c.UTTER_LOCATION_UNKNOWN]


def test_find_office_lists_the_district_first_and_forgets_the_place(service, sender: str) -> None:
    events, messages = run(ActionFindOffice(), tracker(sender, slots={c.SLOT_LOCATION: "Cầu Giấy"}))
    assert responses(messages) == [c.UTTER_OFFICES_FOUND]
    assert messages[0]["location_label"] == "Cầu Giấy, Hà Nội"
    assert messages[0]["places"].startswith("1. Bảo hiểm xã hội quận Cầu Giấy\n   Địa chỉ: ")
    assert messages[0]["places"].count("Điện thoại:") == 5
    assert slot_events(events) == {c.SLOT_LOCATION: None, c.SLOT_LAST_TASK: c.TASK_OFFICE}


def test_find_facility(service, sender: str) -> None:
    _, messages = run(ActionFindFacility(), tracker(sender, slots={c.SLOT_LOCATION: "hai chau"}))
    assert responses(messages) == [c.UTTER_FACILITIES_FOUND]
    first_place = "\n".join(messages[0]["places"].split("\n")[:2])
    assert "Hải Châu" in first_place


# --- domain contract ------------------------------------------------------------------------------

ACCESS_SLOTS = (c.SLOT_IDENTITY_VERIFIED, c.SLOT_PENDING_LOOKUP, c.SLOT_CONTRIBUTIONS_NEXT_OFFSET)


@pytest.mark.parametrize("slot", ACCESS_SLOTS)
def test_access_slots_are_set_only_by_actions(slot: str) -> None:
    assert [m["type"] for m in DOMAIN["slots"][slot]["mappings"]] == ["custom"]


def test_form_input_slots_are_filled_only_inside_their_form() -> None:
    for form, spec in DOMAIN["forms"].items():
        for slot in spec["required_slots"]:
            if slot == c.SLOT_LOCATION:
                continue
            for mapping in DOMAIN["slots"][slot]["mappings"]:
                assert mapping["type"] == "from_text"
                assert mapping["conditions"] == [{"active_loop": form, "requested_slot": slot}]


def test_every_records_name_exists_in_the_domain() -> None:
    names = list(vars(c))  # the records block of actions/constants.py
    block = names[names.index("INTENT_CANCEL") : names.index("UTTER_NO_PLACES_FOUND") + 1]
    records = [vars(c)[name] for name in block if name.isupper()]
    responses_ = set(DOMAIN["responses"])
    actions = set(DOMAIN["actions"]) | set(DOMAIN["forms"])
    for name in records:
        if name.startswith("utter_"):
            assert name in responses_, name
        if name.startswith(("action_", "validate_")) and name not in ("action_listen",):
            assert name in actions, name


def test_every_records_action_is_registered_by_the_action_server() -> None:
    executor = ActionExecutor()
    executor.register_package("actions")
    mine = [
        value
        for name, value in vars(c).items()
        if name.startswith("ACTION_")
        and value.startswith(
            (
                "action_personal",
                "action_resume",
                "action_show_more",
                "action_lookup",
                "action_find",
                "action_cancel_records",
                "validate_",
            )
        )
    ]
    assert len(mine) == 11
    assert set(mine) <= set(executor.actions)
