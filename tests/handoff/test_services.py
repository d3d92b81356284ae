"""Queue use cases on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from vssid.db.tickets import Ticket, TicketMessage
from vssid.services import tickets as queue


def _open(
    session: Session, conversation_id: str = "web-abc", reason: str = queue.REASON_REQUEST_HUMAN, **kwargs
) -> Ticket:
    ticket, _ = queue.open_ticket(
        session,
        conversation_id=conversation_id,
        channel="webchat",
        sender_id=conversation_id[4:],
        topic="faq/forgot_password",
        reason=reason,
        **kwargs,
    )
    return ticket


def test_open_ticket_masks_the_transcript_and_is_idempotent(session: Session) -> None:
    transcript = [
        queue.TranscriptLine("user", "mã bhxh của tôi là 7912345678, sđt 0912 345 678"),
        queue.TranscriptLine("bot", "Bạn vui lòng chờ."),
    ]
    first, created = queue.open_ticket(
        session,
        conversation_id="tg-42",
        channel="telegram",
        sender_id="42",
        topic="check_bhyt_card",
        reason=queue.REASON_FALLBACK,
        transcript=transcript,
    )
    again, created_again = queue.open_ticket(
        session,
        conversation_id="tg-42",
        channel="telegram",
        sender_id="42",
        topic="x",
        reason=queue.REASON_REQUEST_HUMAN,
        transcript=transcript,
    )

    assert (created, created_again) == (True, False)
    assert again.id == first.id
    assert first.status == "open" and first.priority == "high"
    texts = [m.text for m in queue.ticket_messages(session, ticket_id=first.id)]
    assert texts == ["mã bhxh của tôi là xxxxxxx678, sđt xxxxxxx678", "Bạn vui lòng chờ."]
    assert session.scalar(sa.select(sa.func.count()).select_from(Ticket)) == 1


def test_database_refuses_a_second_active_ticket_for_a_conversation(session: Session) -> None:
    _open(session)
    session.add(
        Ticket(
            conversation_id="web-abc",
            channel="webchat",
            sender_id="abc",
            topic="",
            reason="x",
            priority="normal",
            status="open",
        )
    )
    with pytest.raises(sa.exc.IntegrityError):
        session.commit()
    session.rollback()


def test_a_resolved_conversation_can_escalate_again(session: Session) -> None:
    ticket = _open(session)
    queue.resolve_ticket(session, ticket_id=ticket.id, agent="Lan")
    second = _open(session)
    assert second.id != ticket.id and second.status == "open"


def test_relay_appends_masked_user_messages_and_counts_them(session: Session) -> None:
    ticket = _open(session, transcript=[queue.TranscriptLine("user", "tôi cần gặp người")])
    first = queue.append_user_message(session, conversation_id="web-abc", text="cccd 079123456789")
    second = queue.append_user_message(session, conversation_id="web-abc", text="còn đó không?")
    nobody = queue.append_user_message(session, conversation_id="web-zzz", text="hello")

    assert (first.ticket_id, first.user_messages) == (ticket.id, 1)
    assert second.user_messages == 2
    assert nobody == queue.RelayResult(ticket_id=None, user_messages=0)
    last = queue.ticket_messages(session, ticket_id=ticket.id)[-2]
    assert last.text == "cccd xxxxxxxxx789"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0912345678", "0912345678"),
        ("số của tôi: 0912 345 678 nhé", "0912345678"),
        ("+84 912.345.678", "0912345678"),
        ("84912345678", "0912345678"),
        ("02438123456", "02438123456"),
        ("0112345678", None),  # not a mobile prefix
        ("091234567", None),  # too short
        ("không cần", None),
    ],
)
def test_normalize_phone(text: str, expected: str | None) -> None:
    assert queue.normalize_phone(text) == expected


def test_callback_phone_is_validated_and_stored(session: Session) -> None:
    ticket = _open(session)
    with pytest.raises(queue.InvalidInput):
        queue.set_callback_phone(session, conversation_id="web-abc", phone="12345")
    queue.set_callback_phone(session, conversation_id="web-abc", phone="0912 345 678")
    session.refresh(ticket)
    assert ticket.callback_phone == "0912345678"


def test_claim_reply_resolve_and_rate(session: Session) -> None:
    ticket = _open(session)
    with pytest.raises(queue.TicketConflict):
        queue.add_agent_reply(session, ticket_id=ticket.id, agent="Lan", text="Chào bạn")

    claimed = queue.claim_ticket(session, ticket_id=ticket.id, agent="Lan")
    assert (claimed.status, claimed.assigned_agent) == ("assigned", "Lan")
    assert queue.claim_ticket(session, ticket_id=ticket.id, agent="Lan").id == ticket.id  # idempotent
    with pytest.raises(queue.TicketConflict) as conflict:
        queue.claim_ticket(session, ticket_id=ticket.id, agent="Minh")
    assert (conflict.value.status, conflict.value.assigned_agent) == ("assigned", "Lan")
    with pytest.raises(queue.TicketConflict):
        queue.add_agent_reply(session, ticket_id=ticket.id, agent="Minh", text="Chào bạn")

    queue.add_agent_reply(session, ticket_id=ticket.id, agent="Lan", text="Chào bạn, tôi là Lan.")
    queue.add_agent_reply(session, ticket_id=ticket.id, agent="Lan", text="Bạn cần gì ạ?")
    replies = queue.take_undelivered_replies(session, conversation_id="web-abc")
    assert [r.text for r in replies] == ["Chào bạn, tôi là Lan.", "Bạn cần gì ạ?"]
    assert queue.take_undelivered_replies(session, conversation_id="web-abc") == []

    assert queue.rate_latest_ticket(session, conversation_id="web-abc", rating="good") is None  # not resolved
    resolved = queue.resolve_ticket(session, ticket_id=ticket.id, agent="Lan")
    assert resolved.status == "resolved" and resolved.resolved_at is not None
    with pytest.raises(queue.TicketConflict):
        queue.resolve_ticket(session, ticket_id=ticket.id, agent="Lan")
    rated = queue.rate_latest_ticket(session, conversation_id="web-abc", rating="good")
    assert rated is not None and rated.rating == "good" and rated.rated_at is not None


def test_unknown_ticket_and_bad_input(session: Session) -> None:
    with pytest.raises(queue.TicketNotFound):
        queue.claim_ticket(session, ticket_id=999, agent="Lan")
    with pytest.raises(queue.TicketNotFound):
        queue.get_ticket(session, ticket_id=999)
    ticket = _open(session)
    with pytest.raises(queue.InvalidInput):
        queue.claim_ticket(session, ticket_id=ticket.id, agent="  ")
    queue.claim_ticket(session, ticket_id=ticket.id, agent="Lan")
    with pytest.raises(queue.InvalidInput):
        queue.add_agent_reply(session, ticket_id=ticket.id, agent="Lan", text="")


def test_queue_is_oldest_first_with_waiting_time(session: Session) -> None:
    now = datetime.now(timezone.utc)
    newer = _open(session, "web-new", now=now - timedelta(minutes=1))
    older = _open(session, "tg-old", now=now - timedelta(minutes=10))
    done = _open(session, "web-done", now=now - timedelta(minutes=30))
    queue.resolve_ticket(session, ticket_id=done.id, agent="Lan")

    assert [t.id for t in queue.list_queue(session)] == [older.id, newer.id]
    assert [t.id for t in queue.list_queue(session, include_resolved=True)] == [done.id, older.id, newer.id]
    waited = queue.waiting_time(older, now=now)
    assert timedelta(minutes=9) < waited <= timedelta(minutes=10, seconds=1)


def test_timestamps_are_utc_aware(session: Session) -> None:
    ticket = _open(session)
    session.expire_all()
    stored = session.get(Ticket, ticket.id)
    assert stored.created_at.tzinfo is not None
    assert session.scalars(sa.select(TicketMessage)).all() == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("good", "good"),
        ("bad", "bad"),
        ("5 sao", "good"),
        ("1 sao", "bad"),
        ("3 sao", "neutral"),
        ("không hài lòng", "bad"),
        ("hài lòng", "good"),
        ("rất tốt", "good"),
        ("tệ quá", "bad"),
        ("bình thường", "neutral"),
        ("10 điểm", "good"),
        ("⭐⭐⭐⭐⭐", "good"),
        ("⭐️⭐️⭐️", "neutral"),  # emoji variation selectors between the stars
        ("★★☆☆☆", "bad"),  # empty stars do not count
        ("cho 4 ⭐ nha", "good"),
        ("4/5", "good"),
        ("5*", "good"),
        ("2/10", "bad"),
        ("15/08/1990", None),  # a date, not a score
        ("sinh ngày 4/5", None),  # a day and month, not a score
        ("", None),
        ("???", None),
    ],
)
def test_normalize_rating(value: str, expected: str | None) -> None:
    assert queue.normalize_rating(value) == expected


_HCM = timezone(timedelta(hours=7))


@pytest.mark.parametrize(
    ("local", "spec", "is_open"),
    [
        (datetime(2024, 5, 1, 6, 59, tzinfo=_HCM), None, False),
        (datetime(2024, 5, 1, 7, 0, tzinfo=_HCM), None, True),
        (datetime(2024, 5, 5, 20, 59, tzinfo=_HCM), None, True),  # a Sunday: every day
        (datetime(2024, 5, 1, 21, 0, tzinfo=_HCM), None, False),
        (datetime(2024, 5, 1, 23, 30, tzinfo=_HCM), "00:00-24:00", True),
        (datetime(2024, 5, 1, 23, 30, tzinfo=_HCM), "22:00-06:00", True),
        (datetime(2024, 5, 1, 12, 0, tzinfo=_HCM), "22:00-06:00", False),
    ],
)
def test_hotline_hours(
    local: datetime, spec: str | None, is_open: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if spec:
        monkeypatch.setenv("HOTLINE_HOURS", spec)
    else:
        monkeypatch.delenv("HOTLINE_HOURS", raising=False)
    hours = queue.HotlineHours.from_env()
    assert hours.is_open(local.astimezone(timezone.utc)) is is_open


def test_hotline_hours_description() -> None:
    assert queue.HotlineHours().describe() == "7:00–21:00"
