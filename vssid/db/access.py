"""Who may reach the queue and the web chat: agents' tokens, their audit log, web chat sessions.

Tokens are stored as SHA-256 hashes only (they are 256-bit random values, so a fast hash is
enough and lets the console find the agent by hash). Client addresses are stored as keyed hashes.
"""

from __future__ import annotations

import sqlalchemy as sa

from vssid.db.base import Base, UtcDateTime, utcnow


class Agent(Base):
    """A hotline agent and the hash of their one console token (None once revoked)."""

    __tablename__ = "agents"

    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(100), nullable=False, unique=True)
    token_hash = sa.Column(sa.String(64), nullable=True, unique=True)
    created_at = sa.Column(UtcDateTime, nullable=False, default=utcnow)
    token_issued_at = sa.Column(UtcDateTime, nullable=True)
    last_used_at = sa.Column(UtcDateTime, nullable=True)


class AgentAuditEntry(Base):
    """One agent action (claim, reply, resolve) or console login failure."""

    __tablename__ = "agent_audit_log"
    __table_args__ = (sa.Index("ix_agent_audit_log_client_created", "client_hash", "created_at"),)

    id = sa.Column(sa.Integer, primary_key=True)
    created_at = sa.Column(UtcDateTime, nullable=False, default=utcnow)
    agent_name = sa.Column(sa.String(100), nullable=True)  # None for a failed login
    action = sa.Column(sa.String(32), nullable=False)
    outcome = sa.Column(sa.String(16), nullable=False)
    ticket_id = sa.Column(sa.Integer, nullable=True)
    client_hash = sa.Column(sa.String(64), nullable=True)
    detail = sa.Column(sa.String(255), nullable=True)


class WebSession(Base):
    """A web chat session the server issued: revoked ones are refused before their expiry."""

    __tablename__ = "webchat_sessions"

    id = sa.Column(sa.Integer, primary_key=True)
    conversation_id = sa.Column(sa.String(255), nullable=False, unique=True)
    client_hash = sa.Column(sa.String(64), nullable=True, index=True)
    created_at = sa.Column(UtcDateTime, nullable=False, default=utcnow)
    expires_at = sa.Column(UtcDateTime, nullable=False)
    revoked_at = sa.Column(UtcDateTime, nullable=True)
