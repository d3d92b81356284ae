"""Shared fixtures: the running stack (action server + Rasa server + fake Telegram Bot API).

The stack uses a fresh SQLite directory by default; when TEST_DATABASE_URL is set (CI), the
records/queue database and the tracker store live in a fresh PostgreSQL database and the lock
store in Redis (TEST_REDIS_URL), so the end-to-end tests exercise the production set-up.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from vssid.launcher import Stack, free_port, latest_model
from vssid.settings import PROJECT_ROOT

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
# The environment this test session began with: what the stack's processes inherit, whatever a
# test or fixture has set in os.environ since (e.g. limits for an in-process channel).
ENVIRON_AT_START = dict(os.environ)
ALWAYS_OPEN = "00:00-24:00"
TEST_SECRETS = {
    "WEBCHAT_SECRET": "test-webchat-secret-0123456789abcdef",
    "TELEGRAM_TOKEN": "123456:TEST-TOKEN",
    "TELEGRAM_WEBHOOK_SECRET": "test-telegram-secret",
}
TEST_AGENT = "Lan"  # holds the console token RasaStack.env["AGENT_TOKEN"] (issued per stack)


def _postgres_admin(base_url: str, *statements: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(base_url, isolation_level="AUTOCOMMIT", future=True)
    with engine.connect() as conn:
        for statement in statements:
            conn.execute(sa.text(statement))
    engine.dispose()


def _fresh_postgres_database(base_url: str, name: str) -> str:
    """Drop and create database `name` on the server of `base_url`; return its URL."""
    import sqlalchemy as sa

    _postgres_admin(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    return sa.engine.make_url(base_url).set(database=name).render_as_string(hide_password=False)


@dataclass
class RasaStack:
    """What tests see of the running stack."""

    stack: Stack
    env: dict[str, str]
    telegram: Any = None

    @property
    def url(self) -> str:
        return self.stack.url

    @property
    def api_token(self) -> str:
        return self.stack.env["RASA_API_TOKEN"]

    def send(self, sender: str, text: str, timeout: float = 30) -> list[dict[str, Any]]:
        """Send `text` as `sender` over the REST channel; return the bot's messages."""
        response = requests.post(
            f"{self.url}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=timeout
        )
        response.raise_for_status()
        return response.json()

    def texts(self, sender: str, text: str) -> list[str]:
        return [m.get("text", "") for m in self.send(sender, text) if m.get("text")]

    def agent_token(self, name: str) -> str:
        """The console token of agent `name` (issued on first use, as `agent_cli issue-token`)."""
        if name == TEST_AGENT:
            return self.env["AGENT_TOKEN"]
        key = f"AGENT_TOKEN_{name}"
        if key not in self.env:
            self.env[key] = _issue_agent_token(self.env["DATABASE_URL"], name)
        return self.env[key]

    def client(self, address: str | None = None) -> requests.Session:
        """An HTTP session that appears to come from `address` (default: a fresh one).

        The test stack trusts one proxy (PROXIES_COUNT=1), so X-Forwarded-For names the client:
        tests get their own rate-limit and lockout counters, as separate users would.
        """
        http = requests.Session()
        http.headers["X-Forwarded-For"] = address or new_address()
        return http

    def tracker(self, sender: str) -> dict[str, Any]:
        response = requests.get(
            f"{self.url}/conversations/{sender}/tracker", params={"token": self.api_token}, timeout=30
        )
        response.raise_for_status()
        return response.json()

    def stored_events(self, sender: str) -> list[str]:
        """Event types of `sender`'s conversation as stored in the tracker store (read directly,
        so nothing is created: Rasa's tracker route starts a session for an unknown sender)."""
        import sqlalchemy as sa

        engine = sa.create_engine(self.env["TRACKER_STORE_URL"], future=True)
        try:
            with engine.connect() as connection:
                query = sa.text("SELECT type_name FROM events WHERE sender_id = :sender ORDER BY id")
                return [row[0] for row in connection.execute(query, {"sender": sender})]
        except sa.exc.OperationalError:
            return []  # SQLite: the table appears with the first conversation
        finally:
            engine.dispose()

    def restart(self) -> None:
        """Stop and start the action server and the Rasa server (stores keep their data)."""
        self.stack.restart()

    def restart_actions(self, **env: str) -> None:
        """Restart only the action server, with `env` changed (e.g. HOTLINE_HOURS)."""
        import signal

        proc = self.stack._procs.pop("actions")
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
        self.stack.env.update(env)
        self.env.update(env)
        self.stack.start_actions()


