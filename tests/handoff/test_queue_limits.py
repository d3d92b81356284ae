"""Queue flooding: tickets over a client's hourly allowance are held (listed last), and the
queue is paged: held tickets last, high priority first, then the longest waiting."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from vssid.db.base import utcnow
from vssid.services import tickets as queue
from vssid.services import web_sessions


def _open(
    session: Session, conversation_id: str, *, reason: str = queue.REASON_REQUEST_HUMAN, minutes_ago: int = 0
):
    ticket, created = queue.open_ticket(
        session,
        conversation_id=conversation_id,
        channel="webchat" if conversation_id.startswith("web-") else "telegram",
        sender_id=conversation_id,
        topic="faq/change_phone",
        reason=reason,
        now=utcnow() - timedelta(minutes=minutes_ago),
    )
    assert created
    return ticket


def _resolve(session: Session, ticket_id: int) -> None:
    queue.claim_ticket(session, ticket_id=ticket_id, agent="Lan")
    queue.resolve_ticket(session, ticket_id=ticket_id, agent="Lan")


def test_a_conversation_opening_ticket_after_ticket_is_held_after_three_an_hour(session: Session) -> None:
    held = []
    for n in range(4):
        ticket = _open(session, "tg-4242", minutes_ago=40 - n)
        held.append(ticket.held)
        _resolve(session, ticket.id)
    assert held == [False, False, False, True]
    assert _open(session, "tg-4242", minutes_ago=0).held  # still within the hour


def test_one_web_client_opening_many_sessions_is_held_after_five_an_hour(session: Session) -> None:
    expires = utcnow() + timedelta(hours=2)
    for n in range(7):
        web_sessions.register(
            session, conversation_id=f"web-spam{n}", client="203.0.113.9", expires_at=expires
        )
    web_sessions.register(session, conversation_id="web-genuine", client="198.51.100.7", expires_at=expires)
    spam = [_open(session, f"web-spam{n}", minutes_ago=30 - n) for n in range(7)]
    genuine = _open(session, "web-genuine", minutes_ago=1)
    assert [t.held for t in spam] == [False] * 5 + [True] * 2
    assert not genuine.held
    page, total = queue.queue_page(session, per_page=50)
    assert total == 8
    # Held tickets last; the genuine one is listed before them although it came last.
    assert [t.conversation_id for t in page][-2:] == ["web-spam5", "web-spam6"]
    assert "web-genuine" in [t.conversation_id for t in page[:6]]


def test_queue_order_and_paging(session: Session) -> None:
    normal_old = _open(session, "tg-1", minutes_ago=30)
    high_new = _open(session, "tg-2", reason=queue.REASON_NOT_HELPFUL, minutes_ago=5)
    normal_new = _open(session, "tg-3", minutes_ago=10)
    high_old = _open(session, "tg-4", reason=queue.REASON_FALLBACK, minutes_ago=20)
    order = [high_old.id, high_new.id, normal_old.id, normal_new.id]
    assert [t.id for t in queue.list_queue(session)] == order
    first, total = queue.queue_page(session, page=1, per_page=3)
    second, _ = queue.queue_page(session, page=2, per_page=3)
    assert total == 4 and [t.id for t in first + second] == order
    assert queue.queue_page(session, page=3, per_page=3)[0] == []
