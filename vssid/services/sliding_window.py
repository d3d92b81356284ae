"""Sliding-window limits over stored timestamps (OTP sends, not-found look-ups)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session


def window_limit_end(
    session: Session,
    timestamp: Any,
    *conditions: Any,
    now: datetime,
    allowed: int,
    window: timedelta,
) -> datetime | None:
    """When the limit is lifted, if `allowed` or more rows matching `conditions` have `timestamp`
    within `window` before `now`: the moment the oldest of the last `allowed` leaves the window.
    None when the limit is not reached."""
    latest = (
        session.execute(
            select(timestamp)
            .where(*conditions, timestamp > now - window)
            .order_by(timestamp.desc())
            .limit(allowed)
        )
        .scalars()
        .all()
    )
    return latest[-1] + window if len(latest) >= allowed else None
