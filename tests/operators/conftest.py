"""Fixtures for the operators' tests: an analytics database (SQLite, PostgreSQL when set) and an
events table shaped like Rasa's (id, sender_id, data), fed with tracker-style event dicts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.databases import BACKENDS, empty_database, migrated
from vssid.db.engine import dispose_engines, get_sessionmaker, make_engine
from vssid.services.analytics import AnalyticsService

NOW = datetime(2026, 12, 2, 5, 0, tzinfo=timezone.utc)  # 12:00 in Hà Nội
TITLES = {
    "forgot_password": "Quên mật khẩu",
    "lost_phone": "Mất số điện thoại",
    "change_phone": "Đổi số điện thoại",
}


class EventLog:
    """Appends events to a Rasa-style ``events`` table."""

    def __init__(self, engine: sa.engine.Engine) -> None:
        self.engine = engine
        self.table = sa.Table(
            "events",
            sa.MetaData(),
            sa.Column("id", sa.Integer, primary_key=True),
            sa.Column("sender_id", sa.String(255), nullable=False),
            sa.Column("data", sa.Text),
        )
        self.table.create(engine)

    def add(self, sender: str, event: dict[str, Any]) -> None:
        with self.engine.begin() as conn:
            conn.execute(self.table.insert().values(sender_id=sender, data=json.dumps(event)))

    def user(self, sender: str, text: str, intent: str, confidence: float = 0.9, *, at: float | None = None,
             channel: str = "rest", topic: str = "", ranking: list[tuple[str, float]] | None = None,
             entities: list[dict] | None = None) -> None:  # fmt: skip
        parse = {
            "intent": {"name": intent, "confidence": confidence},
            "intent_ranking": [{"name": n, "confidence": c} for n, c in (ranking or [(intent, confidence)])],
            "entities": entities or [],
        }
        if topic:
            parse["response_selector"] = {"faq": {"response": {"intent_response_key": f"faq/{topic}"}}}
        self.add(sender, {"event": "user", "text": text, "timestamp": at or NOW.timestamp(),
                          "input_channel": channel, "parse_data": parse})  # fmt: skip

    def bot(self, sender: str, utter: str, *, at: float | None = None) -> None:
        self.add(sender, {"event": "bot", "text": "…", "timestamp": at or NOW.timestamp(),
                          "metadata": {"utter_action": utter}})  # fmt: skip


@pytest.fixture(params=BACKENDS)
def analytics(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[AnalyticsService, EventLog]]:
    with empty_database(request.param, tmp_path, name="operators") as url:
        migrated(url)
        events_engine = make_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
        log = EventLog(events_engine)
        service = AnalyticsService(
            get_sessionmaker(url),
            events_engine,
            tz="Asia/Ho_Chi_Minh",
            topic_titles=lambda: TITLES,
            clock=lambda: NOW,
        )
        yield service, log
        events_engine.dispose()
        dispose_engines()


@pytest.fixture(scope="session")
def console_server() -> Iterator[Any]:
    from tests.handoff.console_server import ConsoleServer

    server = ConsoleServer().start()
    yield server
    server.stop()


@pytest.fixture
def console(
    console_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Any, EventLog]]:
    """The agent console (with the dashboard) on a real port, over a migrated SQLite database and an
    events table of our own; suggestions go to tmp_path/suggestions."""
    from vssid.services.registry import set_access_service, set_analytics_service, set_ticket_service

    url = f"sqlite:///{tmp_path / 'vssid.db'}"
    migrated(url)
    tracker_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    for name, value in {
        **console_server.env(),
        "DATABASE_URL": url,
        "TRACKER_STORE_URL": tracker_url,
        "KB_SUGGESTIONS_DIR": str(tmp_path / "suggestions"),
    }.items():
        monkeypatch.setenv(name, value)
    dispose_engines()
    for reset in (set_analytics_service, set_access_service, set_ticket_service):
        reset(None)  # rebuilt on this test's databases
    console_server.issue_tokens()
    engine = make_engine(tracker_url)
    yield console_server, EventLog(engine)
    engine.dispose()
    for reset in (set_analytics_service, set_access_service, set_ticket_service):
        reset(None)
    dispose_engines()
