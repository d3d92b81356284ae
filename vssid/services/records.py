"""The one interface actions call for records and identity verification.

`RecordsService` is a Protocol so a real BHXH back end can replace the SQL adapter
(`vssid.services.sql_records.SqlRecordsService`) without touching the actions. Personal
look-ups take the *conversation*, never a BHXH code: whose records are shown is decided
server-side by the conversation's verification, so nothing the user types can widen access.
Methods are blocking; async callers use `vssid.aio.run_blocking`. The process-wide instance
comes from `vssid.services.registry`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

# Benefit kinds and statuses as stored
BENEFIT_SICKNESS = "sickness"
BENEFIT_MATERNITY = "maternity"
BENEFIT_ONE_TIME = "one_time"
BENEFIT_PENSION = "pension"
STATUS_PAID = "paid"
STATUS_PROCESSING = "processing"
STATUS_REJECTED = "rejected"

CONTRIBUTIONS_PAGE_SIZE = 5
PLACES_LIMIT = 5


@dataclass(frozen=True)
class OtpSent:
    masked_phone: str  # "09xx xxx 678"
    expires_at: datetime


@dataclass(frozen=True)
class Verified:
    masked_name: str  # first letters only, e.g. "N*** V*** A***"
    expires_at: datetime


@dataclass(frozen=True)
class BhytCardInfo:
    card_number: str
    valid_from: date
    valid_to: date
    clinic_name: str
    clinic_address: str
    is_valid: bool


@dataclass(frozen=True)
class EmployerPeriod:
    """Months with one employer (or voluntary), merged over the insurance kinds paid."""

    employer: str | None  # None = voluntary BHXH
    from_month: date
    to_month: date | None  # None = still contributing
    kinds: tuple[str, ...]
    months: int


@dataclass(frozen=True)
class ContributionPage:
    total_months: int  # months of BHXH paid in all
    periods: tuple[EmployerPeriod, ...]  # latest first
    offset: int
    next_offset: int | None  # None = no more pages
    total_periods: int


@dataclass(frozen=True)
class BenefitInfo:
    kind: str
    status: str
    amount: int  # VND
    requested_on: date
    paid_on: date | None


@dataclass(frozen=True)
class PlaceInfo:
    name: str
    address: str
    phone: str
    district: str | None
    province: str


@dataclass(frozen=True)
class PlaceSearch:
    location_label: str  # "Cầu Giấy, Hà Nội"
    places: tuple[PlaceInfo, ...]


class RecordsService(Protocol):
    """Records look-ups and identity verification, as the actions see them.

    Errors are the domain errors of `vssid.services.errors`.
    `session_started_at` is when the current chat session began: a verification older than
    that never counts (defence in depth next to `revoke_verification` at session start).
    """

    def lookup_bhxh_code(
        self, *, conversation_id: str, id_number: str, full_name: str, date_of_birth: date
    ) -> str:
        """The BHXH code if CCCD/CMND, full name and date of birth all match (else PersonNotFound)."""

    def start_verification(self, *, conversation_id: str, identifier: str) -> OtpSent:
        """Send an OTP to the registered phone of the person with this BHXH code or CCCD/CMND."""

    def resend_otp(self, *, conversation_id: str) -> OtpSent:
        """Send a fresh OTP to the person of this conversation's latest challenge."""

    def confirm_otp(self, *, conversation_id: str, code: str) -> Verified:
        """Check the OTP; on success the conversation is verified for a limited time."""

    def cancel_verification(self, *, conversation_id: str) -> None:
        """Close any open OTP challenge of the conversation (the user left the form)."""

    def revoke_verification(self, *, conversation_id: str) -> None:
        """End the conversation's verification and open challenges (new session, log-out)."""

    def is_verified(self, *, conversation_id: str, session_started_at: datetime | None) -> bool: ...

    def bhyt_card(self, *, conversation_id: str, session_started_at: datetime | None) -> BhytCardInfo | None:
        """The verified person's latest BHYT card (None if they have none)."""

    def contributions(
        self,
        *,
        conversation_id: str,
        session_started_at: datetime | None,
        offset: int = 0,
        limit: int = CONTRIBUTIONS_PAGE_SIZE,
    ) -> ContributionPage: ...

    def benefits(
        self, *, conversation_id: str, session_started_at: datetime | None
    ) -> tuple[BenefitInfo, ...]: ...

    def find_offices(self, *, location: str, limit: int = PLACES_LIMIT) -> PlaceSearch | None:
        """BHXH offices near a free-text location (district matches first); None if unknown place."""

    def find_clinics(self, *, location: str, limit: int = PLACES_LIMIT) -> PlaceSearch | None:
        """BHYT clinics near a free-text location (district matches first); None if unknown place."""
