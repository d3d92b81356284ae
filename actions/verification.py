"""Identity verification form: BHXH code or CCCD/CMND, then a 6-digit OTP sent by SMS.

Whether a conversation is verified lives server-side (see vssid/services/verification.py);
the form's slots only track progress and hold nothing that grants access.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.forms import UserInputFormValidation, is_activating
from actions.records_format import clock
from vssid import constants as c
from vssid.aio import run_blocking
from vssid.privacy import mask_number
from vssid.services import errors, identifiers
from vssid.services.registry import get_records_service
from vssid.text import fold_words

logger = logging.getLogger(__name__)

# What users type to leave a form when NLU does not catch the `cancel` intent.
CANCEL_WORDS = frozenset(
    {
        "thoi",
        "huy",
        "huy bo",
        "dung",
        "dung lai",
        "thoi khong can",
        "khong can nua",
        "thoi khoi",
        "bo qua",
        "cancel",
        "stop",
        "exit",
    }
)

FORM_SLOTS = (
    c.SLOT_VERIFICATION_IDENTIFIER,
    c.SLOT_OTP_CODE,
    c.SLOT_LOOKUP_ID_NUMBER,
    c.SLOT_LOOKUP_FULL_NAME,
    c.SLOT_LOOKUP_DATE_OF_BIRTH,
)


def session_started_at(tracker: Tracker) -> datetime | None:
    """When the current chat session began (its `session_started` event), as UTC."""
    for event in reversed(tracker.events):
        if event.get("event") == "session_started" and event.get("timestamp") is not None:
            return datetime.fromtimestamp(float(event["timestamp"]), tz=timezone.utc)
    return None


def latest_intent(tracker: Tracker) -> str | None:
    """Intent of the latest user message (also for `/intent` payloads, which have no ranking)."""
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def wants_to_cancel(tracker: Tracker, text: str | None = None) -> bool:
    """The user asked to leave the form (by intent, or by a cancel word NLU missed)."""
    if latest_intent(tracker) == c.INTENT_CANCEL:
        return True
    value = text if text is not None else tracker.latest_message.get("text") or ""
    return fold_words(value) in CANCEL_WORDS


def end_form(**slots: Any) -> dict[str, Any]:
    """Slot values that make Rasa end the form now (requested_slot None ends a loop)."""
    return {**slots, c.SLOT_REQUESTED: None}


class ValidateVerificationForm(UserInputFormValidation):
    def name(self) -> str:
        return c.ACTION_VALIDATE_VERIFICATION_FORM

    async def extract_verification_identifier(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A BHXH code or CCCD/CMND written in the request itself goes straight to the OTP step."""
        if not is_activating(tracker):
            return {}
        for entity in (identifiers.BHXH_CODE, identifiers.ID_NUMBER):
            value = next(tracker.get_latest_entity_values(entity), None)
            if value:
                return {c.SLOT_VERIFICATION_IDENTIFIER: str(value)}
        return {}

    async def validate_verification_identifier(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:  # reset by an action before the form started: nothing was typed
            return {c.SLOT_VERIFICATION_IDENTIFIER: None}
        text = str(value)
        if wants_to_cancel(tracker, text):
            return await self._cancel(dispatcher, tracker)
        try:
            sent = await run_blocking(
                get_records_service().start_verification, conversation_id=tracker.sender_id, identifier=text
            )
        except errors.InvalidInput as error:
            if error.reason == identifiers.REASON_LENGTH:
                dispatcher.utter_message(response=c.UTTER_INVALID_IDENTIFIER_LENGTH, digits=error.digits)
            else:
                dispatcher.utter_message(response=c.UTTER_INVALID_IDENTIFIER_CHARACTERS)
            return {c.SLOT_VERIFICATION_IDENTIFIER: None}
        except errors.PersonNotFound:
            dispatcher.utter_message(response=c.UTTER_IDENTITY_NOT_FOUND)
            return {c.SLOT_VERIFICATION_IDENTIFIER: None}
        except errors.NoContactPhone:
            dispatcher.utter_message(response=c.UTTER_NO_REGISTERED_PHONE)
            return end_form(**{c.SLOT_VERIFICATION_IDENTIFIER: None})
        except errors.TooManyAttempts as error:
            return self._limited(dispatcher, error)
        dispatcher.utter_message(response=c.UTTER_OTP_SENT, masked_phone=sent.masked_phone)
        # Progress marker only: the identity is held server-side, the slot keeps a masked copy.
        return {c.SLOT_VERIFICATION_IDENTIFIER: mask_number(text)}

    async def validate_otp_code(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is None:  # reset by an action before the form started: nothing was typed
            return {c.SLOT_OTP_CODE: None}
        text = str(value)
        if wants_to_cancel(tracker, text):
            return await self._cancel(dispatcher, tracker)
        try:
            code = identifiers.parse_otp(text)
        except errors.InvalidInput:
            dispatcher.utter_message(response=c.UTTER_OTP_INVALID_FORMAT)
            return {c.SLOT_OTP_CODE: None}
        service = get_records_service()
        try:
            await run_blocking(service.confirm_otp, conversation_id=tracker.sender_id, code=code)
        except errors.OtpIncorrect as error:
            dispatcher.utter_message(response=c.UTTER_OTP_INCORRECT, attempts_left=error.attempts_left)
            return {c.SLOT_OTP_CODE: None}
        except (errors.OtpExpired, errors.OtpAttemptsExhausted) as error:
            return await self._resend(dispatcher, tracker, expired=isinstance(error, errors.OtpExpired))
        except errors.TooManyAttempts as error:
            return self._limited(dispatcher, error)
        except errors.NoPendingOtp:
            return {c.SLOT_VERIFICATION_IDENTIFIER: None, c.SLOT_OTP_CODE: None}
        dispatcher.utter_message(response=c.UTTER_VERIFIED)
        return {c.SLOT_OTP_CODE: "verified"}

    async def _resend(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, *, expired: bool
    ) -> dict[str, Any]:
        try:
            sent = await run_blocking(get_records_service().resend_otp, conversation_id=tracker.sender_id)
        except errors.TooManyAttempts as error:
            return self._limited(dispatcher, error)
        except errors.ServiceError:
            return {c.SLOT_VERIFICATION_IDENTIFIER: None, c.SLOT_OTP_CODE: None}
        response = c.UTTER_OTP_EXPIRED_RESENT if expired else c.UTTER_OTP_EXHAUSTED_RESENT
        dispatcher.utter_message(response=response, masked_phone=sent.masked_phone)
        return {c.SLOT_OTP_CODE: None}

    @staticmethod
    def _limited(dispatcher: CollectingDispatcher, error: errors.TooManyAttempts) -> dict[str, Any]:
        response = (
            c.UTTER_VERIFICATION_LOCKED
            if isinstance(error, errors.VerificationLocked)
            else c.UTTER_OTP_REQUEST_LIMIT
        )
        dispatcher.utter_message(response=response, retry_time=clock(error.retry_after))
        return end_form(**{c.SLOT_VERIFICATION_IDENTIFIER: None, c.SLOT_OTP_CODE: None})

    @staticmethod
    async def _cancel(dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        await run_blocking(get_records_service().cancel_verification, conversation_id=tracker.sender_id)
        dispatcher.utter_message(response=c.UTTER_RECORDS_FORM_CANCELLED)
        return end_form(
            **{c.SLOT_VERIFICATION_IDENTIFIER: None, c.SLOT_OTP_CODE: None, c.SLOT_PENDING_LOOKUP: None}
        )


class ActionCancelRecordsForm(Action):
    """After `cancel` in any records form: close open OTPs, forget what was typed, confirm."""

    def name(self) -> str:
        return c.ACTION_CANCEL_RECORDS_FORM

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        await run_blocking(get_records_service().cancel_verification, conversation_id=tracker.sender_id)
        dispatcher.utter_message(response=c.UTTER_RECORDS_FORM_CANCELLED)
        return [SlotSet(slot, None) for slot in (*FORM_SLOTS, c.SLOT_PENDING_LOOKUP, c.SLOT_LOCATION)]
