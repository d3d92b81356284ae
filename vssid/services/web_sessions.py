"""Web chat sessions the server issued: when they expire and whether they were ended early.

The signed token proves the server issued a session and until when; this table adds what a
signature cannot say: that the user ended the session ("Kết thúc trò chuyện"). It also keeps
the keyed hash of the client address that opened it, so limits can count per client across
sessions (tickets opened, see `vssid.services.tickets`).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from vssid.db.access import WebSession
from vssid.db.base import utcnow
from vssid.services.agents import client_hash


def register(
    session: Session,
    *,
    conversation_id: str,
    client: str | None,
    expires_at: datetime,
    now: datetime | None = None,
) -> None:
    with session.begin():
        session.add(
            WebSession(
                conversation_id=conversation_id,
                client_hash=client_hash(client),
                created_at=now or utcnow(),
                expires_at=expires_at,
            )
        )


def is_active(session: Session, *, conversation_id: str, now: datetime | None = None) -> bool:
    """True for a registered session that is neither expired nor revoked."""
    now = now or utcnow()
    with session.begin():
        row = session.execute(
            sa.select(WebSession.expires_at, WebSession.revoked_at).where(
                WebSession.conversation_id == conversation_id
            )
        ).first()
    return row is not None and row.revoked_at is None and row.expires_at > now


def revoke(session: Session, *, conversation_id: str, now: datetime | None = None) -> bool:
    """End the session; True when it was active."""
    now = now or utcnow()
    with session.begin():
        return bool(
            session.execute(
                sa.update(WebSession)
                .where(WebSession.conversation_id == conversation_id, WebSession.revoked_at.is_(None))
                .values(revoked_at=now)
            ).rowcount
        )


def conversations_of_client(conversation_id: str) -> sa.sql.Select:
    """SELECT of every web conversation opened from the same client as `conversation_id`
    (just that conversation for other channels, whose conversation is the client)."""
    client = (
        sa.select(WebSession.client_hash)
        .where(WebSession.conversation_id == conversation_id, WebSession.client_hash.is_not(None))
        .scalar_subquery()
    )
    return sa.select(WebSession.conversation_id).where(WebSession.client_hash == client)
