"""Audit log and outbox helpers; they add rows to the caller's transaction."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from vssid import settings
from vssid.db.base import utcnow
from vssid.db.verification import AuditEntry, OutboxMessage
from vssid.privacy import mask_number, mask_phone, mask_text

# Audit events
EVENT_LOOKUP_BHXH_CODE = "lookup_bhxh_code"
EVENT_IDENTIFY = "identify"  # who to send an OTP to (by BHXH code or CCCD)
EVENT_OTP_SENT = "otp_sent"
EVENT_OTP_REFUSED = "otp_refused"
EVENT_OTP_FAILED = "otp_failed"
EVENT_VERIFIED = "verified"
EVENT_REVOKED = "verification_revoked"
EVENT_BHYT_CARD = "bhyt_card"
EVENT_CONTRIBUTIONS = "contributions"
EVENT_BENEFITS = "benefits"
EVENT_DENIED = "personal_data_denied"

OUTCOME_OK = "ok"
OUTCOME_NOT_FOUND = "not_found"
OUTCOME_LIMITED = "limited"
OUTCOME_DENIED = "denied"

PURPOSE_OTP = "otp"


def subject_hash(number: str) -> str:
    """Keyed hash of a personal number, to count attempts per person without storing the number."""
    key = ("vssid-audit:" + settings.otp_secret()).encode()
    return hmac.new(key, number.encode(), hashlib.sha256).hexdigest()


def add_audit_entry(
    session: Session,
    *,
    conversation_id: str,
    event: str,
    outcome: str,
    subject: str | None = None,
    detail: str | None = None,
    now: datetime | None = None,
) -> None:
    """Record who (conversation) did what (event) about whom; `subject` is stored masked + hashed."""
    entry = AuditEntry(
        conversation_id=conversation_id,
        event=event,
        outcome=outcome,
        subject=mask_number(subject) if subject else None,
        subject_hash=subject_hash(subject) if subject else None,
        detail=detail,
    )
    if now is not None:
        entry.created_at = now
    session.add(entry)


def enqueue_sms(
    session: Session, *, phone: str, body: str, purpose: str, now: datetime | None = None
) -> None:
    """Queue an SMS for the gateway (the demo has none: messages stay in the outbox)."""
    message = OutboxMessage(channel="sms", recipient=phone, purpose=purpose, body=body)
    if now is not None:
        message.created_at = now
    session.add(message)


def purge_outbox(session: Session, *, now: datetime | None = None, retention: timedelta | None = None) -> int:
    """Mask the code and the phone of outbox messages delivered, or older than `retention`
    (default OUTBOX_RETENTION_SECONDS = the OTP lifetime): once a code can no longer be used, its
    text and full recipient have no reason to rest. Adds to the caller's transaction; returns
    how many messages were masked."""
    now = now or utcnow()
    retention = retention if retention is not None else timedelta(seconds=settings.outbox_retention_seconds())
    rows = session.execute(
        select(OutboxMessage).where(
            or_(OutboxMessage.sent_at.is_not(None), OutboxMessage.created_at <= now - retention),
            OutboxMessage.recipient.not_like("%x%"),
        )
    ).scalars()
    count = 0
    for message in rows:
        message.recipient = mask_phone(message.recipient)
        message.body = mask_text(message.body)
        count += 1
    return count
