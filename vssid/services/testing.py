"""Helpers for tests and demos: read OTPs from the outbox, age challenges, clear limits.

Never called by actions. Each function takes a Session with no open transaction.
"""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from vssid.db.base import utcnow
from vssid.db.records import Person
from vssid.db.verification import OtpChallenge, OutboxMessage, Verification
from vssid.services.audit import PURPOSE_OTP

_OTP_IN_BODY = re.compile(r"\b(\d{6})\b")


def latest_otp(session: Session, *, phone: str | None = None, bhxh_code: str | None = None) -> str | None:
    """The code of the newest OTP SMS sent to `phone` (or to the registered phone of `bhxh_code`)."""
    with session.begin():
        if phone is None:
            phone = session.execute(select(Person.phone).where(Person.bhxh_code == bhxh_code)).scalar_one()
        body = session.execute(
            select(OutboxMessage.body)
            .where(OutboxMessage.recipient == phone, OutboxMessage.purpose == PURPOSE_OTP)
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        ).scalar_one_or_none()
    match = _OTP_IN_BODY.search(body or "")
    return match.group(1) if match else None


def expire_otps(session: Session, *, conversation_id: str) -> int:
    """Make the conversation's open OTPs expired (as if 5 minutes had passed)."""
    with session.begin():
        return session.execute(
            update(OtpChallenge)
            .where(OtpChallenge.conversation_id == conversation_id, OtpChallenge.status == "pending")
            .values(expires_at=utcnow() - timedelta(seconds=1))
        ).rowcount


def clear_verification_state(session: Session, *, bhxh_codes: list[str]) -> None:
    """Forget challenges and verifications of these people (resets send limits and lockouts)."""
    with session.begin():
        challenge_ids = select(OtpChallenge.id).where(OtpChallenge.bhxh_code.in_(bhxh_codes))
        session.execute(
            delete(Verification)
            .where(or_(Verification.bhxh_code.in_(bhxh_codes), Verification.challenge_id.in_(challenge_ids)))
            .execution_options(synchronize_session=False)
        )
        session.execute(
            delete(OtpChallenge)
            .where(OtpChallenge.bhxh_code.in_(bhxh_codes))
            .execution_options(synchronize_session=False)
        )
