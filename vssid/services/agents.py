"""Hotline agents: one console token each (stored hashed), lockout after failures, audit log.

Use cases take a Session with no open transaction and own it. The console's identity of an
agent is the token's owner, never a name the client sends. A client address that failed
`LOCKOUT_FAILURES` times within `LOCKOUT_WINDOW` is refused (even with a valid token) until
the window has passed; failures are counted in the audit log, so every replica agrees.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from vssid.db.access import Agent, AgentAuditEntry
from vssid.db.base import utcnow
from vssid.services import audit

TOKEN_BYTES = 32
# Issued tokens start with this: never with "-" (read as an option on a command line), and easy
# for secret scanners to recognise.
TOKEN_PREFIX = "vssid_agent_"
MAX_NAME_LENGTH = 100
LOCKOUT_FAILURES = 10
LOCKOUT_WINDOW = timedelta(minutes=15)

# Audited actions
ACTION_LOGIN_FAILED = "login_failed"
ACTION_LOCKED_OUT = "locked_out"
ACTION_CLAIM = "claim"
ACTION_REPLY = "reply"
ACTION_RESOLVE = "resolve"
ACTION_TOKEN_ISSUED = "token_issued"
ACTION_TOKEN_REVOKED = "token_revoked"
OUTCOME_OK = "ok"
OUTCOME_REFUSED = "refused"


class AgentError(Exception):
    """Base of the agent service's domain errors."""


class InvalidAgentName(AgentError):
    pass


class UnknownAgent(AgentError):
    pass


class LockedOut(AgentError):
    """Too many failed logins from this client address; `retry_after` is when to try again."""

    def __init__(self, retry_after: datetime) -> None:
        super().__init__(f"locked until {retry_after.isoformat()}")
        self.retry_after = retry_after


@dataclass(frozen=True)
class AgentInfo:
    name: str
    has_token: bool
    token_issued_at: datetime | None
    last_used_at: datetime | None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def client_hash(address: str | None) -> str | None:
    """Keyed hash of a client address (an IP address is personal data too)."""
    return audit.subject_hash("client:" + address) if address else None


def _clean_name(name: str) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned or len(cleaned) > MAX_NAME_LENGTH or not cleaned.isprintable():
        raise InvalidAgentName(name)
    return cleaned


def _info(agent: Agent) -> AgentInfo:
    return AgentInfo(agent.name, agent.token_hash is not None, agent.token_issued_at, agent.last_used_at)


def record(
    session: Session,
    *,
    action: str,
    outcome: str = OUTCOME_OK,
    agent: str | None = None,
    ticket_id: int | None = None,
    client: str | None = None,
    detail: str | None = None,
    now: datetime | None = None,
) -> None:
    """Add an audit row to the caller's transaction."""
    session.add(
        AgentAuditEntry(
            created_at=now or utcnow(),
            agent_name=agent,
            action=action,
            outcome=outcome,
            ticket_id=ticket_id,
            client_hash=client_hash(client),
            detail=(detail or "")[:255] or None,
        )
    )


def audit_action(
    session: Session,
    *,
    action: str,
    agent: str | None,
    ticket_id: int | None = None,
    client: str | None = None,
    outcome: str = OUTCOME_OK,
    detail: str | None = None,
) -> None:
    """Record one agent action in its own transaction."""
    with session.begin():
        record(
            session,
            action=action,
            outcome=outcome,
            agent=agent,
            ticket_id=ticket_id,
            client=client,
            detail=detail,
        )


def issue_token(session: Session, *, name: str, token: str | None = None) -> str:
    """Create the agent if needed and give them a new token (the previous one stops working).

    Returns the token: shown once, never stored. `token` is for tests only.
    """
    name = _clean_name(name)
    token = token or TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    now = utcnow()
    with session.begin():
        agent = session.scalars(sa.select(Agent).where(Agent.name == name)).first()
        if agent is None:
            agent = Agent(name=name, created_at=now)
            session.add(agent)
        agent.token_hash = token_hash(token)
        agent.token_issued_at = now
        record(session, action=ACTION_TOKEN_ISSUED, agent=name, now=now)
    return token


def revoke_token(session: Session, *, name: str) -> None:
    """The agent's token stops working at once; UnknownAgent if there is no such agent."""
    with session.begin():
        agent = session.scalars(sa.select(Agent).where(Agent.name == _clean_name(name))).first()
        if agent is None:
            raise UnknownAgent(name)
        agent.token_hash = None
        record(session, action=ACTION_TOKEN_REVOKED, agent=agent.name)


def list_agents(session: Session) -> list[AgentInfo]:
    with session.begin():
        return [_info(a) for a in session.scalars(sa.select(Agent).order_by(Agent.name))]


def _locked_until(session: Session, *, client: str | None, now: datetime) -> datetime | None:
    hashed = client_hash(client)
    if hashed is None:
        return None
    times = session.scalars(
        sa.select(AgentAuditEntry.created_at)
        .where(
            AgentAuditEntry.client_hash == hashed,
            AgentAuditEntry.action == ACTION_LOGIN_FAILED,
            AgentAuditEntry.created_at > now - LOCKOUT_WINDOW,
        )
        .order_by(AgentAuditEntry.created_at.desc())
        .limit(LOCKOUT_FAILURES)
    ).all()
    if len(times) >= LOCKOUT_FAILURES:
        return times[-1] + LOCKOUT_WINDOW
    return None


def authenticate(
    session: Session, *, token: str | None, client: str | None, now: datetime | None = None
) -> str | None:
    """The name of the agent holding `token`, or None (the failure is audited).

    Raises LockedOut when the client address has failed too often recently.
    """
    now = now or utcnow()
    with session.begin():
        locked_until = _locked_until(session, client=client, now=now)
        if locked_until is not None:
            raise LockedOut(locked_until)
        agent = None
        if token:
            digest = token_hash(token)
            agent = session.scalars(sa.select(Agent).where(Agent.token_hash == digest)).first()
            # The lookup is by hash; compare again in constant time for good measure.
            if agent is not None and not hmac.compare_digest(agent.token_hash or "", digest):
                agent = None
        if agent is None:
            record(session, action=ACTION_LOGIN_FAILED, outcome=OUTCOME_REFUSED, client=client, now=now)
            return None
        agent.last_used_at = now
        return agent.name
