"""Server-issued, signed web chat session ids.

A session id is 192 random bits; its token is an HMAC-SHA256 of the id under WEBCHAT_SECRET.
Verification needs only the secret, so any Rasa process that shares it accepts the session:
nothing is stored per session, which is what lets several replicas sit behind a load balancer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets

from vssid import settings
from vssid.channels import WEBCHAT_PREFIX

logger = logging.getLogger(__name__)

SECRET_ENV = "WEBCHAT_SECRET"
SENDER_PREFIX = WEBCHAT_PREFIX
SESSION_ID_BYTES = 24  # 192 bits of randomness; the issue asks for at least 128
MIN_SECRET_LENGTH = 32

# Domain separation: a MAC made for this purpose can never be replayed as another one.
_MAC_CONTEXT = b"vssid-webchat-session:v1:"
_SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{32}$")  # base64url of SESSION_ID_BYTES, no padding


def new_session_id() -> str:
    """A fresh, unguessable session id (URL-safe, 32 characters)."""
    return secrets.token_urlsafe(SESSION_ID_BYTES)


def sign(secret: bytes, session_id: str) -> str:
    """The token that proves the server issued `session_id`."""
    mac = hmac.new(secret, _MAC_CONTEXT + session_id.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def verify(secret: bytes, session_id: str | None, token: str | None) -> bool:
    """True when `token` was issued for `session_id` under `secret` (constant-time compare)."""
    if not session_id or not token or not _SESSION_ID.match(session_id):
        return False
    try:
        token.encode("ascii")
    except UnicodeEncodeError:
        return False
    return hmac.compare_digest(sign(secret, session_id), token)


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
