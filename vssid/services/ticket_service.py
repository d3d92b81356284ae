"""The one interface actions and the agent console call for the escalation queue.

`TicketService` opens a session per call and lets the functions of `vssid.services.tickets`
own the transaction; callers get plain frozen dataclasses, never ORM rows or a Session, so no
action or channel imports SQLAlchemy. Methods are blocking; async callers go through
`vssid.aio.run_blocking`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker

from vssid.db.base import utcnow
from vssid.db.tickets import AUTHOR_AGENT, AUTHOR_USER, Ticket, TicketMessage
from vssid.services import tickets
from vssid.services.tickets import TranscriptLine


@dataclass(frozen=True)
class TicketInfo:
    id: int
    status: str
    priority: str
    reason: str
    topic: str
    channel: str
    conversation_id: str
    sender_id: str
    callback_phone: str | None
    assigned_agent: str | None
    rating: str | None
    created_at: datetime
    updated_at: datetime | None
    assigned_at: datetime | None
    resolved_at: datetime | None
    waiting_seconds: int
    user_messages: int | None = None
    held: bool = False

    @classmethod
    def of(
        cls, ticket: Ticket, *, user_messages: int | None = None, now: datetime | None = None
    ) -> TicketInfo:
        return cls(
            id=ticket.id,
            status=ticket.status,
            priority=ticket.priority,
            reason=ticket.reason,
            topic=ticket.topic,
            channel=ticket.channel,
            conversation_id=ticket.conversation_id,
            sender_id=ticket.sender_id,
            callback_phone=ticket.callback_phone,
            assigned_agent=ticket.assigned_agent,
            rating=ticket.rating,
            created_at=ticket.created_at,
            updated_at=ticket.updated_at,
            assigned_at=ticket.assigned_at,
            resolved_at=ticket.resolved_at,
            waiting_seconds=int(tickets.waiting_time(ticket, now=now).total_seconds()),
            user_messages=user_messages,
            held=bool(ticket.held),
        )


@dataclass(frozen=True)
class MessageInfo:
    id: int
    ticket_id: int
    author: str
    agent_name: str | None
    text: str
    created_at: datetime
    delivered_at: datetime | None

    @classmethod
    def of(cls, message: TicketMessage) -> MessageInfo:
        return cls(
            id=message.id,
            ticket_id=message.ticket_id,
            author=message.author,
            agent_name=message.agent_name,
            text=message.text,
            created_at=message.created_at,
            delivered_at=message.delivered_at,
        )


@dataclass(frozen=True)
class OpenedTicket:
    ticket_id: int
    created: bool  # False: the conversation already had an active ticket
    has_callback_phone: bool


@dataclass(frozen=True)
class AgentReply:
    agent: str
    text: str


@dataclass(frozen=True)
class QueueView:
    tickets: tuple[TicketInfo, ...]
    server_time: datetime
    total: int = 0
    page: int = 1
    per_page: int = tickets.DEFAULT_PAGE_SIZE


class TicketService:
    """The escalation queue over SQL; every method is one unit of work."""

    def __init__(self, sessions: sessionmaker) -> None:
        self._sessions = sessions

    @classmethod
    def from_settings(cls) -> TicketService:
        from vssid.db.engine import get_sessionmaker

        return cls(get_sessionmaker())

    # --- bot side --------------------------------------------------------------------------

    def open_ticket(
        self,
        *,
        conversation_id: str,
        channel: str,
        sender_id: str,
        topic: str,
        reason: str,
        transcript: Sequence[TranscriptLine] = (),
    ) -> OpenedTicket:
        with self._sessions() as session:
            ticket, created = tickets.open_ticket(
                session,
                conversation_id=conversation_id,
                channel=channel,
                sender_id=sender_id,
                topic=topic,
                reason=reason,
                transcript=transcript,
            )
            return OpenedTicket(
                ticket_id=ticket.id, created=created, has_callback_phone=bool(ticket.callback_phone)
            )

    def relay_user_message(self, *, conversation_id: str, text: str) -> tickets.RelayResult:
        with self._sessions() as session:
            return tickets.append_user_message(session, conversation_id=conversation_id, text=text)

    def has_active_ticket(self, *, conversation_id: str) -> bool:
        with self._sessions() as session:
            return tickets.active_ticket(session, conversation_id=conversation_id) is not None

    def set_callback_phone(self, *, conversation_id: str, phone: str) -> bool:
        """True when stored on the conversation's active ticket; InvalidInput for a bad number."""
        with self._sessions() as session:
            return (
                tickets.set_callback_phone(session, conversation_id=conversation_id, phone=phone) is not None
            )

    def take_undelivered_replies(self, *, conversation_id: str) -> list[AgentReply]:
        """Agent replies not yet shown to the user, oldest first, now marked delivered."""
        with self._sessions() as session:
            return [
                AgentReply(agent=reply.agent_name or "", text=reply.text)
                for reply in tickets.take_undelivered_replies(session, conversation_id=conversation_id)
            ]

    def rate_latest_ticket(self, *, conversation_id: str, rating: str) -> int | None:
        """The id of the ticket that got the rating, or None when nothing was left to rate."""
        with self._sessions() as session:
            ticket = tickets.rate_latest_ticket(session, conversation_id=conversation_id, rating=rating)
            return ticket.id if ticket is not None else None

    # --- agent side ------------------------------------------------------------------------

    def queue(
        self, *, include_resolved: bool = False, page: int = 1, per_page: int = tickets.DEFAULT_PAGE_SIZE
    ) -> QueueView:
        """One page of the queue: held tickets last, high priority first, then longest waiting."""
        with self._sessions() as session:
            rows, total = tickets.queue_page(
                session, include_resolved=include_resolved, page=page, per_page=per_page
            )
            counts = _user_message_counts(session, [t.id for t in rows])
            now = utcnow()
            return QueueView(
                tickets=tuple(TicketInfo.of(t, user_messages=counts.get(t.id, 0), now=now) for t in rows),
                server_time=now,
                total=total,
                page=max(page, 1),
                per_page=min(max(per_page, 1), tickets.MAX_PAGE_SIZE),
            )

    def ticket(self, *, ticket_id: int) -> TicketInfo:
        with self._sessions() as session:
            return TicketInfo.of(tickets.get_ticket(session, ticket_id=ticket_id))

    def messages(self, *, ticket_id: int, after_id: int = 0) -> list[MessageInfo]:
        with self._sessions() as session:
            return [
                MessageInfo.of(m)
                for m in tickets.ticket_messages(session, ticket_id=ticket_id, after_id=after_id)
            ]

    def claim(self, *, ticket_id: int, agent: str) -> TicketInfo:
        with self._sessions() as session:
            return TicketInfo.of(tickets.claim_ticket(session, ticket_id=ticket_id, agent=agent))

    def reply(self, *, ticket_id: int, agent: str, text: str) -> tuple[MessageInfo, TicketInfo]:
        with self._sessions() as session:
            message = tickets.add_agent_reply(session, ticket_id=ticket_id, agent=agent, text=text)
            return MessageInfo.of(message), TicketInfo.of(tickets.get_ticket(session, ticket_id=ticket_id))

    def resolve(self, *, ticket_id: int, agent: str) -> TicketInfo:
        with self._sessions() as session:
            return TicketInfo.of(tickets.resolve_ticket(session, ticket_id=ticket_id, agent=agent))

    def is_delivered(self, *, message_id: int) -> bool:
        with self._sessions() as session:
            message = session.get(TicketMessage, message_id)
            return message is not None and message.author == AUTHOR_AGENT and message.delivered_at is not None


def _user_message_counts(session: sa.orm.Session, ticket_ids: list[int]) -> dict[int, int]:
    if not ticket_ids:
        return {}
    rows = session.execute(
        sa.select(TicketMessage.ticket_id, sa.func.count())
        .where(TicketMessage.ticket_id.in_(ticket_ids), TicketMessage.author == AUTHOR_USER)
        .group_by(TicketMessage.ticket_id)
    ).all()
    return {ticket_id: int(count) for ticket_id, count in rows}