def _issue_agent_token(database_url: str, name: str) -> str:
    from vssid.db.engine import new_session
    from vssid.services import agents

    with new_session(database_url) as session:
        return agents.issue_token(session, name=name)


def _ensure_model() -> Path:
    subprocess.check_call([sys.executable, str(PROJECT_ROOT / "scripts" / "train.py")], cwd=PROJECT_ROOT)
    return latest_model()


@pytest.fixture(scope="session")
def stack_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Environment of the test stack (databases, secrets); also usable by tests that talk to the DB."""
    var_dir = tmp_path_factory.mktemp("stack-var")
    env = {
        **TEST_SECRETS,
        "VSSID_VAR_DIR": str(var_dir),
        "OTP_TTL_SECONDS": "300",
        "PROXIES_COUNT": "1",  # tests name their client address in X-Forwarded-For
        "RATE_LIMIT_NAMESPACE": f"test-{uuid.uuid4().hex[:8]}",  # fresh counters per run
        "REDIS_NAMESPACE": f"test-{uuid.uuid4().hex[:8]}",  # update ids restart at every run
    }
    # The hotline is open round the clock in the test stack, so a run does not depend on the
    # wall clock; tests of the after-hours branch restart the action server with other hours.
    env["HOTLINE_HOURS"] = ALWAYS_OPEN
    pg = os.environ.get("TEST_DATABASE_URL")
    databases: list[str] = []
    if pg:
        suffix = uuid.uuid4().hex[:8]
        databases = [f"vssid_e2e_{suffix}", f"vssid_tracker_{suffix}"]
        env["DATABASE_URL"] = _fresh_postgres_database(pg, databases[0])
        env["TRACKER_STORE_URL"] = _fresh_postgres_database(pg, databases[1])
    else:
        env["DATABASE_URL"] = f"sqlite:///{var_dir / 'vssid.db'}"
        env["TRACKER_STORE_URL"] = f"sqlite:///{var_dir / 'tracker.db'}"
    redis_url = os.environ.get("TEST_REDIS_URL")
    if redis_url:
        env["LOCK_STORE_URL"] = redis_url
    yield env
    if pg:
        _postgres_admin(pg, *(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in databases))


@pytest.fixture(scope="session")
def rasa_stack(stack_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[RasaStack]:
    """A trained model served by a real Rasa server and action server, for end-to-end tests."""
    from tests.fakes.fake_telegram_api import FakeTelegramAPI

    model = _ensure_model()
    env = dict(stack_env)
    for command in ("upgrade", "seed"):
        subprocess.check_call(
            [sys.executable, "-m", "vssid.db.manage", command],
            cwd=PROJECT_ROOT,
            env={**ENVIRON_AT_START, **env},
        )
    env["AGENT_TOKEN"] = _issue_agent_token(env["DATABASE_URL"], TEST_AGENT)
    telegram = FakeTelegramAPI()
    telegram.start()
    env["TELEGRAM_API_BASE_URL"] = telegram.base_url
    rasa_port = free_port()
    env["RASA_URL"] = f"http://127.0.0.1:{rasa_port}"
    log_dir = ARTIFACTS / "stack-logs"
    stack = Stack(
        model=model,
        rasa_port=rasa_port,
        action_port=free_port(),
        interface="127.0.0.1",
        env=env,
        log_dir=log_dir,
        enable_rest=True,
        enable_api=True,  # a private test stack reads trackers through Rasa's API
        base_environ=ENVIRON_AT_START,
    )
    try:
        stack.start()
        yield RasaStack(stack=stack, env={**env, **stack.env}, telegram=telegram)
    finally:
        stack.stop()
        telegram.stop()


def store_kinds() -> dict[str, str]:
    """Which stores the records database, the tracker and the lock use in this run."""
    database = "postgresql" if os.environ.get("TEST_DATABASE_URL") else "sqlite"
    lock = "redis" if os.environ.get("TEST_REDIS_URL") else "in-memory"
    return {"records": database, "tracker": database, "lock": lock}


def _stores_line() -> str:
    return "stores: " + " ".join(f"{name}={kind}" for name, kind in store_kinds().items())


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--reverse-order", action="store_true", help="run the collected tests in reverse order")


def pytest_report_header(config: pytest.Config) -> str:
    return _stores_line()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--reverse-order"):
        items.reverse()


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Say which stores ran, and how many PostgreSQL and end-to-end tests ran on them."""

    def count(marker: str, outcome: str) -> int:
        return sum(marker in report.keywords for report in terminalreporter.stats.get(outcome, []))

    line = (
        f"{_stores_line()} (postgres tests: {count('postgres', 'passed')} passed, "
        f"{count('postgres', 'skipped')} skipped, {count('postgres', 'failed')} failed; "
        f"e2e tests on these stores: {count('e2e', 'passed')} passed)"
    )
    sqlite_only = store_kinds()["records"] == "sqlite" or store_kinds()["lock"] == "in-memory"
    terminalreporter.write_sep("=", line, yellow=sqlite_only, green=not sqlite_only, bold=True)


