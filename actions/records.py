"""Record look-ups: BHXH code by CCCD + name + birth date, personal data after verification,
BHXH offices and BHYT clinics by place.

Actions read the tracker, call the records service (in a worker thread), and answer with
responses from domain.yml. Whose data is shown is decided by the service from the
conversation's server-side verification, never from a slot.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import date
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import records_format as fmt
from actions.forms import UserInputFormValidation, is_activating
from actions.verification import (
    FORM_SLOTS,
    end_form,
    latest_intent,
    session_started_at,
    wants_to_cancel,
)
from vssid import constants as c
from vssid.aio import run_blocking
from vssid.services import details, errors, identifiers
from vssid.services.locations import resolve_location
from vssid.services.records import ContributionPage, PlaceSearch, RecordsService
from vssid.services.registry import get_records_service

logger = logging.getLogger(__name__)

PERSONAL_LOOKUPS = (c.INTENT_CHECK_BHYT_CARD, c.INTENT_CHECK_CONTRIBUTION, c.INTENT_CHECK_BENEFITS)


async def answer_personal(
    kind: str, dispatcher: CollectingDispatcher, tracker: Tracker, service: RecordsService
) -> list[EventType]:
    """Answer look-up `kind` for the verified person; raises NotVerified if the conversation isn't."""
    started = session_started_at(tracker)
    conversation = tracker.sender_id
    if kind == c.INTENT_CHECK_BHYT_CARD:
        card = await run_blocking(service.bhyt_card, conversation_id=conversation, session_started_at=started)
        if card is None:
            dispatcher.utter_message(response=c.UTTER_NO_BHYT_CARD)
        else:
            dispatcher.utter_message(
                response=c.UTTER_BHYT_CARD if card.is_valid else c.UTTER_BHYT_CARD_EXPIRED,
                card_number=card.card_number,
                valid_from=fmt.day(card.valid_from),
                valid_to=fmt.day(card.valid_to),
                clinic_name=card.clinic_name,
                clinic_address=card.clinic_address,
            )
        return [SlotSet(c.SLOT_LAST_TASK, None)]
    if kind == c.INTENT_CHECK_CONTRIBUTION:
        page = await run_blocking(
            service.contributions, conversation_id=conversation, session_started_at=started
        )
        if not page.periods:
            dispatcher.utter_message(response=c.UTTER_NO_CONTRIBUTIONS)
            return [SlotSet(c.SLOT_CONTRIBUTIONS_NEXT_OFFSET, None), SlotSet(c.SLOT_LAST_TASK, None)]
        _utter_page(dispatcher, page, first=True)
        paged = c.TASK_CONTRIBUTIONS if page.next_offset is not None else None
        return [SlotSet(c.SLOT_CONTRIBUTIONS_NEXT_OFFSET, page.next_offset), SlotSet(c.SLOT_LAST_TASK, paged)]
    benefits = await run_blocking(service.benefits, conversation_id=conversation, session_started_at=started)
    if benefits:
        dispatcher.utter_message(response=c.UTTER_BENEFITS, benefits=fmt.benefits_text(benefits))
    else:
        dispatcher.utter_message(response=c.UTTER_NO_BENEFITS)
    return [SlotSet(c.SLOT_LAST_TASK, None)]


def _utter_page(dispatcher: CollectingDispatcher, page: ContributionPage, *, first: bool) -> None:
    more = page.next_offset is not None
    dispatcher.utter_message(
        response=c.UTTER_CONTRIBUTIONS if first else c.UTTER_CONTRIBUTIONS_PAGE,
        total=fmt.duration(page.total_months),
        periods=fmt.periods_text(page.periods),
        shown=page.offset + len(page.periods),
        count=page.total_periods,
        more_hint='\nNhắn "xem thêm" để xem các giai đoạn trước.' if more else "",
        buttons=[{"title": "Xem thêm", "payload": "/show_more"}] if more else [],
    )


class ActionPersonalLookup(Action):
    """check_bhyt_card / check_contribution / check_benefits: answer if verified, else start the form.

    Sets `identity_verified` (featurized, only ever set here after asking the service) so the
    rules know whether to run `verification_form`.
    """

    def name(self) -> str:
        return c.ACTION_PERSONAL_LOOKUP

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        kind = latest_intent(tracker)
        if kind not in PERSONAL_LOOKUPS:
            kind = tracker.get_slot(c.SLOT_PENDING_LOOKUP) or c.INTENT_CHECK_BHYT_CARD
        service = get_records_service()
        try:
            events = await answer_personal(kind, dispatcher, tracker, service)
        except errors.NotVerified:
            dispatcher.utter_message(response=c.UTTER_VERIFICATION_NEEDED)
            return [
                SlotSet(c.SLOT_IDENTITY_VERIFIED, False),
                SlotSet(c.SLOT_PENDING_LOOKUP, kind),
                *(SlotSet(slot, None) for slot in (c.SLOT_VERIFICATION_IDENTIFIER, c.SLOT_OTP_CODE)),
            ]
        return [SlotSet(c.SLOT_IDENTITY_VERIFIED, True), SlotSet(c.SLOT_PENDING_LOOKUP, None), *events]


