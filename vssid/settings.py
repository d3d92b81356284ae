"""Every setting of the assistant, read from the environment here and nowhere else.

Defaults need nothing else on one machine (SQLite files under var/, in-memory lock store).
Values are read per call, so a test harness or launcher that sets a variable takes effect.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VSSID_VAR_DIR", PROJECT_ROOT / "var"))

HOTLINE = "1900.9068"
DEFAULT_RASA_URL = "http://127.0.0.1:5005"


def _sqlite_url(name: str) -> str:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{VAR_DIR / name}"


def env(name: str, default: str = "") -> str:
    return os.environ.get(name) or default


# --- stores --------------------------------------------------------------------------------


def database_url() -> str:
    """Records and escalation-queue database."""
    return env("DATABASE_URL") or _sqlite_url("vssid.db")


def tracker_store_url() -> str:
    """Conversation tracker store database."""
    return env("TRACKER_STORE_URL") or _sqlite_url("tracker.db")


def lock_store_url() -> str:
    """Empty means Rasa's in-memory lock store; redis://host:port/db selects Redis."""
    return env("LOCK_STORE_URL")


# --- processes -----------------------------------------------------------------------------


def rasa_port() -> int:
    return int(env("RASA_PORT", "5005"))


def action_port() -> int:
    return int(env("ACTION_PORT", "5055"))


def sanic_workers() -> int:
    """SANIC_WORKERS: server processes of one `rasa run`.

    Default 2 when LOCK_STORE_URL is Redis (the second core: 1.56x the throughput of one worker on
    the 2-core box when it was quiet; bench/RESULTS.md, "Speed"), else 1: Rasa's in-memory lock
    store cannot serialise a conversation across processes (vssid/stores.py refuses that).
    """
    default = "2" if lock_store_url().startswith(("redis://", "rediss://")) else "1"
    try:
        return max(int(env("SANIC_WORKERS", default)), 1)
    except ValueError:
        return 1


def scale_database_url() -> str:
    """`make scale-demo`: PostgreSQL for records and the tracker store of both replicas."""
    return env("SCALE_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/vssid_scale")


def scale_redis_url() -> str:
    """`make scale-demo`: Redis lock store and notifications of both replicas."""
    return env("SCALE_REDIS_URL", "redis://127.0.0.1:6379/2")


def rasa_url() -> str:
    """Where the Rasa server is reached by our own tools (agent CLI, Telegram polling)."""
    return env("RASA_URL", DEFAULT_RASA_URL).rstrip("/")


def rasa_api_token() -> str:
    return env("RASA_API_TOKEN")


# --- records and verification --------------------------------------------------------------


def otp_ttl_seconds() -> int:
    return int(env("OTP_TTL_SECONDS", "300"))


def otp_secret() -> str:
    """Extra key mixed into stored OTP and audit hashes."""
    return env("OTP_SECRET")


# --- escalation ----------------------------------------------------------------------------


def hotline_hours() -> str:
    """Opening hours of the chat agents, "07:00-21:00"; empty = the default."""
    return env("HOTLINE_HOURS")


def hotline_timezone() -> str:
    return env("HOTLINE_TIMEZONE")


def agent_token() -> str:
    return env("AGENT_TOKEN")


def agent_console_url() -> str:
    return env("AGENT_CONSOLE_URL") or rasa_url() + "/webhooks/agent"


def agent_name() -> str:
    return env("AGENT_NAME")


# --- channels ------------------------------------------------------------------------------


def webchat_secret() -> str:
    return env("WEBCHAT_SECRET")


def telegram_token() -> str:
    return env("TELEGRAM_TOKEN")


def telegram_webhook_secret() -> str:
    return env("TELEGRAM_WEBHOOK_SECRET")


def telegram_api_base_url() -> str:
    return env("TELEGRAM_API_BASE_URL")
