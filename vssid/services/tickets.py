"""Escalation queue use cases: open, relay, claim, reply, resolve and rate tickets.

Every function takes a Session and owns its transaction (commits before returning). No Rasa
imports: the actions and the agent console are thin callers of these functions.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vssid import settings
from vssid.db.base import utcnow
from vssid.db.tickets import (
    ACTIVE_STATUSES,
    AUTHOR_AGENT,
    AUTHOR_USER,
    PRIORITY_HIGH,
    PRIORITY_NORMAL,
    STATUS_ASSIGNED,
    STATUS_OPEN,
    STATUS_RESOLVED,
    Ticket,
    TicketMessage,
)
from vssid.privacy import mask_text
from vssid.text import rating_marks

MAX_TRANSCRIPT_LINES = 50
MAX_TEXT_LENGTH = 4000
MAX_AGENT_NAME_LENGTH = 100
# Tickets a conversation (a Telegram user) or a web client address may open per hour before
# the next ones are held: kept and answered, but listed after every other ticket.
TICKETS_PER_CONVERSATION_PER_HOUR = 3
TICKETS_PER_CLIENT_PER_HOUR = 5
TICKET_WINDOW = timedelta(hours=1)
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200

REASON_REQUEST_HUMAN = "request_human"
REASON_NOT_HELPFUL = "not_helpful"
REASON_FALLBACK = "fallback"
# The bot already failed the user on these: they go first in the agents' eyes.
_HIGH_PRIORITY_REASONS = {REASON_NOT_HELPFUL, REASON_FALLBACK}

RATING_GOOD = "good"
RATING_NEUTRAL = "neutral"
RATING_BAD = "bad"


class TicketError(Exception):
    """Base of the queue's domain errors."""


class TicketNotFound(TicketError):
    """No ticket with that id."""


class TicketConflict(TicketError):
    """The ticket is not in a state that allows the operation (claimed by another agent, resolved...)."""

    def __init__(self, ticket: Ticket) -> None:
        # Plain values: the ORM object expires when the caller's transaction is rolled back.
        self.ticket_id: int = ticket.id
        self.status: str = ticket.status
        self.assigned_agent: str | None = ticket.assigned_agent
        super().__init__(f"ticket {self.ticket_id} is {self.status} ({self.assigned_agent or 'unassigned'})")


class InvalidInput(TicketError):
    """Empty or oversized agent name or reply."""


@dataclass(frozen=True)
class TranscriptLine:
    author: str  # "user" or "bot"
    text: str
    at: datetime | None = None


@dataclass(frozen=True)
class RelayResult:
    ticket_id: int | None
    user_messages: int  # user messages on the ticket since the escalation, this one included


# --- hotline hours -------------------------------------------------------------------------

_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


@dataclass(frozen=True)
class HotlineHours:
    """Daily opening hours of the hotline in its local time zone (every day of the week)."""

    opens: time = time(7, 0)
    closes: time = time(21, 0)
    zone: str = "Asia/Ho_Chi_Minh"

    @classmethod
    def from_env(cls) -> HotlineHours:
        """HOTLINE_HOURS="07:00-21:00" (24:00 allowed as a closing time), HOTLINE_TIMEZONE."""
        zone = settings.hotline_timezone() or cls.zone
        spec = settings.hotline_hours()
        if not spec:
            return cls(zone=zone)
        match = _HOURS.match(spec)
        if not match:
            raise ValueError(f"HOTLINE_HOURS must look like 07:00-21:00, got {spec!r}")
        h1, m1, h2, m2 = (int(group) for group in match.groups())
        closes = time.max if (h2, m2) == (24, 0) else time(h2, m2)
        return cls(opens=time(h1, m1), closes=closes, zone=zone)

    def is_open(self, now: datetime) -> bool:
        local = now.astimezone(ZoneInfo(self.zone)).time()
        if self.opens <= self.closes:
            return self.opens <= local < self.closes
        return local >= self.opens or local < self.closes  # spans midnight

    def describe(self) -> str:
        """'7:00–21:00' as shown to users."""
        closes = "24:00" if self.closes == time.max else f"{self.closes.hour}:{self.closes.minute:02d}"
        return f"{self.opens.hour}:{self.opens.minute:02d}–{closes}"


