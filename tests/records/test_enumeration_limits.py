"""Unknown identifiers cannot be enumerated: not-found answers are limited per conversation and
per identifier across conversations, and every not-found or refused attempt is audited."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from vssid.db.verification import AuditEntry
from vssid.services import errors
from vssid.services.sql_records import SqlRecordsService

UNKNOWN = [f"01999{n:05d}" for n in range(10)]  # valid-looking BHXH codes nobody has
AN = "0101234567"


def _audit(sessions) -> list[tuple[str, str, str, str | None]]:
    with sessions() as session:
        rows = session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
    return [(r.conversation_id, r.event, r.outcome, r.subject) for r in rows]


def test_unknown_identifiers_are_limited_per_conversation(service: SqlRecordsService, sessions) -> None:
    for code in UNKNOWN[:5]:
        with pytest.raises(errors.PersonNotFound):
            service.start_verification(conversation_id="scanner", identifier=code)
    with pytest.raises(errors.LookupLimit):
        service.start_verification(conversation_id="scanner", identifier=UNKNOWN[5])
    with pytest.raises(errors.LookupLimit):  # even a real person: the conversation is limited
        service.start_verification(conversation_id="scanner", identifier=AN)
    service.start_verification(conversation_id="someone-else", identifier=AN)
    rows = _audit(sessions)
    scanner = [(event, outcome) for conversation, event, outcome, _ in rows if conversation == "scanner"]
    assert scanner == [("identify", "not_found")] * 5 + [("identify", "limited")] * 2
    dumped = " ".join(str(value) for row in rows for value in row)
    assert not re.search(r"\d{9,}", dumped.replace("someone-else", ""))  # numbers stored masked


def test_one_identifier_is_limited_across_conversations(service: SqlRecordsService, sessions) -> None:
    for n in range(5):
        with pytest.raises(errors.PersonNotFound):
            service.start_verification(conversation_id=f"fresh-{n}", identifier=UNKNOWN[0])
    with pytest.raises(errors.LookupLimit):
        service.start_verification(conversation_id="fresh-5", identifier=UNKNOWN[0])
    with pytest.raises(errors.PersonNotFound):  # another identifier from a new conversation
        service.start_verification(conversation_id="fresh-6", identifier=UNKNOWN[1])


def test_birth_date_guessing_is_limited_across_conversations(service: SqlRecordsService, sessions) -> None:
    from datetime import date

    cccd = "079190005678"
    for day in range(1, 6):
        with pytest.raises(errors.PersonNotFound):
            service.lookup_bhxh_code(
                conversation_id=f"guess-{day}",
                id_number=cccd,
                full_name="Trần Thị Bình",
                date_of_birth=date(1990, 1, day),
            )
    with pytest.raises(errors.LookupLimit):
        service.lookup_bhxh_code(
            conversation_id="guess-6",
            id_number=cccd,
            full_name="Trần Thị Bình",
            date_of_birth=date(1990, 1, 6),
        )
    outcomes = [
        outcome for conversation, event, outcome, _ in _audit(sessions) if event == "lookup_bhxh_code"
    ]
    assert outcomes == ["not_found"] * 5 + ["limited"]
