"""Server-issued, signed, expiring web chat session ids.

A session id is 192 random bits; its token is "<expiry>.<mac>": the expiry in Unix seconds and
an HMAC-SHA256 of the id and the expiry under WEBCHAT_SECRET. Verification needs only the
secret and the clock, so any Rasa process that shares the secret accepts the session until it
expires. Sessions ended early by the user are refused through a small table
(`vssid.services.web_sessions`), checked by the channel.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
import time

from vssid import settings
from vssid.channels import WEBCHAT_PREFIX

logger = logging.getLogger(__name__)

SECRET_ENV = "WEBCHAT_SECRET"
SENDER_PREFIX = WEBCHAT_PREFIX
SESSION_ID_BYTES = 24  # 192 bits of randomness; the issue asks for at least 128
MIN_SECRET_LENGTH = 32

# Domain separation: a MAC made for this purpose can never be replayed as another one.
_MAC_CONTEXT = b"vssid-webchat-session:v2:"
_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{32}$")  # base64url of SESSION_ID_BYTES, no padding
_TOKEN = re.compile(r"^([0-9]{1,12})\.([A-Za-z0-9_-]{43})$")


def new_session_id() -> str:
    """A fresh, unguessable session id (URL-safe, 32 characters)."""
    return secrets.token_urlsafe(SESSION_ID_BYTES)


def _mac(secret: bytes, session_id: str, expires: int) -> str:
    message = _MAC_CONTEXT + f"{session_id}.{expires}".encode("ascii")
    mac = hmac.new(secret, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def sign(secret: bytes, session_id: str, expires: int | None = None) -> str:
    """The token that proves the server issued `session_id`, valid until `expires` (Unix
    seconds; default: now + WEBCHAT_SESSION_TTL_SECONDS)."""
    if expires is None:
        expires = int(time.time()) + settings.webchat_session_ttl_seconds()
    return f"{expires}.{_mac(secret, session_id, expires)}"


def expiry(token: str) -> int | None:
    """The expiry (Unix seconds) written in a well-formed token."""
    match = _TOKEN.fullmatch(token or "")
    return int(match.group(1)) if match else None


def verify(secret: bytes, session_id: str | None, token: str | None, *, now: float | None = None) -> bool:
    """True when `token` was issued for `session_id` under `secret` and has not expired."""
    if not session_id or not token or not _SESSION_ID.fullmatch(session_id) or not token.isascii():
        return False
    match = _TOKEN.fullmatch(token)
    if match is None:
        return False
    expires = int(match.group(1))
    if expires <= (time.time() if now is None else now):
        return False
    return hmac.compare_digest(_mac(secret, session_id, expires), match.group(2))


def sender_id(session_id: str) -> str:
    """Rasa conversation id of a web session; the prefix tells other features the channel."""
    return f"{SENDER_PREFIX}{session_id}"


def load_secret() -> bytes:
    """WEBCHAT_SECRET from the environment, or a random per-process key for development.

    The random key is logged as a warning, never its value: sessions then do not survive a
    restart and are not accepted by other replicas.
    """
    value = settings.webchat_secret()
    if not value:
        logger.warning(
            "%s is not set: using a random key for this process only. Web chat sessions will "
            "not survive a restart and will not work across several Rasa processes. "
            "Set %s (at least %d characters) in production.",
            SECRET_ENV,
            SECRET_ENV,
            MIN_SECRET_LENGTH,
        )
        return secrets.token_bytes(32)
    if len(value) < MIN_SECRET_LENGTH:
        logger.warning(
            "%s is shorter than %d characters; use a longer random value.", SECRET_ENV, MIN_SECRET_LENGTH
        )
    return value.encode("utf-8")
