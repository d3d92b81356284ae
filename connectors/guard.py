"""What every public route shares: the client's address, JSON errors, body-size and rate limits.

- Body size: `limit_body(blueprint, max_bytes)` refuses a request whose Content-Length is over
  the limit with 413 before Sanic reads the body (a chunked body is cut off at the limit too).
- Rate limits: `RateLimits` counts hits with the `limits` library, in memory by default or in
  Redis (RATE_LIMIT_STORAGE_URL, else a redis:// LOCK_STORE_URL) so replicas share counters.
  Every limit has a name and a default (see `LIMITS`); RATE_LIMIT_<NAME> overrides it.
- Client address: Sanic's `remote_addr` (X-Forwarded-For, trusted only for PROXIES_COUNT
  proxies), else the peer's address.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import limits
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sanic import Blueprint, Sanic, response
from sanic.exceptions import PayloadTooLarge
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.memory_storage import PruningMemoryStorage
from vssid import settings

logger = logging.getLogger(__name__)

NO_STORE = {"Cache-Control": "no-store"}
KB = 1024
SMALL_BODY = 16 * KB  # web chat and agent API
TELEGRAM_BODY = 1024 * KB  # Telegram updates
APP_MAX_BODY = TELEGRAM_BODY + KB  # app-wide cap when Rasa's API (model uploads) is off

# name -> default limit (per the key named in the comment)
LIMITS = {
    "webchat_session": "10/minute;60/hour",  # new sessions per client address
    "webchat_message": "20/minute",  # messages per session
    "webchat_message_address": "120/minute",  # messages per client address
    "webchat_read": "60/minute",  # history/events/end per session
    "webchat_read_address": "600/minute",  # history/events/end per client address
    "telegram_chat": "30/minute",  # updates per Telegram chat
    "telegram_notice": "1/minute",  # "slow down" replies per Telegram chat
    "agent_api": "600/minute",  # agent API calls per client address
}

MESSAGE_TOO_MANY = "Bạn thao tác quá nhanh. Vui lòng thử lại sau {seconds} giây."
MESSAGE_TOO_LARGE = "Nội dung gửi lên quá lớn (tối đa {size} KB)."


_CONTROL = {chr(c) for c in range(32) if chr(c) not in "\n\t"} | {chr(127)}


def clean_text(text: str) -> str | None:
    """`text` without control characters (NUL breaks PostgreSQL), or None when it is not valid
    Unicode (lone surrogates from a JSON escape such as "\\ud800")."""
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        return None
    return "".join(ch for ch in text if ch not in _CONTROL)


def client_address(request: Request) -> str:
    return request.remote_addr or request.ip or "unknown"


def json_error(status: int, error: str, message: str = "", **extra: Any) -> HTTPResponse:
    headers = dict(NO_STORE)
    if "retry_after" in extra:
        headers["Retry-After"] = str(extra["retry_after"])
    return response.json({"error": error, "message": message, **extra}, status=status, headers=headers)


def too_many_requests(retry_after: int) -> HTTPResponse:
    return json_error(
        429, "rate_limited", MESSAGE_TOO_MANY.format(seconds=retry_after), retry_after=retry_after
    )


def limit_body(blueprint: Blueprint, max_bytes: int) -> None:
    """413 for requests to `blueprint`'s routes whose body is over `max_bytes`, before reading it."""

    @blueprint.signal("http.routing.after")
    async def _check_size(request: Request, route: Any, kwargs: Any, handler: Any) -> None:
        # Blueprint signals fire for every route of the app: act on this blueprint's only.
        if route.name.split(".")[1:2] != [blueprint.name]:
            return
        length = request.headers.get("content-length")
        if length is not None and int(length) > max_bytes:
            raise PayloadTooLarge(MESSAGE_TOO_LARGE.format(size=max_bytes // KB))
        if request.stream is not None:
            request.stream.request_max_size = max_bytes

    @blueprint.exception(PayloadTooLarge)
    async def _too_large(request: Request, exception: Exception) -> HTTPResponse:
        return json_error(413, "payload_too_large", MESSAGE_TOO_LARGE.format(size=max_bytes // KB))

    @blueprint.listener("before_server_start")
    async def _cap_app(app: Sanic, _loop: Any) -> None:
        configure_app(app)


def configure_app(app: Sanic) -> None:
    """App-wide settings our channels need (idempotent): trusted proxies, a body-size cap, and
    400 instead of 500 for a request Sanic cannot even parse (e.g. `Content-Length: abc`)."""
    app.config.PROXIES_COUNT = settings.proxies_count() or None
    if not settings.rasa_api_enabled():
        app.config.REQUEST_MAX_SIZE = min(app.config.REQUEST_MAX_SIZE, APP_MAX_BODY)
    if not getattr(app.ctx, "vssid_unparsable_handler", False):
        app.ctx.vssid_unparsable_handler = True
        default = app.error_handler.default

        def unparsable(request: Request | None, exception: Exception) -> HTTPResponse:
            if request is not None and getattr(request, "route", None) is None:
                return json_error(400, "bad_request", "Yêu cầu không hợp lệ.")
            return default(request, exception)

        app.error_handler.add(ValueError, unparsable)


class RateLimits:
    """Named moving-window limits over one storage; `hit` answers the seconds to wait, or 0."""

    def __init__(self, storage_url: str, namespace: str = "vssid") -> None:
        memory = storage_url.startswith("memory://")
        self._storage = PruningMemoryStorage() if memory else storage_from_string(storage_url)
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._namespace = namespace
        self._blocking = not memory

    @classmethod
    def from_settings(cls) -> RateLimits:
        return cls(settings.rate_limit_storage_url(), settings.rate_limit_namespace())

    def _hit(self, name: str, key: str) -> int:
        wait = 0
        for item in limits.parse_many(settings.rate_limit(name, LIMITS[name])):
            if not self._limiter.hit(item, self._namespace, name, key):
                reset, _ = self._limiter.get_window_stats(item, self._namespace, name, key)
                wait = max(wait, int(reset - time.time()) + 1)
        return wait

    async def hit(self, name: str, key: str) -> int:
        """Count one hit of limit `name` for `key`; 0 if allowed, else seconds until allowed."""
        try:
            if self._blocking:
                return await asyncio.to_thread(self._hit, name, key)
            return self._hit(name, key)
        except Exception:  # a storage outage must not take the channels down
            logger.warning("rate limit %s could not be checked; allowing", name, exc_info=True)
            return 0

    async def first_refused(self, *checks: tuple[str, str]) -> int:
        """Hit each (name, key) in turn; the wait of the first refused one, else 0."""
        for name, key in checks:
            wait = await self.hit(name, key)
            if wait:
                return wait
        return 0


_rate_limits: RateLimits | None = None


def rate_limits() -> RateLimits:
    """The process-wide limiter, built on first use from the settings."""
    global _rate_limits
    if _rate_limits is None:
        _rate_limits = RateLimits.from_settings()
    return _rate_limits
