"""What the attack tests share: a web chat client that comes from an address of its own, the
stack's database, and the test stack's secrets (an attacker would not have them; the tests use
them only to forge what the server must refuse, e.g. an expired but correctly signed token)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from sqlalchemy.orm import Session

from tests.conftest import RasaStack


def new_address() -> str:
    """A client address of our own (the test stack trusts X-Forwarded-For from one proxy)."""
    value = uuid.uuid4().int
    return f"10.{value % 251}.{(value >> 8) % 251}.{(value >> 16) % 251 + 1}"


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