# --- callback phone ------------------------------------------------------------------------

_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
# Mobile numbers (03/05/07/08/09 + 8 digits) and landlines (02 + 9 digits).
_VALID_PHONE = re.compile(r"^(?:0[35789]\d{8}|02\d{9})$")
_PHONE_CANDIDATE = re.compile(r"(?:\+?84|0)[\d\s.\-()]{7,16}\d")


def normalize_phone(text: str) -> str | None:
    """The first Vietnamese phone number in ``text`` as 0xxxxxxxxx, or None if there is none."""
    for candidate in _PHONE_CANDIDATE.findall(text or ""):
        digits = _PHONE_SEPARATORS.sub("", candidate).lstrip("+")
        if digits.startswith("84"):
            digits = "0" + digits[2:]
        if _VALID_PHONE.match(digits):
            return digits
    return None


def looks_like_phone_attempt(text: str) -> bool:
    """True for a message that is mostly digits (a mistyped number rather than a sentence)."""
    stripped = _PHONE_SEPARATORS.sub("", (text or "").strip()).lstrip("+")
    return len(stripped) >= 6 and sum(ch.isdigit() for ch in stripped) >= 0.8 * len(stripped)


# --- ratings -------------------------------------------------------------------------------

_STARS = re.compile(r"(\d+)\s*(sao|điểm|diem)")
_BAD_WORDS = (
    "không hài lòng",
    "khong hai long",
    "chưa hài lòng",
    "chua hai long",
    "tệ",
    "te",
    "kém",
    "kem",
    "chán",
    "bad",
    "chưa",
    "chua",
    "không",
    "khong",
)
_NEUTRAL_WORDS = ("bình thường", "binh thuong", "tạm được", "tam duoc", "ổn", "on", "neutral")
_GOOD_WORDS = (
    "hài lòng",
    "hai long",
    "tốt",
    "tot",
    "tuyệt",
    "tuyet",
    "xuất sắc",
    "xuat sac",
    "good",
    "có",
    "co",
)


def normalize_rating(value: str | None) -> str | None:
    """Map a button value ('good') or a typed rating ('5 sao', '4/5', '⭐⭐⭐⭐', 'không hài lòng') to
    good/neutral/bad."""
    text = (value or "").strip().lower()
    if not text:
        return None
    if text in (RATING_GOOD, RATING_NEUTRAL, RATING_BAD):
        return text
    stars = _STARS.search(text)
    marks = rating_marks(text)
    if stars or marks:
        if stars:
            score, scale = int(stars.group(1)), 10 if stars.group(2) in ("điểm", "diem") else 5
        else:
            score, scale = marks[0].score, marks[0].scale
        return RATING_GOOD if score >= 0.8 * scale else RATING_BAD if score <= 0.4 * scale else RATING_NEUTRAL
    words = set(re.findall(r"\w+", text))
    for candidates, rating in (
        (_BAD_WORDS, RATING_BAD),
        (_NEUTRAL_WORDS, RATING_NEUTRAL),
        (_GOOD_WORDS, RATING_GOOD),
    ):
        for phrase in candidates:
            if (" " in phrase and phrase in text) or phrase in words:
                return rating
    return None


# --- bot side ------------------------------------------------------------------------------


def priority_for(reason: str) -> str:
    return PRIORITY_HIGH if reason in _HIGH_PRIORITY_REASONS else PRIORITY_NORMAL