class ActionResumePersonalLookup(Action):
    """After verification_form: answer the look-up the user asked for, if verification succeeded."""

    def name(self) -> str:
        return c.ACTION_RESUME_PERSONAL_LOOKUP

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reset = [
            SlotSet(slot, None)
            for slot in (c.SLOT_VERIFICATION_IDENTIFIER, c.SLOT_OTP_CODE, c.SLOT_PENDING_LOOKUP)
        ]
        kind = tracker.get_slot(c.SLOT_PENDING_LOOKUP)
        if kind not in PERSONAL_LOOKUPS:
            return reset
        try:
            events = await answer_personal(kind, dispatcher, tracker, get_records_service())
        except errors.NotVerified:
            return [*reset, SlotSet(c.SLOT_IDENTITY_VERIFIED, False)]  # the form already said why
        return [*reset, SlotSet(c.SLOT_IDENTITY_VERIFIED, True), *events]


class ActionShowMoreContributions(Action):
    """show_more: the next page of contribution periods (verification re-checked)."""

    def name(self) -> str:
        return c.ACTION_SHOW_MORE_CONTRIBUTIONS

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        offset = tracker.get_slot(c.SLOT_CONTRIBUTIONS_NEXT_OFFSET)
        if offset is None:
            dispatcher.utter_message(response=c.UTTER_NO_MORE_CONTRIBUTIONS)
            return []
        try:
            page = await run_blocking(
                get_records_service().contributions,
                conversation_id=tracker.sender_id,
                session_started_at=session_started_at(tracker),
                offset=int(offset),
            )
        except errors.NotVerified:
            dispatcher.utter_message(response=c.UTTER_VERIFICATION_EXPIRED)
            return [SlotSet(c.SLOT_CONTRIBUTIONS_NEXT_OFFSET, None), SlotSet(c.SLOT_IDENTITY_VERIFIED, False)]
        if not page.periods:
            dispatcher.utter_message(response=c.UTTER_NO_MORE_CONTRIBUTIONS)
        else:
            _utter_page(dispatcher, page, first=False)
        return [SlotSet(c.SLOT_CONTRIBUTIONS_NEXT_OFFSET, page.next_offset)]


