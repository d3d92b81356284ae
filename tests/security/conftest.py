"""What the attack and fault tests share: a chat over Rasa's REST channel, the records backdoor
(OTPs from the outbox), the action server's address and secret, the stack's new log lines, and a
web chat client that comes from an address of its own (the test stack's secrets are used only to
forge what the server must refuse, e.g. an expired but correctly signed token)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy.orm import Session

from tests.conftest import ARTIFACTS, RasaStack, new_address, new_sender
from tests.records.e2e_support import RecordsBackdoor

AN, AN_CCCD, AN_PHONE = "0101234567", "001085001234", "0912345678"
BINH, BINH_CCCD = "7901234568", "079190005678"
LOGS = ARTIFACTS / "stack-logs"


@pytest.fixture(scope="module")
def records(rasa_stack: Any) -> Iterator[RecordsBackdoor]:
    backdoor = RecordsBackdoor(rasa_stack.env["DATABASE_URL"])
    yield backdoor
    backdoor.close()


class Chat:
    """One conversation over the REST channel; `say` returns the bot's texts in order."""

    def __init__(self, stack: Any, prefix: str = "security") -> None:
        self.stack = stack
        self.sender = new_sender(prefix)

    def say(self, text: str) -> list[str]:
        return self.stack.texts(self.sender, text)

    def joined(self, text: str) -> str:
        return "\n".join(self.say(text))


@pytest.fixture
def new_chat(rasa_stack: Any, records: RecordsBackdoor) -> Callable[..., Chat]:
    records.reset_demo_identities()
    return lambda prefix="security": Chat(rasa_stack, prefix)


class LogTail:
    """What the stack wrote to its logs since this object was made (the files are appended to)."""

    def __init__(self, directory: Path = LOGS) -> None:
        self.directory = directory
        self.offsets = {path.name: path.stat().st_size for path in directory.glob("*.out")}

    def new_text(self) -> dict[str, str]:
        texts = {}
        for path in self.directory.glob("*.out"):
            with path.open("rb") as file:
                file.seek(self.offsets.get(path.name, 0))
                texts[path.name] = file.read().decode("utf-8", errors="replace")
        return texts


class WebClient:
    """A browser's view of the web chat API, from one client address."""

    def __init__(self, stack: RasaStack, address: str | None = None) -> None:
        self.base = f"{stack.url}/webhooks/webchat"
        self.http = requests.Session()
        self.address = address or new_address()
        self.http.headers["X-Forwarded-For"] = self.address
        self.session_id = ""
        self.token = ""

    def open(self) -> WebClient:
        answer = self.http.post(f"{self.base}/session", timeout=10)
        assert answer.status_code == 200, answer.text
        issued = answer.json()
        self.session_id, self.token = issued["session_id"], issued["token"]
        return self

    @property
    def sender_id(self) -> str:
        return f"web-{self.session_id}"

    @property
    def auth(self) -> dict[str, str | bytes]:
        # Bytes, so tokens a browser could not send (non-latin-1) still reach the server.
        return {"X-Webchat-Session": self.session_id, "Authorization": f"Bearer {self.token}".encode()}

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {**self.auth, **kwargs.pop("headers", {})}
        kwargs.setdefault("timeout", 60)
        return self.http.request(method, f"{self.base}/{path}", headers=headers, **kwargs)

    def send(self, text: str, **body: Any) -> requests.Response:
        return self.request("POST", "message", json={"text": text, **body})

    def history(self) -> requests.Response:
        return self.request("GET", "history")

    def end(self) -> requests.Response:
        return self.request("POST", "end")


@pytest.fixture
def stack(rasa_stack: RasaStack) -> RasaStack:
    return rasa_stack


@pytest.fixture
def web(stack: RasaStack) -> WebClient:
    return WebClient(stack).open()


@pytest.fixture
def db(stack: RasaStack) -> Iterator[Session]:
    """A session on the stack's records/queue database."""
    from vssid.db.engine import new_session

    with new_session(stack.env["DATABASE_URL"]) as session:
        yield session