def active_ticket(session: Session, *, conversation_id: str) -> Ticket | None:
    return session.scalars(
        sa.select(Ticket).where(Ticket.conversation_id == conversation_id, Ticket.status.in_(ACTIVE_STATUSES))
    ).first()


def open_ticket(
    session: Session,
    *,
    conversation_id: str,
    channel: str,
    sender_id: str,
    topic: str,
    reason: str,
    transcript: Sequence[TranscriptLine] = (),
    now: datetime | None = None,
) -> tuple[Ticket, bool]:
    """Open a ticket for the conversation, or return its active one: (ticket, created)."""
    existing = active_ticket(session, conversation_id=conversation_id)
    if existing is not None:
        return existing, False
    now = now or utcnow()
    ticket = Ticket(
        held=_over_allowance(session, conversation_id=conversation_id, now=now),
        conversation_id=conversation_id,
        channel=channel or "",
        sender_id=sender_id,
        topic=topic[:500],
        reason=reason,
        priority=priority_for(reason),
        status=STATUS_OPEN,
        created_at=now,
        updated_at=now,
    )
    for line in list(transcript)[-MAX_TRANSCRIPT_LINES:]:
        ticket.messages.append(
            TicketMessage(
                author=line.author, text=_clip(mask_text(line.text)), created_at=min(line.at or now, now)
            )
        )
    session.add(ticket)
    try:
        session.commit()
    except IntegrityError:
        # A concurrent escalation of the same conversation won the unique partial index.
        session.rollback()
        existing = active_ticket(session, conversation_id=conversation_id)
        if existing is None:
            raise
        return existing, False
    return ticket, True


def _over_allowance(session: Session, *, conversation_id: str, now: datetime) -> bool:
    """Whether the conversation, or the web client behind it, used up its hourly tickets."""
    from vssid.services.web_sessions import conversations_of_client

    since = now - TICKET_WINDOW
    recent = sa.select(sa.func.count()).select_from(Ticket).where(Ticket.created_at > since)
    mine = session.scalar(recent.where(Ticket.conversation_id == conversation_id)) or 0
    if mine >= TICKETS_PER_CONVERSATION_PER_HOUR:
        return True
    client = session.scalar(
        recent.where(Ticket.conversation_id.in_(conversations_of_client(conversation_id)))
    )
    return (client or 0) >= TICKETS_PER_CLIENT_PER_HOUR


def append_user_message(session: Session, *, conversation_id: str, text: str) -> RelayResult:
    """Add the user's (masked) message to the conversation's active ticket, if there is one."""
    ticket = active_ticket(session, conversation_id=conversation_id)
    if ticket is None:
        return RelayResult(ticket_id=None, user_messages=0)
    now = utcnow()
    session.add(
        TicketMessage(ticket_id=ticket.id, author=AUTHOR_USER, text=_clip(mask_text(text)), created_at=now)
    )
    ticket.updated_at = now
    session.commit()
    # Transcript lines copied at escalation are dated up to the ticket's creation; relayed ones after.
    count = session.scalar(
        sa.select(sa.func.count())
        .select_from(TicketMessage)
        .where(
            TicketMessage.ticket_id == ticket.id,
            TicketMessage.author == AUTHOR_USER,
            TicketMessage.created_at > ticket.created_at,
        )
    )
    return RelayResult(ticket_id=ticket.id, user_messages=int(count or 0))


def set_callback_phone(session: Session, *, conversation_id: str, phone: str) -> Ticket | None:
    """Store a validated callback number (0xxxxxxxxx) on the active ticket."""
    normalized = normalize_phone(phone)
    if normalized is None:
        raise InvalidInput("not a Vietnamese phone number")
    ticket = active_ticket(session, conversation_id=conversation_id)
    if ticket is None:
        return None
    ticket.callback_phone = normalized
    ticket.updated_at = utcnow()
    session.commit()
    return ticket


