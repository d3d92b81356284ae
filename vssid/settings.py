"""Every setting of the assistant, read from the environment here and nowhere else.

Defaults need nothing else on one machine (SQLite files under var/, in-memory lock store).
Values are read per call, so a test harness or launcher that sets a variable takes effect.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
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


def lock_store_url_is_set() -> bool:
    """LOCK_STORE_URL given at all (empty included: one process, in-memory lock store)."""
    return "LOCK_STORE_URL" in os.environ


def local_redis_url() -> str:
    """`make run` with LOCK_STORE_URL unset: the Redis it uses when one answers there (the second
    core, shared limits and Telegram state); LOCAL_REDIS_URL, default db 1 of 127.0.0.1:6379."""
    return env("LOCAL_REDIS_URL", "redis://127.0.0.1:6379/1")


# --- processes -----------------------------------------------------------------------------


def rasa_port() -> int:
    return int(env("RASA_PORT", "5005"))


def action_port() -> int:
    return int(env("ACTION_PORT", "5055"))


REDIS_SCHEMES = ("redis://", "rediss://")


def is_redis_url(url: str) -> bool:
    """True for a redis:// or rediss:// URL: the one test of "is this store Redis" everywhere."""
    return url.startswith(REDIS_SCHEMES)


def sanic_workers(lock_store: str | None = None) -> int:
    """SANIC_WORKERS: server processes of one `rasa run`.

    Default 2 when the lock store (`lock_store`, else LOCK_STORE_URL) is Redis (the second core:
    2.1-2.5x a stock bot instead of 1.5-1.6x with one process on the 2-core box; bench/RESULTS.md,
    "Speed" 3b), else 1: Rasa's in-memory lock store cannot serialise a conversation across
    processes (vssid/stores.py refuses that).
    """
    store = lock_store_url() if lock_store is None else lock_store
    default = "2" if is_redis_url(store) else "1"
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


def action_server_token() -> str:
    """Shared secret Rasa sends to the action server (header X-Action-Token); empty = unset."""
    return env("ACTION_SERVER_TOKEN")


def action_server_host() -> str:
    """Interface the action server binds; loopback unless deliberately opened."""
    return env("ACTION_SERVER_HOST", "127.0.0.1")


def action_timeout_seconds() -> float:
    """Upper bound of one call from Rasa to the action server."""
    return float(env("ACTION_TIMEOUT_SECONDS", "4"))


def db_timeout_seconds() -> float:
    """Upper bound of one database statement (PostgreSQL statement_timeout, SQLite busy wait)."""
    return float(env("DB_TIMEOUT_SECONDS", "3"))


# --- deployment ----------------------------------------------------------------------------


def vssid_env() -> str:
    """`development` (default: secrets generated per start) or anything else (secrets required)."""
    return env("VSSID_ENV", "development").strip().lower()


def is_development() -> bool:
    return vssid_env() in ("development", "dev", "test")


def rasa_api_enabled() -> bool:
    """ENABLE_RASA_API=1 turns on Rasa's HTTP API (off by default; token: RASA_API_TOKEN)."""
    return env("ENABLE_RASA_API") in ("1", "true", "yes")


def webchat_allowed_origins(environ: Mapping[str, str] | None = None) -> list[str]:
    """Origins allowed to call the web chat from another site (CORS); empty = same origin only.

    `environ`: the environment of a process about to be started (default: this one's).
    """
    raw = (os.environ if environ is None else environ).get("WEBCHAT_ALLOWED_ORIGINS") or ""
    return [origin for origin in raw.replace(",", " ").split() if origin]


def proxies_count() -> int:
    """Reverse proxies in front of Rasa whose X-Forwarded-For is trusted (0 = none)."""
    return int(env("PROXIES_COUNT", "0"))


# --- limits --------------------------------------------------------------------------------


def rate_limit_storage_url() -> str:
    """Where rate-limit counters live: RATE_LIMIT_STORAGE_URL, else LOCK_STORE_URL when it is
    Redis (shared by every replica), else memory (one process)."""
    explicit = env("RATE_LIMIT_STORAGE_URL")
    if explicit:
        return explicit
    lock_store = lock_store_url()
    return lock_store if is_redis_url(lock_store) else "memory://"


def redis_namespace() -> str:
    """Prefix of the keys of state shared in Redis (Telegram's duplicate memory and button map);
    REDIS_NAMESPACE, default "vssid". A test stack uses its own per run."""
    return env("REDIS_NAMESPACE", "vssid")


def rate_limit_namespace() -> str:
    """Prefix of the rate-limit keys (a test stack uses its own, so runs do not share counters)."""
    return env("RATE_LIMIT_NAMESPACE", "vssid")


def rate_limit(name: str, default: str) -> str:
    """A limit such as "20/minute"; RATE_LIMIT_<NAME> overrides the default (see README)."""
    return env(f"RATE_LIMIT_{name.upper()}", default)


def webchat_session_ttl_seconds() -> int:
    """How long a web chat session token is valid."""
    return int(env("WEBCHAT_SESSION_TTL_SECONDS", "7200"))


# --- records and verification --------------------------------------------------------------


def otp_ttl_seconds() -> int:
    return int(env("OTP_TTL_SECONDS", "300"))


def otp_secret() -> str:
    """Server-side key: pepper of stored OTP and audit hashes, key of the tracker store's
    encrypted form fields. Required outside development (see vssid.secrets)."""
    return env("OTP_SECRET")


def outbox_retention_seconds() -> int:
    """How long a delivered or expired outbox message keeps its body and full recipient."""
    return int(env("OUTBOX_RETENTION_SECONDS", str(otp_ttl_seconds())))


# --- escalation ----------------------------------------------------------------------------


def hotline_hours() -> str:
    """Opening hours of the chat agents, "07:00-21:00"; empty = the default."""
    return env("HOTLINE_HOURS")


def hotline_timezone() -> str:
    return env("HOTLINE_TIMEZONE")


def agent_token() -> str:
    """The agent's own console token, for scripts/agent_cli.py (the server keeps only hashes)."""
    return env("AGENT_TOKEN")


def agent_console_url() -> str:
    return env("AGENT_CONSOLE_URL") or rasa_url() + "/webhooks/agent"


# --- channels ------------------------------------------------------------------------------


def webchat_secret() -> str:
    return env("WEBCHAT_SECRET")


def telegram_token() -> str:
    return env("TELEGRAM_TOKEN")


def telegram_webhook_secret() -> str:
    return env("TELEGRAM_WEBHOOK_SECRET")


def telegram_api_base_url() -> str:
    return env("TELEGRAM_API_BASE_URL")


# --- operators (analytics dashboard, knowledge-base suggestions) ----------------------------


def analytics_events_url() -> str:
    """Where the consumer reads events: Rasa's SQL tracker store (default) or a SQL event broker's DB."""
    return env("ANALYTICS_EVENTS_URL") or tracker_store_url()


def analytics_timezone() -> str:
    """Time zone of the dashboard's days (default Vietnam)."""
    return env("ANALYTICS_TIMEZONE") or hotline_timezone() or "Asia/Ho_Chi_Minh"


def kb_suggestions_dir() -> Path:
    """Suggested examples for kb/ editors to review (outside kb/: they are not training data)."""
    return Path(env("KB_SUGGESTIONS_DIR") or VAR_DIR / "kb_suggestions")
