"""One registry for the process-wide services (records, escalation queue).

Kept apart from the interfaces and the SQL adapters so none of them imports another in a
circle: adapters import interfaces, the registry imports both, callers import the registry.
Each service is built on first use from settings; tests or another back end replace it with
`set_*` (None resets it to the default).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vssid.services.access import AccessService
    from vssid.services.analytics import AnalyticsService
    from vssid.services.records import RecordsService
    from vssid.services.ticket_service import TicketService

_lock = threading.Lock()
_records: RecordsService | None = None
_tickets: TicketService | None = None
_analytics: AnalyticsService | None = None
_access: AccessService | None = None


def get_records_service() -> RecordsService:
    """The records service (SQL adapter on DATABASE_URL), created on first use."""
    global _records
    with _lock:
        if _records is None:
            from vssid.services.sql_records import SqlRecordsService

            _records = SqlRecordsService.from_settings()
        return _records


def set_records_service(service: RecordsService | None) -> None:
    global _records
    with _lock:
        _records = service


def get_ticket_service() -> TicketService:
    """The escalation-queue service (SQL on DATABASE_URL), created on first use."""
    global _tickets
    with _lock:
        if _tickets is None:
            from vssid.services.ticket_service import TicketService

            _tickets = TicketService.from_settings()
        return _tickets


def set_ticket_service(service: TicketService | None) -> None:
    global _tickets
    with _lock:
        _tickets = service


def get_analytics_service() -> AnalyticsService:
    """Operator analytics (tables on DATABASE_URL, events from the tracker store), built on first use."""
    global _analytics
    with _lock:
        if _analytics is None:
            from vssid.services.analytics import AnalyticsService

            _analytics = AnalyticsService.from_settings()
        return _analytics


def set_analytics_service(service: AnalyticsService | None) -> None:
    global _analytics
    with _lock:
        _analytics = service


def get_access_service() -> AccessService:
    """Agents' tokens and web chat sessions (SQL on DATABASE_URL), created on first use."""
    global _access
    with _lock:
        if _access is None:
            from vssid.services.access import AccessService

            _access = AccessService.from_settings()
        return _access


def set_access_service(service: AccessService | None) -> None:
    global _access
    with _lock:
        _access = service
