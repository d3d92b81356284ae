"""OTP identity verification of a conversation, kept server-side and keyed by conversation id.

Use-case functions take a Session with no open transaction and own their transaction.
Limits (see VerificationPolicy): an OTP lives 5 minutes and allows 3 tries; at most 3 OTPs
per person per conversation per 15 minutes and 10 per person per hour in all; 5 wrong codes
for a person in one conversation lock that conversation out for 30 minutes, 20 wrong codes for
a person from all conversations within an hour lock everyone out for an hour. Every lockout
ends by itself, and a stranger's failures in their own conversation never lock the person out
of theirs (below the global threshold). A verification lasts 15 minutes and only within the
chat session that earned it. Refusals are audited with the person's keyed hash.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import ColumnElement

from vssid import settings
from vssid.db.base import utcnow
from vssid.db.verification import OtpChallenge, Verification
from vssid.privacy import mask_number, mask_phone
from vssid.services import audit
from vssid.services.errors import (
    NoPendingOtp,
    OtpAttemptsExhausted,
    OtpExpired,
    OtpIncorrect,
    OtpRequestLimit,
    ServiceError,
    VerificationLocked,
)
from vssid.services.identifiers import OTP_LENGTH
from vssid.services.records import OtpSent
from vssid.services.sliding_window import window_limit_end

logger = logging.getLogger(__name__)

PENDING = "pending"
VERIFIED = "verified"
EXPIRED = "expired"
EXHAUSTED = "exhausted"
CANCELLED = "cancelled"
SUPERSEDED = "superseded"

_HASH_ITERATIONS = 20_000
OTP_SMS = "Ma xac thuc Tro ly VssID cua ban la {code}. Ma co hieu luc {minutes} phut. Khong chia se ma nay."


@dataclass(frozen=True)
class VerificationPolicy:
    otp_ttl: timedelta = timedelta(minutes=5)
    attempts_per_otp: int = 3
    max_sends: int = 3  # per person and conversation
    send_window: timedelta = timedelta(minutes=15)
    max_sends_global: int = 10  # per person, all conversations
    global_send_window: timedelta = timedelta(hours=1)
    lockout_failures: int = 5  # per person and conversation
    lockout: timedelta = timedelta(minutes=30)
    global_lockout_failures: int = 20  # per person, all conversations
    global_lockout: timedelta = timedelta(hours=1)
    verification_ttl: timedelta = timedelta(minutes=15)
    secret: str = field(default="", repr=False)

    @classmethod
    def from_env(cls) -> VerificationPolicy:
        """Defaults, with OTP_TTL_SECONDS (tests shorten it) and OTP_SECRET (pepper for hashes)."""
        return cls(otp_ttl=timedelta(seconds=settings.otp_ttl_seconds()), secret=settings.otp_secret())


@dataclass(frozen=True)
class VerifiedSubject:
    bhxh_code: str
    expires_at: datetime


def hash_code(code: str, *, secret: str, salt: bytes | None = None) -> str:
    """'salt$hash' (hex) of an OTP: salted, peppered PBKDF2, so a leaked table reveals no codes."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", code.encode(), salt + secret.encode(), _HASH_ITERATIONS)
    return f"{salt.hex()}${digest.hex()}"


def code_matches(code: str, stored: str, *, secret: str) -> bool:
    salt_hex, _, _ = stored.partition("$")
    return hmac.compare_digest(hash_code(code, secret=secret, salt=bytes.fromhex(salt_hex)), stored)


def new_code() -> str:
    return f"{secrets.randbelow(10**OTP_LENGTH):0{OTP_LENGTH}d}"


def _locked_until(
    session: Session, *, bhxh_code: str, conversation_id: str, now: datetime, policy: VerificationPolicy
) -> datetime | None:
    """When the lockout of this person in this conversation ends, if there is one.

    Wrong codes since the person's last success count twice: in this conversation
    (`lockout_failures` lock it for `lockout`) and in all (`global_lockout_failures` lock
    everyone for `global_lockout`).
    """
    last_success = session.execute(
        select(func.max(Verification.verified_at)).where(Verification.bhxh_code == bhxh_code)
    ).scalar_one()
    ends: list[datetime] = []
    for scope, threshold, window in (
        (OtpChallenge.conversation_id == conversation_id, policy.lockout_failures, policy.lockout),
        (OtpChallenge.bhxh_code == bhxh_code, policy.global_lockout_failures, policy.global_lockout),
    ):
        since = now - window
        if last_success is not None and last_success > since:
            since = last_success
        failures, last_failure = session.execute(
            select(
                func.coalesce(func.sum(OtpChallenge.failed_attempts), 0),
                func.max(OtpChallenge.last_failed_at),
            ).where(OtpChallenge.bhxh_code == bhxh_code, scope, OtpChallenge.last_failed_at > since)
        ).one()
        if failures >= threshold and last_failure is not None:
            ends.append(last_failure + window)
    return max(ends) if ends else None


