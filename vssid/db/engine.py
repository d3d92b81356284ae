"""Engine and session factories, built on first use (never at import)."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from vssid import settings

_lock = threading.Lock()
_sessionmakers: dict[str, sessionmaker] = {}


def make_engine(url: str, **kwargs: Any) -> Engine:
    """A 2.0-style engine for `url`, with the SQLite settings this project relies on."""
    if url.startswith("sqlite"):
        connect_args = kwargs.pop("connect_args", {})
        # Actions run DB calls in worker threads (asyncio.to_thread); wait on locks, don't fail.
        connect_args.setdefault("check_same_thread", False)
        connect_args.setdefault("timeout", 30)
        engine = create_engine(url, future=True, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, future=True, pool_pre_ping=True, **kwargs)


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