def take_undelivered_replies(session: Session, *, conversation_id: str) -> list[TicketMessage]:
    """Agent replies of the conversation not yet handed to Rasa, oldest first; marks them delivered.

    Row locks (PostgreSQL) keep two concurrent deliveries from sending the same reply twice.
    """
    query = (
        sa.select(TicketMessage)
        .join(Ticket)
        .where(
            Ticket.conversation_id == conversation_id,
            TicketMessage.author == AUTHOR_AGENT,
            TicketMessage.delivered_at.is_(None),
        )
        .order_by(TicketMessage.id)
    )
    if _is_postgres(session):
        query = query.with_for_update(of=TicketMessage, skip_locked=True)
    replies = list(session.scalars(query))
    now = utcnow()
    for reply in replies:
        reply.delivered_at = now
    session.commit()
    return replies


def rate_latest_ticket(session: Session, *, conversation_id: str, rating: str) -> Ticket | None:
    """Store the rating on the conversation's latest resolved, not yet rated ticket."""
    ticket = session.scalars(
        sa.select(Ticket)
        .where(
            Ticket.conversation_id == conversation_id,
            Ticket.status == STATUS_RESOLVED,
            Ticket.rating.is_(None),
        )
        .order_by(Ticket.resolved_at.desc(), Ticket.id.desc())
    ).first()
    if ticket is None:
        return None
    now = utcnow()
    ticket.rating = rating
    ticket.rated_at = now
    ticket.updated_at = now
    session.commit()
    return ticket


# --- agent side ----------------------------------------------------------------------------


def list_queue(
    session: Session, *, include_resolved: bool = False, page: int = 1, per_page: int = DEFAULT_PAGE_SIZE
) -> list[Ticket]:
    """One page of the queue (see `queue_page` for the order)."""
    return queue_page(session, include_resolved=include_resolved, page=page, per_page=per_page)[0]


