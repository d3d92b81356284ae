"""`RecordsService` over the SQL database (records, verification state, outbox, audit log)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from vssid.db.records import Clinic, Office, Person
from vssid.services import lookups, verification
from vssid.services.errors import NoContactPhone, NoPendingOtp, PersonNotFound
from vssid.services.identifiers import parse_identifier
from vssid.services.locations import resolve_location
from vssid.services.records import (
    CONTRIBUTIONS_PAGE_SIZE,
    PLACES_LIMIT,
    BenefitInfo,
    BhytCardInfo,
    ContributionPage,
    OtpSent,
    PlaceSearch,
    Verified,
)
from vssid.services.verification import VerificationPolicy


class SqlRecordsService:
    """Each call opens its own session; the service functions own the transactions."""

    def __init__(self, sessions: sessionmaker, *, policy: VerificationPolicy | None = None) -> None:
        self._sessions = sessions
        self._policy = policy

    @classmethod
    def from_settings(cls) -> SqlRecordsService:
        from vssid.db.engine import get_sessionmaker

        return cls(get_sessionmaker())

    @property
    def policy(self) -> VerificationPolicy:
        # Read per call unless fixed, so OTP_TTL_SECONDS set by a test harness takes effect.
        return self._policy or VerificationPolicy.from_env()

    def lookup_bhxh_code(
        self, *, conversation_id: str, id_number: str, full_name: str, date_of_birth: date
    ) -> str:
        with self._sessions() as session:
            return lookups.lookup_bhxh_code(
                session,
                conversation_id=conversation_id,
                id_number=id_number,
                full_name=full_name,
                date_of_birth=date_of_birth,
            )

    def start_verification(self, *, conversation_id: str, identifier: str) -> OtpSent:
        parsed = parse_identifier(identifier)
        with self._sessions() as session:
            contact = lookups.identify(session, conversation_id=conversation_id, identifier=parsed)
            return self._send(session, conversation_id, *contact)

    def resend_otp(self, *, conversation_id: str) -> OtpSent:
        with self._sessions() as session:
            bhxh_code = verification.latest_challenge_subject(session, conversation_id=conversation_id)
            if bhxh_code is None:
                raise NoPendingOtp()
            with session.begin():
                contact = lookups.find_contact(session, identifier=parse_identifier(bhxh_code))
            if contact is None:
                raise PersonNotFound()
            return self._send(session, conversation_id, *contact)

    def _send(self, session: Session, conversation_id: str, bhxh_code: str, phone: str | None) -> OtpSent:
        if not phone:
            raise NoContactPhone()
        return verification.request_otp(
            session, conversation_id=conversation_id, bhxh_code=bhxh_code, phone=phone, policy=self.policy
        )

    def confirm_otp(self, *, conversation_id: str, code: str) -> Verified:
        with self._sessions() as session:
            subject = verification.confirm_otp(
                session, conversation_id=conversation_id, code=code, policy=self.policy
            )
            with session.begin():
                full_name = session.execute(
                    select(Person.full_name).where(Person.bhxh_code == subject.bhxh_code)
                ).scalar_one()
        masked = " ".join(f"{word[0]}***" for word in full_name.split())
        return Verified(masked_name=masked, expires_at=subject.expires_at)

    def cancel_verification(self, *, conversation_id: str) -> None:
        with self._sessions() as session:
            verification.cancel_challenges(session, conversation_id=conversation_id)

    def revoke_verification(self, *, conversation_id: str) -> None:
        with self._sessions() as session:
            verification.revoke_verification(session, conversation_id=conversation_id)

    def is_verified(self, *, conversation_id: str, session_started_at: datetime | None) -> bool:
        with self._sessions() as session, session.begin():
            return (
                verification.current_verification(
                    session, conversation_id=conversation_id, not_before=session_started_at
                )
                is not None
            )

    def bhyt_card(self, *, conversation_id: str, session_started_at: datetime | None) -> BhytCardInfo | None:
        with self._sessions() as session:
            return lookups.bhyt_card(session, conversation_id=conversation_id, not_before=session_started_at)

    def contributions(
        self,
        *,
        conversation_id: str,
        session_started_at: datetime | None,
        offset: int = 0,
        limit: int = CONTRIBUTIONS_PAGE_SIZE,
    ) -> ContributionPage:
        with self._sessions() as session:
            return lookups.contributions(
                session,
                conversation_id=conversation_id,
                offset=offset,
                limit=limit,
                not_before=session_started_at,
            )

    def benefits(
        self, *, conversation_id: str, session_started_at: datetime | None
    ) -> tuple[BenefitInfo, ...]:
        with self._sessions() as session:
            return lookups.benefits(session, conversation_id=conversation_id, not_before=session_started_at)

    def find_offices(self, *, location: str, limit: int = PLACES_LIMIT) -> PlaceSearch | None:
        return self._find(Office, location, limit)

    def find_clinics(self, *, location: str, limit: int = PLACES_LIMIT) -> PlaceSearch | None:
        return self._find(Clinic, location, limit)

    def _find(self, model: type[Office] | type[Clinic], location: str, limit: int) -> PlaceSearch | None:
        match = resolve_location(location)
        if match is None:
            return None
        with self._sessions() as session:
            places = lookups.find_places(session, model=model, match=match, limit=limit)
        return PlaceSearch(location_label=match.label, places=places)
