"""Sliding-window limits over stored timestamps (OTP sends, not-found look-ups)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session


def window_limit_end(
    session: Session,
    timestamp: Any,
    *conditions: Any,
    scopes: Iterable[tuple[Any, int, timedelta]],
    now: datetime,
) -> datetime | None:
    """When the first limit reached is lifted, or None when none is.

    Each scope is (condition, allowed, window): the limit is reached when `allowed` or more rows
    matching `conditions` and the scope's condition have `timestamp` within `window` before `now`;
    it is lifted when the oldest of the last `allowed` of them leaves the window.
    """
    for scope, allowed, window in scopes:
        latest = (
            session.execute(
                select(timestamp)
                .where(*conditions, scope, timestamp > now - window)
                .order_by(timestamp.desc())
                .limit(allowed)
            )
            .scalars()
            .all()
        )
        if len(latest) >= allowed:
            return latest[-1] + window
    return None
