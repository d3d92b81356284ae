"""Fixtures of the web chat tests: the channel served with a scripted agent, and a web session."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import new_address
from tests.databases import migrated
from tests.webchat.fake_rasa import FakeRasa
from vssid.db.engine import dispose_engines
from vssid.services.registry import set_access_service, set_records_service
from vssid.settings import PROJECT_ROOT

ARTIFACTS = PROJECT_ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def webchat_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated SQLite database (web sessions, verification) for the channel served in-process."""
    return migrated(f"sqlite:///{tmp_path_factory.mktemp('webchat-db') / 'vssid.db'}")


@pytest.fixture
def webchat_env(webchat_database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The settings the in-process channel reads at each request, for this test only: its database
    as DATABASE_URL, and limits no test reaches by accident (the attack tests in tests/security/
    check the real ones on the stack). Undone after the test, so nothing else sees them."""
    for name, value in {
        "DATABASE_URL": webchat_database,
        "RATE_LIMIT_WEBCHAT_SESSION": "100000/minute",
        "RATE_LIMIT_WEBCHAT_MESSAGE": "100000/minute",
        "RATE_LIMIT_WEBCHAT_READ": "100000/minute",
    }.items():
        monkeypatch.setenv(name, value)
    dispose_engines()
    set_records_service(None)
    set_access_service(None)
    yield webchat_database
    dispose_engines()


@pytest.fixture(scope="session")
def fake_rasa_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeRasa]:
    server = FakeRasa(tmp_path_factory.mktemp("webchat") / "tracker.db").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def fake_rasa(fake_rasa_server: FakeRasa, webchat_env: str) -> FakeRasa:
    """The web chat channel with a scripted agent, serving this test with `webchat_env`."""
    return fake_rasa_server


class WebSession:
    """A session issued by a web chat server, with the headers that prove it, from a client
    address of its own (the test stack counts sessions, messages and tickets per address)."""

    def __init__(self, base_url: str, issued: dict[str, str] | None = None) -> None:
        self.base = f"{base_url}/webhooks/webchat"
        address = {"X-Forwarded-For": new_address()}
        issued = issued or requests.post(f"{self.base}/session", headers=address, timeout=10).json()
        self.session_id: str = issued["session_id"]
        self.token: str = issued["token"]
        self.headers = {
            **address,
            "X-Webchat-Session": self.session_id,
            "Authorization": f"Bearer {self.token}",
        }

    def at(self, base_url: str) -> WebSession:
        """The same session, talking to another server (replica)."""
        return WebSession(base_url, {"session_id": self.session_id, "token": self.token})

    @property
    def sender_id(self) -> str:
        return f"web-{self.session_id}"

    def send(self, text: str, **body) -> requests.Response:
        return requests.post(
            f"{self.base}/message", json={"text": text, **body}, headers=self.headers, timeout=60
        )

    def history(self) -> dict:
        response = requests.get(f"{self.base}/history", headers=self.headers, timeout=30)
        response.raise_for_status()
        return response.json()


@pytest.fixture
def web_session(fake_rasa: FakeRasa) -> WebSession:
    return WebSession(fake_rasa.url)


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
    "locale": "vi-VN",
}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (never `playwright install`).

    Module scope on purpose: Playwright's sync API keeps an asyncio loop running in this thread
    while it is open, which breaks `asyncio.run` in any test that runs meanwhile. Closed when
    its module's tests are done, it cannot leak into tests of other modules, in any order.
    """
    if not CHROMIUM.exists():
        pytest.skip(
            "Debian's chromium package is not installed (/usr/bin/chromium): run `make setup-browser`"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class Widget:
    """The widget as a user sees it on a page (Playwright locators pierce its open shadow root)."""

    def __init__(self, page: Any, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.dialogs: list[str] = []
        page.on("dialog", self._on_dialog)
        self.bot = page.locator(".msg-bot .msg-body")  # without the "Trợ lý: " for screen readers
        self.user = page.locator(".msg-user .msg-body")
        self.input = page.get_by_label("Nhập câu hỏi của bạn")

    def _on_dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open_demo(self) -> Widget:
        self.page.goto(f"{self.base_url}/webhooks/webchat/")
        self.bot.first.wait_for()
        return self

    def ask(self, text: str) -> None:
        bots_before = self.bot.count()
        self.input.fill(text)
        self.input.press("Enter")
        self.wait_for_more_bot_messages(bots_before)

    def say(self, text: str) -> None:
        """Send `text` and wait until the server has stored it (whether or not the bot answers)."""
        self.input.fill(text)
        self.input.press("Enter")
        self.page.locator(".msg-user:not(.msg-pending)", has_text=text).last.wait_for()

    def wait_for_more_bot_messages(self, count: int, timeout: float = 30_000) -> None:
        self.page.wait_for_function(
            "([n]) => document.querySelector('#vssid-webchat').shadowRoot"
            ".querySelectorAll('.msg-bot').length > n",
            arg=[count],
            timeout=timeout,
        )

    def quick_reply(self, title: str) -> Any:
        return self.page.locator(".quick-reply", has_text=title)

    def session(self) -> dict[str, str]:
        key = f"vssid-webchat:{self.base_url}/webhooks/webchat/"
        return json.loads(self.page.evaluate("key => localStorage.getItem(key)", key))

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / name
        self.page.screenshot(path=str(path))
        return path


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """A fresh 360 px wide phone browser context (its own localStorage)."""
    context = browser.new_context(**PHONE)
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()