# Process-wide state that tests change, directly or through what they build: restored after
# every test. (module, attribute)
PROCESS_GLOBALS = (
    ("vssid.services.registry", "_records"),
    ("vssid.services.registry", "_tickets"),
    ("vssid.services.registry", "_analytics"),
    ("vssid.services.registry", "_access"),
    ("vssid.logmask", "_installed"),
    ("connectors.telegram.channel", "_active_output"),  # the newest TelegramInput's output
    ("sanic", "Sanic.test_mode"),
)


@pytest.fixture(autouse=True)
def _process_globals_restored() -> Iterator[None]:
    """Every test leaves the process-wide state as it found it (PROCESS_GLOBALS, the root
    logger's filters) and counts its in-process rate limits from zero, so no test depends on
    the order of the others."""
    import importlib
    import logging

    from connectors import guard

    def holder(module: str, attribute: str) -> tuple[Any, str]:
        owner: Any = importlib.import_module(module)
        *path, name = attribute.split(".")
        for part in path:
            owner = getattr(owner, part)
        return owner, name

    saved = [(owner, name, getattr(owner, name)) for owner, name in (holder(*g) for g in PROCESS_GLOBALS)]
    root = logging.getLogger()
    filters = {id(h): list(h.filters) for h in (root, *root.handlers)}
    guard._rate_limits = None
    yield
    guard._rate_limits = None
    for owner, name, value in saved:
        setattr(owner, name, value)
    for h in (root, *root.handlers):
        if id(h) in filters:
            h.filters = filters[id(h)]


@pytest.fixture
def root_log() -> Iterator[io.StringIO]:
    """What the root logger writes during the test (INFO and up), with no masking filter on any
    of its handlers yet: one may have been installed process-wide before this test (a channel or
    tracker store built by a session fixture). Loggers, filters and `logmask` are restored after."""
    import logging

    from vssid import logmask

    root = logging.getLogger()
    holders = (root, *root.handlers)
    saved = ([list(holder.filters) for holder in holders], root.level, logmask._installed)
    for holder in holders:
        holder.filters = [f for f in holder.filters if not isinstance(f, logmask.MaskingFilter)]
    logmask._installed = False
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        for holder, filters in zip(holders, saved[0], strict=True):
            holder.filters = filters
        root.setLevel(saved[1])
        logmask._installed = saved[2]


def new_sender(prefix: str = "test") -> str:
    """A conversation id nobody else uses."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def new_address() -> str:
    """A client address nobody else uses. The test stack trusts one proxy (PROXIES_COUNT=1), so a
    client sending it in X-Forwarded-For has per-address limits (sessions, messages, tickets,
    agent logins) of its own, as a separate user would; without it, every client of a run would
    share 127.0.0.1's."""
    value = uuid.uuid4().int
    return f"10.{value % 251}.{(value >> 8) % 251}.{(value >> 16) % 251 + 1}"
