"""OTP verification rules, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from vssid.db.base import utcnow
from vssid.db.verification import AuditEntry, OtpChallenge, OutboxMessage
from vssid.services import errors, testing, verification
from vssid.services.sql_records import SqlRecordsService

AN = "0101234567"  # demo identities, see docs/demo_identities.md
AN_PHONE = "0912345678"
BINH_CCCD = "079190005678"
BINH = "7901234568"
EM_NO_PHONE = "3101234561"


def otp(sessions, bhxh_code: str = AN) -> str:
    with sessions() as session:
        return testing.latest_otp(session, bhxh_code=bhxh_code)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_otp_goes_to_the_registered_phone_and_is_shown_masked(service: SqlRecordsService, sessions) -> None:
    sent = service.start_verification(conversation_id="c1", identifier=AN)
    assert sent.masked_phone == "09xx xxx 678"
    with sessions.begin() as session:
        message = session.execute(select(OutboxMessage)).scalar_one()
        challenge = session.execute(select(OtpChallenge)).scalar_one()
    assert message.recipient == AN_PHONE
    code = re.search(r"\b\d{6}\b", message.body).group()
    assert code not in challenge.code_hash  # stored hashed, never in clear
    assert verification.code_matches(code, challenge.code_hash, secret="test-pepper")
    assert (challenge.expires_at - challenge.created_at) == timedelta(minutes=5)


def test_cccd_works_as_identifier(service: SqlRecordsService, sessions) -> None:
    service.start_verification(conversation_id="c1", identifier=BINH_CCCD)
    service.confirm_otp(conversation_id="c1", code=otp(sessions, BINH))
    assert service.is_verified(conversation_id="c1", session_started_at=None)


def test_unknown_person_and_no_phone(service: SqlRecordsService) -> None:
    with pytest.raises(errors.PersonNotFound):
        service.start_verification(conversation_id="c1", identifier="0199999999")
    with pytest.raises(errors.NoContactPhone):
        service.start_verification(conversation_id="c1", identifier=EM_NO_PHONE)
    with pytest.raises(errors.InvalidInput):
        service.start_verification(conversation_id="c1", identifier="79123")


def test_three_wrong_tries_per_otp(service: SqlRecordsService, sessions) -> None:
    service.start_verification(conversation_id="c1", identifier=AN)
    code = otp(sessions)
    with pytest.raises(errors.OtpIncorrect) as first:
        service.confirm_otp(conversation_id="c1", code=wrong(code))
    with pytest.raises(errors.OtpIncorrect) as second:
        service.confirm_otp(conversation_id="c1", code=wrong(code))
    assert (first.value.attempts_left, second.value.attempts_left) == (2, 1)
    with pytest.raises(errors.OtpAttemptsExhausted):
        service.confirm_otp(conversation_id="c1", code=wrong(code))
    with pytest.raises(errors.NoPendingOtp):  # the right code no longer works
        service.confirm_otp(conversation_id="c1", code=code)
    assert not service.is_verified(conversation_id="c1", session_started_at=None)


def test_expired_otp_is_refused(service: SqlRecordsService, sessions) -> None:
    service.start_verification(conversation_id="c1", identifier=AN)
    code = otp(sessions)
    with sessions() as session:
        assert testing.expire_otps(session, conversation_id="c1") == 1
    with pytest.raises(errors.OtpExpired):
        service.confirm_otp(conversation_id="c1", code=code)
    resent = service.resend_otp(conversation_id="c1")
    assert resent.masked_phone == "09xx xxx 678"
    service.confirm_otp(conversation_id="c1", code=otp(sessions))


def test_ttl_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTP_TTL_SECONDS", "42")
    assert verification.VerificationPolicy.from_env().otp_ttl == timedelta(seconds=42)


def _request(sessions, policy, conversation_id: str, at) -> None:
    with sessions() as session:
        verification.request_otp(
            session, conversation_id=conversation_id, bhxh_code=AN, phone=AN_PHONE, now=at, policy=policy
        )


def test_at_most_three_sends_per_conversation_per_15_minutes(sessions, policy) -> None:
    now = utcnow()
    for minute in (0, 1, 2):
        _request(sessions, policy, "c1", now + timedelta(minutes=minute))
    with pytest.raises(errors.OtpRequestLimit) as limit:
        _request(sessions, policy, "c1", now + timedelta(minutes=3))
    assert limit.value.retry_after == now + timedelta(minutes=15)
    _request(sessions, policy, "c2", now + timedelta(minutes=3))  # the person can still ask elsewhere
    with sessions() as session:  # the window slides
        verification.request_otp(
            session,
            conversation_id="c1",
            bhxh_code=AN,
            phone=AN_PHONE,
            now=now + timedelta(minutes=15, seconds=1),
            policy=policy,
        )


def test_at_most_ten_sends_per_person_per_hour_in_all(sessions, policy) -> None:
    now = utcnow()
    for n in range(10):
        _request(sessions, policy, f"c{n}", now + timedelta(minutes=n))
    with pytest.raises(errors.OtpRequestLimit) as limit:
        _request(sessions, policy, "fresh", now + timedelta(minutes=10))
    assert limit.value.retry_after == now + timedelta(hours=1)
    with sessions() as session:
        refusals = (
            session.execute(
                select(AuditEntry).where(
                    AuditEntry.event == "otp_refused", AuditEntry.conversation_id == "fresh"
                )
            )
            .scalars()
            .all()
        )
    assert [(r.outcome, r.detail) for r in refusals] == [("limited", "send_limit")]


def test_lockout_after_five_failures_even_with_the_right_code(sessions, policy) -> None:
    now = utcnow()

    def send(at):
        with sessions() as session:
            verification.request_otp(
                session, conversation_id="c1", bhxh_code=AN, phone=AN_PHONE, now=at, policy=policy
            )
        return otp(sessions)

    def confirm(code, at):
        with sessions() as session:
            return verification.confirm_otp(session, conversation_id="c1", code=code, now=at, policy=policy)

    code = send(now)
    for _ in range(2):
        with pytest.raises(errors.OtpIncorrect):
            confirm(wrong(code), now)
    with pytest.raises(errors.OtpAttemptsExhausted):
        confirm(wrong(code), now)
    code = send(now + timedelta(minutes=1))
    with pytest.raises(errors.OtpIncorrect):
        confirm(wrong(code), now + timedelta(minutes=1))
    with pytest.raises(errors.VerificationLocked) as locked:
        confirm(wrong(code), now + timedelta(minutes=1))
    assert locked.value.retry_after == now + timedelta(minutes=31)
    with pytest.raises(errors.VerificationLocked):  # no new code in this conversation while locked
        send(now + timedelta(minutes=20))
    # A stranger's failures do not lock the person out of their own conversation.
    _request(sessions, policy, "victim", now + timedelta(minutes=20))
    with sessions() as session:
        victim_code = testing.latest_otp(session, bhxh_code=AN)
        assert (
            verification.confirm_otp(
                session,
                conversation_id="victim",
                code=victim_code,
                now=now + timedelta(minutes=20),
                policy=policy,
            ).bhxh_code
            == AN
        )
    code = send(now + timedelta(minutes=32))  # lock over
    assert confirm(code, now + timedelta(minutes=32)).bhxh_code == AN


def test_twenty_failures_from_all_conversations_lock_everyone_for_an_hour(sessions, policy) -> None:
    now = utcnow()
    for n in range(7):  # 7 conversations x 3 wrong codes = 21 failures within the hour
        at = now + timedelta(minutes=n)
        _request(sessions, policy, f"attacker{n}", at)
        for _ in range(3):
            with sessions() as session:
                try:
                    verification.confirm_otp(
                        session, conversation_id=f"attacker{n}", code="000000", now=at, policy=policy
                    )
                except (
                    errors.OtpIncorrect,
                    errors.OtpAttemptsExhausted,
                    errors.VerificationLocked,
                    errors.NoPendingOtp,
                ):
                    pass
    with pytest.raises(errors.VerificationLocked) as locked:
        _request(sessions, policy, "victim", now + timedelta(minutes=10))
    assert now + timedelta(minutes=60) < locked.value.retry_after <= now + timedelta(minutes=67)
    _request(sessions, policy, "victim", now + timedelta(minutes=68))  # the lock ends by itself


def test_verification_lasts_15_minutes(sessions, policy) -> None:
    now = utcnow()
    with sessions() as session:
        verification.request_otp(
            session, conversation_id="c1", bhxh_code=AN, phone=AN_PHONE, now=now, policy=policy
        )
    with sessions() as session:
        verification.confirm_otp(session, conversation_id="c1", code=otp(sessions), now=now, policy=policy)
    with sessions.begin() as session:
        assert (
            verification.current_verification(session, conversation_id="c1", now=now + timedelta(minutes=14))
            is not None
        )
        assert (
            verification.current_verification(
                session, conversation_id="c1", now=now + timedelta(minutes=15, seconds=1)
            )
            is None
        )
        assert verification.current_verification(session, conversation_id="c2", now=now) is None


def test_verification_never_carries_over_to_a_new_session(service: SqlRecordsService, sessions) -> None:
    service.start_verification(conversation_id="c1", identifier=AN)
    service.confirm_otp(conversation_id="c1", code=otp(sessions))
    assert service.is_verified(conversation_id="c1", session_started_at=utcnow() - timedelta(minutes=1))
    # A session that started after the verification does not see it ...
    assert not service.is_verified(conversation_id="c1", session_started_at=utcnow() + timedelta(seconds=1))
    # ... and action_session_start revokes it server-side.
    with sessions() as session:
        assert verification.revoke_verification(session, conversation_id="c1") == 1
    assert not service.is_verified(conversation_id="c1", session_started_at=None)
    with pytest.raises(errors.NotVerified):
        service.bhyt_card(conversation_id="c1", session_started_at=None)


def test_cancel_closes_the_open_otp(service: SqlRecordsService, sessions) -> None:
    service.start_verification(conversation_id="c1", identifier=AN)
    code = otp(sessions)
    service.cancel_verification(conversation_id="c1")
    with pytest.raises(errors.NoPendingOtp):
        service.confirm_otp(conversation_id="c1", code=code)


def test_a_new_otp_replaces_the_previous_one(
    service: SqlRecordsService, sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two different codes for sure (random codes may repeat, which made this check conditional).
    monkeypatch.setattr(verification, "new_code", iter(["111111", "222222"]).__next__)
    service.start_verification(conversation_id="c1", identifier=AN)
    first = otp(sessions)
    service.start_verification(conversation_id="c1", identifier=AN)
    second = otp(sessions)
    assert (first, second) == ("111111", "222222")
    with pytest.raises(errors.OtpIncorrect):
        service.confirm_otp(conversation_id="c1", code=first)
    service.confirm_otp(conversation_id="c1", code=second)


def test_audit_log_records_who_looked_up_what_without_full_numbers(
    service: SqlRecordsService, sessions
) -> None:
    with pytest.raises(errors.NotVerified):
        service.benefits(conversation_id="c1", session_started_at=None)
    service.start_verification(conversation_id="c1", identifier=AN)
    service.confirm_otp(conversation_id="c1", code=otp(sessions))
    service.bhyt_card(conversation_id="c1", session_started_at=None)
    with sessions.begin() as session:
        rows = session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
    assert [(r.event, r.outcome) for r in rows] == [
        ("personal_data_denied", "denied"),
        ("otp_sent", "ok"),
        ("verified", "ok"),
        ("bhyt_card", "ok"),
    ]
    assert all(r.conversation_id == "c1" for r in rows)
    assert rows[-1].subject == "xxxxxxx567"
    dumped = " ".join(f"{r.subject} {r.detail}" for r in rows)
    assert not re.search(r"\d{9,}", dumped)


def test_test_helpers_clear_limits_and_read_the_outbox(service: SqlRecordsService, sessions) -> None:
    for _ in range(3):
        service.start_verification(conversation_id="c1", identifier=AN)
    with pytest.raises(errors.OtpRequestLimit):
        service.start_verification(conversation_id="c1", identifier=AN)
    service.start_verification(conversation_id="c1", identifier=BINH)
    with sessions() as session:
        testing.clear_verification_state(session, bhxh_codes=[AN])
    service.start_verification(conversation_id="c1", identifier=AN)  # limit gone for An only
    with pytest.raises(errors.OtpRequestLimit):
        for _ in range(3):  # Bình's limit in c1 still counts
            service.start_verification(conversation_id="c1", identifier=BINH)
    with sessions() as session:
        assert testing.latest_otp(session, phone=AN_PHONE) == testing.latest_otp(session, bhxh_code=AN)
