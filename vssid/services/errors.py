"""Small domain errors that actions turn into polite replies (no Rasa, no SQL here)."""

from __future__ import annotations

from datetime import datetime


class ServiceError(Exception):
    """Base of every error the records services raise on purpose."""


class InvalidInput(ServiceError):
    """Malformed user input; `reason` says what is wrong (see identifiers.py for the values)."""

    def __init__(self, reason: str, *, digits: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.digits = digits


class PersonNotFound(ServiceError):
    """No insured person matches (unknown code, or CCCD/name/date of birth not all matching)."""


class NoContactPhone(ServiceError):
    """The person has no registered phone, so no OTP can be sent."""


class TooManyAttempts(ServiceError):
    """A rate limit was hit; `retry_after` is when the user may try again."""

    def __init__(self, retry_after: datetime) -> None:
        super().__init__(f"retry after {retry_after.isoformat()}")
        self.retry_after = retry_after


class OtpRequestLimit(TooManyAttempts):
    """More than the allowed number of OTPs were sent for one person in the window."""


class VerificationLocked(TooManyAttempts):
    """Too many wrong OTPs for one person: verification is locked for a while."""


class LookupLimit(TooManyAttempts):
    """Too many failed BHXH-code look-ups from one conversation or for one CCCD."""


class NoPendingOtp(ServiceError):
    """An OTP was entered but this conversation has no open challenge."""


class OtpExpired(ServiceError):
    """The challenge's code is past its expiry time."""


class OtpIncorrect(ServiceError):
    """Wrong code; `attempts_left` more tries remain on this challenge."""

    def __init__(self, attempts_left: int) -> None:
        super().__init__(f"{attempts_left} attempts left")
        self.attempts_left = attempts_left


class OtpAttemptsExhausted(ServiceError):
    """Wrong code and no tries left on this challenge (a new code is needed)."""


class NotVerified(ServiceError):
    """Personal data was asked for without a valid verification of this conversation."""
