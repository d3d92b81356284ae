"""Identity verification state, the SMS/e-mail outbox and the audit log.

These tables stay in the assistant's own database even when the records come from a
real BHXH back end, so they refer to people by BHXH code, not by foreign key.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Text

from vssid.db.base import Base, UtcDateTime, utcnow


class OtpChallenge(Base):
    """A one-time code sent to a person's registered phone for one conversation."""

    __tablename__ = "otp_challenges"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    bhxh_code = Column(String(10), nullable=False)
    code_hash = Column(String(160), nullable=False)  # "salt$pbkdf2-sha256" (hex); never the code
    created_at = Column(UtcDateTime, nullable=False, default=utcnow)
    expires_at = Column(UtcDateTime, nullable=False)
    failed_attempts = Column(Integer, nullable=False, default=0)
    last_failed_at = Column(UtcDateTime)
    # pending | verified | expired | exhausted | cancelled | superseded
    status = Column(String(12), nullable=False, default="pending")
    closed_at = Column(UtcDateTime)

    __table_args__ = (Index("ix_otp_challenges_bhxh_created", "bhxh_code", "created_at"),)


class Verification(Base):
    """Proof that a conversation passed OTP verification for one person, for a limited time."""

    __tablename__ = "verifications"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(255), nullable=False, index=True)
    bhxh_code = Column(String(10), nullable=False)
    challenge_id = Column(ForeignKey("otp_challenges.id"), nullable=False)
    verified_at = Column(UtcDateTime, nullable=False)
    expires_at = Column(UtcDateTime, nullable=False)
    revoked_at = Column(UtcDateTime)


class OutboxMessage(Base):
    """An SMS or e-mail waiting for the gateway (the demo has no gateway: it stays here)."""

    __tablename__ = "outbox_messages"

    id = Column(Integer, primary_key=True)
    channel = Column(String(8), nullable=False)  # sms | email
    recipient = Column(String(120), nullable=False)
    purpose = Column(String(20), nullable=False)  # otp | ...
    body = Column(Text, nullable=False)
    created_at = Column(UtcDateTime, nullable=False, default=utcnow)
    sent_at = Column(UtcDateTime)

    __table_args__ = (Index("ix_outbox_messages_recipient_created", "recipient", "created_at"),)


class AuditEntry(Base):
    """Who (conversation) looked up what (event) about whom (BHXH code, stored masked)."""

    __tablename__ = "audit_log"

    id = Column(Integer, primary_key=True)
    created_at = Column(UtcDateTime, nullable=False, default=utcnow)
    conversation_id = Column(String(255), nullable=False, index=True)
    event = Column(String(40), nullable=False)
    subject = Column(String(20))  # masked BHXH code / CCCD, e.g. xxxxxxx678
    # Keyed hash of the full number, so limits can count attempts per person without storing it.
    subject_hash = Column(String(64), index=True)
    outcome = Column(String(20), nullable=False)
    detail = Column(String(255))  # never a full personal number