class ValidateBhxhCodeLookupForm(UserInputFormValidation):
    """CCCD/CMND, full name and birth date; any of them written in the request are used at once."""

    def name(self) -> str:
        return c.ACTION_VALIDATE_BHXH_CODE_LOOKUP_FORM

    @staticmethod
    def _request_text(tracker: Tracker) -> str | None:
        """The request's text while the form activates (not a button payload), else None."""
        text = tracker.latest_message.get("text") or ""
        return text if is_activating(tracker) and not text.startswith("/") else None

    async def extract_lookup_id_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if self._request_text(tracker) is None:
            return {}
        value = next(tracker.get_latest_entity_values(identifiers.ID_NUMBER), None)
        return {c.SLOT_LOOKUP_ID_NUMBER: str(value)} if value else {}

    async def extract_lookup_full_name(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = self._request_text(tracker)
        name = details.find_full_name(text) if text else None
        return {c.SLOT_LOOKUP_FULL_NAME: name} if name else {}

    async def extract_lookup_date_of_birth(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = self._request_text(tracker)
        born = details.find_date_of_birth(text) if text else None
        return {c.SLOT_LOOKUP_DATE_OF_BIRTH: born.isoformat()} if born else {}

    def _parse(
        self, slot: str, parser, invalid: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        text = str(value or "")
        if wants_to_cancel(tracker, text):
            dispatcher.utter_message(response=c.UTTER_RECORDS_FORM_CANCELLED)
            return end_form(**{s: None for s in FORM_SLOTS})
        try:
            parsed = parser(text)
        except errors.InvalidInput:
            dispatcher.utter_message(response=invalid)
            return {slot: None}
        return {slot: parsed.isoformat() if hasattr(parsed, "isoformat") else parsed}

    def validate_lookup_id_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._parse(
            c.SLOT_LOOKUP_ID_NUMBER,
            identifiers.parse_id_number,
            c.UTTER_INVALID_ID_NUMBER,
            value,
            dispatcher,
            tracker,
        )

    def validate_lookup_full_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._parse(
            c.SLOT_LOOKUP_FULL_NAME,
            identifiers.parse_full_name,
            c.UTTER_INVALID_FULL_NAME,
            value,
            dispatcher,
            tracker,
        )

    def validate_lookup_date_of_birth(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return self._parse(
            c.SLOT_LOOKUP_DATE_OF_BIRTH,
            identifiers.parse_date_of_birth,
            c.UTTER_INVALID_DATE_OF_BIRTH,
            value,
            dispatcher,
            tracker,
        )


class ActionLookupBhxhCode(Action):
    """After bhxh_code_lookup_form: show the BHXH code only if CCCD, name and birth date all match."""

    def name(self) -> str:
        return c.ACTION_LOOKUP_BHXH_CODE

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reset = [
            SlotSet(slot, None)
            for slot in (c.SLOT_LOOKUP_ID_NUMBER, c.SLOT_LOOKUP_FULL_NAME, c.SLOT_LOOKUP_DATE_OF_BIRTH)
        ]
        id_number = tracker.get_slot(c.SLOT_LOOKUP_ID_NUMBER)
        full_name = tracker.get_slot(c.SLOT_LOOKUP_FULL_NAME)
        born = tracker.get_slot(c.SLOT_LOOKUP_DATE_OF_BIRTH)
        if not (id_number and full_name and born):
            return reset  # the form ended early (cancelled); it already answered
        try:
            code = await run_blocking(
                get_records_service().lookup_bhxh_code,
                conversation_id=tracker.sender_id,
                id_number=identifiers.parse_id_number(id_number),
                full_name=full_name,
                date_of_birth=date.fromisoformat(born),
            )
        except errors.LookupLimit as error:
            dispatcher.utter_message(response=c.UTTER_LOOKUP_LIMIT, retry_time=fmt.clock(error.retry_after))
        except (errors.PersonNotFound, errors.InvalidInput, ValueError):
            dispatcher.utter_message(response=c.UTTER_BHXH_CODE_NOT_FOUND)
        else:
            dispatcher.utter_message(response=c.UTTER_BHXH_CODE_FOUND, bhxh_code=code)
        return [*reset, SlotSet(c.SLOT_LAST_TASK, None)]


class _ValidatePlaceSearchForm(UserInputFormValidation, ABC):
    """`location` from the NLU entity, or else from the text (asked for, or named in the request).

    Abstract, so the action server registers only the concrete subclasses.
    """

    @abstractmethod
    def name(self) -> str: ...

    async def extract_location(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if latest_intent(tracker) == c.INTENT_CANCEL:
            return {}
        text = tracker.latest_message.get("text") or ""
        if tracker.get_slot(c.SLOT_REQUESTED) == c.SLOT_LOCATION and text and not text.startswith("/"):
            return {c.SLOT_LOCATION: text}
        if tracker.get_slot(c.SLOT_LOCATION) is None and not text.startswith("/") and resolve_location(text):
            return {c.SLOT_LOCATION: text}  # "tìm cơ quan BHXH cau giay" that NLU did not tag
        return {}

    def validate_location(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = str(value or "")
        if wants_to_cancel(tracker, text):
            dispatcher.utter_message(response=c.UTTER_RECORDS_FORM_CANCELLED)
            return end_form(**{c.SLOT_LOCATION: None})
        if resolve_location(text) is None:
            dispatcher.utter_message(response=c.UTTER_LOCATION_UNKNOWN, location=text[:60])
            return {c.SLOT_LOCATION: None}
        return {c.SLOT_LOCATION: text}


class ValidateOfficeSearchForm(_ValidatePlaceSearchForm):
    def name(self) -> str:
        return c.ACTION_VALIDATE_OFFICE_SEARCH_FORM


class ValidateFacilitySearchForm(_ValidatePlaceSearchForm):
    def name(self) -> str:
        return c.ACTION_VALIDATE_FACILITY_SEARCH_FORM


class _ActionFindPlaces(Action, ABC):
    """After office/facility_search_form: up to 5 places, district matches first."""

    found_response = ""
    task = ""  # last_task value: a place named next ("còn ở Thủ Đức?") continues this search

    @abstractmethod
    def name(self) -> str: ...

    @abstractmethod
    def search(self, service: RecordsService) -> Callable[..., PlaceSearch | None]: ...

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        location = tracker.get_slot(c.SLOT_LOCATION)
        if not location:
            return []  # the form ended early (cancelled); it already answered
        result = await run_blocking(self.search(get_records_service()), location=location)
        if result is None:
            dispatcher.utter_message(response=c.UTTER_LOCATION_UNKNOWN, location=str(location)[:60])
        elif not result.places:
            dispatcher.utter_message(response=c.UTTER_NO_PLACES_FOUND, location_label=result.location_label)
        else:
            dispatcher.utter_message(
                response=self.found_response,
                location_label=result.location_label,
                places=fmt.places_text(result.places),
            )
        # Forget the place so the next search asks again instead of reusing a stale one.
        return [SlotSet(c.SLOT_LOCATION, None), SlotSet(c.SLOT_LAST_TASK, self.task)]


class ActionFindOffice(_ActionFindPlaces):
    found_response = c.UTTER_OFFICES_FOUND
    task = c.TASK_OFFICE

    def name(self) -> str:
        return c.ACTION_FIND_OFFICE

    def search(self, service: RecordsService) -> Callable[..., PlaceSearch | None]:
        return service.find_offices


class ActionFindFacility(_ActionFindPlaces):
    found_response = c.UTTER_FACILITIES_FOUND
    task = c.TASK_FACILITY

    def name(self) -> str:
        return c.ACTION_FIND_FACILITY

    def search(self, service: RecordsService) -> Callable[..., PlaceSearch | None]:
        return service.find_clinics