def request_otp(
    session: Session,
    *,
    conversation_id: str,
    bhxh_code: str,
    phone: str,
    now: datetime | None = None,
    policy: VerificationPolicy | None = None,
) -> OtpSent:
    """Send a new OTP for `bhxh_code` to `phone` via the outbox; earlier open codes stop working."""
    now = now or utcnow()
    policy = policy or VerificationPolicy.from_env()
    with session.begin():
        locked_until = _locked_until(
            session, bhxh_code=bhxh_code, conversation_id=conversation_id, now=now, policy=policy
        )
        error: ServiceError | None
        if locked_until is not None and locked_until > now:
            error, refusal = VerificationLocked(locked_until), "locked"
        else:
            error = _send_limit(
                session, bhxh_code=bhxh_code, conversation_id=conversation_id, now=now, policy=policy
            )
            refusal = "send_limit"
        if error is not None:
            audit.add_audit_entry(
                session,
                conversation_id=conversation_id,
                event=audit.EVENT_OTP_REFUSED,
                outcome=audit.OUTCOME_LIMITED,
                subject=bhxh_code,
                detail=refusal,
                now=now,
            )
        else:
            _close_pending(session, conversation_id=conversation_id, status=SUPERSEDED, now=now)
            code = new_code()
            challenge = OtpChallenge(
                conversation_id=conversation_id,
                bhxh_code=bhxh_code,
                code_hash=hash_code(code, secret=policy.secret),
                created_at=now,
                expires_at=now + policy.otp_ttl,
                failed_attempts=0,
                status=PENDING,
            )
            session.add(challenge)
            minutes = max(1, int(policy.otp_ttl.total_seconds() // 60))
            audit.enqueue_sms(
                session,
                phone=phone,
                body=OTP_SMS.format(code=code, minutes=minutes),
                purpose=audit.PURPOSE_OTP,
                now=now,
            )
            audit.purge_outbox(session, now=now)  # on each send: earlier codes that expired
            audit.add_audit_entry(
                session,
                conversation_id=conversation_id,
                event=audit.EVENT_OTP_SENT,
                outcome=audit.OUTCOME_OK,
                subject=bhxh_code,
                now=now,
            )
    if error is not None:
        logger.info("OTP refused for %s: %s", mask_number(bhxh_code), type(error).__name__)
        raise error
    logger.info("OTP sent for %s to %s", mask_number(bhxh_code), mask_phone(phone))
    return OtpSent(masked_phone=mask_phone(phone), expires_at=now + policy.otp_ttl)


def _send_limit(
    session: Session, *, bhxh_code: str, conversation_id: str, now: datetime, policy: VerificationPolicy
) -> OtpRequestLimit | None:
    """The refusal when this conversation, or everyone, asked for too many codes for the person."""
    ends = window_limit_end(
        session,
        OtpChallenge.created_at,
        OtpChallenge.bhxh_code == bhxh_code,
        scopes=[
            (OtpChallenge.conversation_id == conversation_id, policy.max_sends, policy.send_window),
            (OtpChallenge.bhxh_code == bhxh_code, policy.max_sends_global, policy.global_send_window),
        ],
        now=now,
    )
    return OtpRequestLimit(ends) if ends is not None else None


def latest_challenge_subject(session: Session, *, conversation_id: str) -> str | None:
    """BHXH code of the conversation's most recent challenge (to resend a code)."""
    with session.begin():
        return session.execute(
            select(OtpChallenge.bhxh_code)
            .where(OtpChallenge.conversation_id == conversation_id)
            .order_by(OtpChallenge.id.desc())
            .limit(1)
        ).scalar_one_or_none()


def confirm_otp(
    session: Session,
    *,
    conversation_id: str,
    code: str,
    now: datetime | None = None,
    policy: VerificationPolicy | None = None,
) -> VerifiedSubject:
    """Check `code` against the conversation's open challenge; success verifies the conversation."""
    now = now or utcnow()
    policy = policy or VerificationPolicy.from_env()
    error: ServiceError | None = None
    result: VerifiedSubject | None = None
    with session.begin():
        challenge = session.execute(
            select(OtpChallenge)
            .where(OtpChallenge.conversation_id == conversation_id, OtpChallenge.status == PENDING)
            .order_by(OtpChallenge.id.desc())
            .limit(1)
            .with_for_update()
        ).scalar_one_or_none()
        if challenge is None:
            error = NoPendingOtp()
        else:
            locked_until = _locked_until(
                session,
                bhxh_code=challenge.bhxh_code,
                conversation_id=conversation_id,
                now=now,
                policy=policy,
            )
            if locked_until is not None and locked_until > now:
                challenge.status, challenge.closed_at = EXHAUSTED, now
                error = VerificationLocked(locked_until)
            elif challenge.expires_at <= now:
                challenge.status, challenge.closed_at = EXPIRED, now
                error = OtpExpired()
            elif code_matches(code, challenge.code_hash, secret=policy.secret):
                challenge.status, challenge.closed_at = VERIFIED, now
                session.flush()
                session.add(
                    Verification(
                        conversation_id=conversation_id,
                        bhxh_code=challenge.bhxh_code,
                        challenge_id=challenge.id,
                        verified_at=now,
                        expires_at=now + policy.verification_ttl,
                    )
                )
                audit.add_audit_entry(
                    session,
                    conversation_id=conversation_id,
                    event=audit.EVENT_VERIFIED,
                    outcome=audit.OUTCOME_OK,
                    subject=challenge.bhxh_code,
                    now=now,
                )
                result = VerifiedSubject(challenge.bhxh_code, now + policy.verification_ttl)
            else:
                error = _record_failure(
                    session, challenge, conversation_id=conversation_id, now=now, policy=policy
                )
    if error is not None:
        raise error
    assert result is not None
    return result


def _record_failure(
    session: Session,
    challenge: OtpChallenge,
    *,
    conversation_id: str,
    now: datetime,
    policy: VerificationPolicy,
) -> ServiceError:
    challenge.failed_attempts += 1
    challenge.last_failed_at = now
    audit.add_audit_entry(
        session,
        conversation_id=conversation_id,
        event=audit.EVENT_OTP_FAILED,
        outcome=audit.OUTCOME_DENIED,
        subject=challenge.bhxh_code,
        now=now,
    )
    session.flush()
    locked_until = _locked_until(
        session, bhxh_code=challenge.bhxh_code, conversation_id=conversation_id, now=now, policy=policy
    )
    if locked_until is not None:
        challenge.status, challenge.closed_at = EXHAUSTED, now
        return VerificationLocked(locked_until)
    attempts_left = policy.attempts_per_otp - challenge.failed_attempts
    if attempts_left <= 0:
        challenge.status, challenge.closed_at = EXHAUSTED, now
        return OtpAttemptsExhausted()
    return OtpIncorrect(attempts_left)


def _close_pending(session: Session, *, conversation_id: str, status: str, now: datetime) -> int:
    """Close the conversation's open challenges with `status`; returns how many were open."""
    return session.execute(
        update(OtpChallenge)
        .where(OtpChallenge.conversation_id == conversation_id, OtpChallenge.status == PENDING)
        .values(status=status, closed_at=now)
    ).rowcount


def _unexpired_verification(conversation_id: str, now: datetime) -> tuple[ColumnElement, ...]:
    """WHERE conditions of the conversation's verifications that still count at `now`."""
    return (
        Verification.conversation_id == conversation_id,
        Verification.revoked_at.is_(None),
        Verification.expires_at > now,
    )


def cancel_challenges(session: Session, *, conversation_id: str, now: datetime | None = None) -> int:
    """Close the conversation's open challenges; returns how many were open."""
    now = now or utcnow()
    with session.begin():
        return _close_pending(session, conversation_id=conversation_id, status=CANCELLED, now=now)


def revoke_verification(session: Session, *, conversation_id: str, now: datetime | None = None) -> int:
    """End the conversation's verifications and open challenges (called at every session start).

    Returns the number of verifications revoked.
    """
    now = now or utcnow()
    with session.begin():
        _close_pending(session, conversation_id=conversation_id, status=CANCELLED, now=now)
        revoked = session.execute(
            update(Verification).where(*_unexpired_verification(conversation_id, now)).values(revoked_at=now)
        ).rowcount
        if revoked:
            audit.add_audit_entry(
                session,
                conversation_id=conversation_id,
                event=audit.EVENT_REVOKED,
                outcome=audit.OUTCOME_OK,
                now=now,
            )
    return revoked


def current_verification(
    session: Session, *, conversation_id: str, not_before: datetime | None = None, now: datetime | None = None
) -> VerifiedSubject | None:
    """The conversation's valid verification, if any (not expired, not revoked, not older than
    `not_before`, the start of the current chat session). Runs inside the caller's transaction."""
    now = now or utcnow()
    query = (
        select(Verification)
        .where(*_unexpired_verification(conversation_id, now))
        .order_by(Verification.id.desc())
        .limit(1)
    )
    if not_before is not None:
        query = query.where(Verification.verified_at >= not_before)
    row = session.execute(query).scalar_one_or_none()
    return VerifiedSubject(row.bhxh_code, row.expires_at) if row else None
