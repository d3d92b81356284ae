"""Engine and session factories, built on first use (never at import)."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import create_engine, event, pool
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from vssid import settings

_lock = threading.Lock()
_sessionmakers: dict[str, sessionmaker] = {}


def engine_options(url: str) -> dict[str, Any]:
    """create_engine() options every engine of ours shares: bounded waits, dead connections
    replaced on checkout (pool_pre_ping), so a restarted or killed database recovers by itself."""
    timeout = settings.db_timeout_seconds()
    if url.startswith("sqlite"):
        # Actions run DB calls in worker threads (asyncio.to_thread); a lock waits `timeout` s, then fails.
        options: dict[str, Any] = {
            "connect_args": {"check_same_thread": False, "timeout": timeout},
            "hide_parameters": True,
        }
        if make_url(url).database not in (None, "", ":memory:"):
            # A file keeps its connections, as SQLAlchemy 2.0 does: SQLAlchemy 1.4 opened one per
            # session (NullPool), and the last close checkpointed the WAL, on every message.
            options["poolclass"] = pool.QueuePool
        return options
    connect_args: dict[str, Any] = {}
    if url.startswith("postgresql"):
        # connect_args replace the URL's own `options` (e.g. a search_path): keep those too.
        existing = make_url(url).query.get("options", "")
        existing = " ".join(existing) if isinstance(existing, tuple) else existing
        limits = f"-c statement_timeout={int(timeout * 1000)} -c lock_timeout={int(timeout * 1000)}"
        connect_args = {"connect_timeout": max(1, int(timeout)), "options": f"{existing} {limits}".strip()}
    # hide_parameters: error messages (logged) never quote a personal number bound to a query.
    return {"pool_pre_ping": True, "connect_args": connect_args, "hide_parameters": True}


def make_engine(url: str, **kwargs: Any) -> Engine:
    """A 2.0-style engine for `url`, with the settings this project relies on (engine_options)."""
    options = engine_options(url)
    options["connect_args"].update(kwargs.pop("connect_args", {}))
    engine = create_engine(url, future=True, **{**options, **kwargs})
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets the action server write while another process (tests, manage) reads.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def get_sessionmaker(url: str | None = None) -> sessionmaker:
    """The process-wide session factory for `url` (default: `DATABASE_URL`), created once."""
    url = url or settings.database_url()
    with _lock:
        maker = _sessionmakers.get(url)
        if maker is None:
            maker = sessionmaker(bind=make_engine(url), future=True, expire_on_commit=False)
            _sessionmakers[url] = maker
        return maker


def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for `url` (default: `DATABASE_URL`)."""
    return get_sessionmaker(url).kw["bind"]


def new_session(url: str | None = None) -> Session:
    """A fresh session with no transaction open; service functions begin their own."""
    return get_sessionmaker(url)()


def dispose_engines() -> None:
    """Close pooled connections and forget the cached factories (tests, forked workers)."""
    with _lock:
        for maker in _sessionmakers.values():
            maker.kw["bind"].dispose()
        _sessionmakers.clear()
