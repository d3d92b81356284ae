"""Agents' tokens: hashed, one per agent, and a time-bound lockout per client address."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from vssid.db.access import Agent, AgentAuditEntry
from vssid.db.base import utcnow
from vssid.services import agents


def test_a_new_token_replaces_the_old_one_and_only_its_hash_is_stored(session: Session) -> None:
    first = agents.issue_token(session, name="Lan")
    second = agents.issue_token(session, name="Lan")
    assert agents.authenticate(session, token=second, client="10.0.0.1") == "Lan"
    assert agents.authenticate(session, token=first, client="10.0.0.1") is None
    with session.begin():
        stored = session.execute(sa.select(Agent.token_hash)).scalars().all()
    assert stored == [agents.token_hash(second)]


def test_lockout_is_per_address_and_ends_by_itself(session: Session) -> None:
    token = agents.issue_token(session, name="Lan")
    start = utcnow()
    for n in range(agents.LOCKOUT_FAILURES):
        agents.authenticate(session, token=f"guess{n}", client="10.0.0.9", now=start + timedelta(seconds=n))
    with pytest.raises(agents.LockedOut) as locked:
        agents.authenticate(session, token=token, client="10.0.0.9", now=start + timedelta(minutes=1))
    assert locked.value.retry_after == start + agents.LOCKOUT_WINDOW
    assert (
        agents.authenticate(session, token=token, client="10.0.0.10", now=start + timedelta(minutes=1))
        == "Lan"
    )
    later = start + agents.LOCKOUT_WINDOW + timedelta(seconds=agents.LOCKOUT_FAILURES)
    assert agents.authenticate(session, token=token, client="10.0.0.9", now=later) == "Lan"
    with session.begin():
        rows = session.execute(sa.select(AgentAuditEntry.action, AgentAuditEntry.client_hash)).all()
    assert [a for a, _ in rows].count("login_failed") == agents.LOCKOUT_FAILURES
    assert all(h is None or "10.0.0" not in h for _, h in rows)  # addresses are stored hashed
