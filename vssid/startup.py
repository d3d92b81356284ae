"""Secrets a process needs before it serves anyone.

In development (VSSID_ENV unset or `development`) a missing secret is generated for this start,
with a warning; anywhere else the process refuses to start without it.
"""

from __future__ import annotations

import logging
import os
import secrets

from vssid import settings

logger = logging.getLogger(__name__)


class MissingSecret(SystemExit):
    """Raised at start-up outside development when a required secret is not set."""


def ensure_secret(name: str, purpose: str) -> str:
    """The value of environment variable `name`; generated (dev) or refused (elsewhere) if unset."""
    value = settings.env(name)
    if value:
        return value
    if not settings.is_development():
        raise MissingSecret(
            f"{name} is not set ({purpose}). Refusing to start with VSSID_ENV={settings.vssid_env()}; "
            f"set {name} to a long random value."
        )
    value = secrets.token_urlsafe(32)
    os.environ[name] = value
    logger.warning("%s is not set: using a random value for this start only (%s).", name, purpose)
    return value