def queue_page(
    session: Session, *, include_resolved: bool = False, page: int = 1, per_page: int = DEFAULT_PAGE_SIZE
) -> tuple[list[Ticket], int]:
    """One page of the active tickets (or all) and how many there are in all.

    Order: held tickets (over their client's allowance) last; otherwise high priority first,
    then the longest waiting first within a priority (first come, first served).
    """
    page, per_page = max(page, 1), min(max(per_page, 1), MAX_PAGE_SIZE)
    condition = sa.true() if include_resolved else Ticket.status.in_(ACTIVE_STATUSES)
    total = session.scalar(sa.select(sa.func.count()).select_from(Ticket).where(condition)) or 0
    query = (
        sa.select(Ticket)
        .where(condition)
        .order_by(
            Ticket.held,
            sa.case((Ticket.priority == PRIORITY_HIGH, 0), else_=1),
            Ticket.created_at,
            Ticket.id,
        )
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    return list(session.scalars(query)), int(total)


def get_ticket(session: Session, *, ticket_id: int) -> Ticket:
    ticket = session.get(Ticket, ticket_id, populate_existing=True)
    if ticket is None:
        raise TicketNotFound(ticket_id)
    return ticket


def ticket_messages(session: Session, *, ticket_id: int, after_id: int = 0) -> list[TicketMessage]:
    get_ticket(session, ticket_id=ticket_id)
    return list(
        session.scalars(
            sa.select(TicketMessage)
            .where(TicketMessage.ticket_id == ticket_id, TicketMessage.id > after_id)
            .order_by(TicketMessage.id)
        )
    )


def claim_ticket(session: Session, *, ticket_id: int, agent: str) -> Ticket:
    """Assign an open ticket to ``agent``; exactly one of several concurrent claims wins.

    PostgreSQL: ``SELECT ... FOR UPDATE`` serialises the claims on the row. SQLite has no row
    locks, so the claim is one conditional ``UPDATE ... WHERE status = 'open'`` whose row count
    tells the winner (SQLite runs writes one at a time).
    """
    agent = _agent_name(agent)
    now = utcnow()
    if _is_postgres(session):
        ticket = _lock_ticket(session, ticket_id)
        won = ticket.status == STATUS_OPEN
        if won:
            ticket.status, ticket.assigned_agent = STATUS_ASSIGNED, agent
            ticket.assigned_at = ticket.updated_at = now
        session.commit()
    else:
        result = session.execute(
            sa.update(Ticket)
            .where(Ticket.id == ticket_id, Ticket.status == STATUS_OPEN)
            .values(status=STATUS_ASSIGNED, assigned_agent=agent, assigned_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        won = result.rowcount == 1
        ticket = session.get(Ticket, ticket_id, populate_existing=True)
        if ticket is None:
            raise TicketNotFound(ticket_id)
    if won or (ticket.status == STATUS_ASSIGNED and ticket.assigned_agent == agent):
        return ticket
    raise TicketConflict(ticket)


def add_agent_reply(session: Session, *, ticket_id: int, agent: str, text: str) -> TicketMessage:
    """Record a reply of the ticket's agent; it waits (undelivered) until Rasa sends it."""
    agent = _agent_name(agent)
    text = (text or "").strip()
    if not text or len(text) > MAX_TEXT_LENGTH:
        raise InvalidInput(f"reply must be 1..{MAX_TEXT_LENGTH} characters")
    ticket = _lock_ticket(session, ticket_id)
    if ticket.status != STATUS_ASSIGNED or ticket.assigned_agent != agent:
        conflict = TicketConflict(ticket)
        session.rollback()
        raise conflict
    now = utcnow()
    message = TicketMessage(
        ticket_id=ticket.id, author=AUTHOR_AGENT, agent_name=agent, text=text, created_at=now
    )
    session.add(message)
    ticket.updated_at = now
    session.commit()
    return message


def resolve_ticket(session: Session, *, ticket_id: int, agent: str) -> Ticket:
    """Close a ticket held by ``agent`` (or still open: an agent may close it unclaimed)."""
    agent = _agent_name(agent)
    ticket = _lock_ticket(session, ticket_id)
    mine = ticket.status == STATUS_ASSIGNED and ticket.assigned_agent == agent
    if not (mine or ticket.status == STATUS_OPEN):
        conflict = TicketConflict(ticket)
        session.rollback()
        raise conflict
    now = utcnow()
    ticket.status = STATUS_RESOLVED
    ticket.assigned_agent = agent
    ticket.assigned_at = ticket.assigned_at or now
    ticket.resolved_at = ticket.updated_at = now
    session.commit()
    return ticket


def waiting_time(ticket: Ticket, *, now: datetime | None = None) -> timedelta:
    """How long the user has been waiting: until the claim, or until now while open."""
    end = ticket.assigned_at if ticket.status != STATUS_OPEN and ticket.assigned_at else (now or utcnow())
    return max(end - ticket.created_at, timedelta(0))


# --- helpers -------------------------------------------------------------------------------


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _lock_ticket(session: Session, ticket_id: int) -> Ticket:
    """The ticket as stored now (refreshed; row-locked on PostgreSQL until the commit)."""
    query = sa.select(Ticket).where(Ticket.id == ticket_id).execution_options(populate_existing=True)
    if _is_postgres(session):
        query = query.with_for_update()
    ticket = session.scalars(query).first()
    if ticket is None:
        session.rollback()
        raise TicketNotFound(ticket_id)
    return ticket


def _agent_name(agent: str) -> str:
    agent = (agent or "").strip()
    if not agent or len(agent) > MAX_AGENT_NAME_LENGTH:
        raise InvalidInput(f"agent name must be 1..{MAX_AGENT_NAME_LENGTH} characters")
    return agent


def _clip(text: str) -> str:
    return text if len(text) <= MAX_TEXT_LENGTH else text[: MAX_TEXT_LENGTH - 1] + "…"


def as_utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
