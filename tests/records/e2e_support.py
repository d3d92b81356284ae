"""What the end-to-end tests need from the records database, through the service layer."""

from __future__ import annotations

from sqlalchemy.orm import sessionmaker

from vssid.db.engine import make_engine
from vssid.db.seed import DEMO_IDENTITIES
from vssid.services import testing


class RecordsBackdoor:
    """Reads OTPs from the outbox and ages/clears verification state of the stack's database."""

    def __init__(self, database_url: str) -> None:
        self.engine = make_engine(database_url)
        self.sessions = sessionmaker(bind=self.engine, future=True)

    def otp(self, *, bhxh_code: str | None = None, phone: str | None = None) -> str:
        """The latest OTP sent to the registered phone of `bhxh_code` (or to `phone`)."""
        with self.sessions() as session:
            code = testing.latest_otp(session, bhxh_code=bhxh_code, phone=phone)
        assert code is not None, "no OTP in the outbox"
        return code

    def expire_otps(self, conversation_id: str) -> None:
        with self.sessions() as session:
            assert testing.expire_otps(session, conversation_id=conversation_id) >= 1

    def reset_demo_identities(self) -> None:
        """Clear send limits and lockouts so each test starts from scratch."""
        with self.sessions() as session:
            testing.clear_verification_state(session, bhxh_codes=[d["bhxh_code"] for d in DEMO_IDENTITIES])

    def close(self) -> None:
        self.engine.dispose()
