"""Settings read from the environment, with defaults that need nothing else on one machine."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VSSID_VAR_DIR", PROJECT_ROOT / "var"))

HOTLINE = "1900.9068"


def _sqlite_url(name: str) -> str:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{VAR_DIR / name}"


def database_url() -> str:
    """Records and escalation-queue database."""
    return os.environ.get("DATABASE_URL") or _sqlite_url("vssid.db")


def tracker_store_url() -> str:
    """Conversation tracker store database."""
    return os.environ.get("TRACKER_STORE_URL") or _sqlite_url("tracker.db")


def lock_store_url() -> str:
    """Empty means Rasa's in-memory lock store; redis://host:port/db selects Redis."""
    return os.environ.get("LOCK_STORE_URL", "")


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)
