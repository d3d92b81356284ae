"""Rasa's HTTP API is off unless a private stack asks for it; its token is never on a command
line; CORS answers only configured origins."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import ENVIRON_AT_START, TEST_SECRETS, RasaStack
from vssid.launcher import Stack, free_port

pytestmark = pytest.mark.e2e

API_ROUTES = [
    ("GET", "/status"),
    ("GET", "/version"),
    ("GET", "/conversations/web-someone/tracker"),
    ("POST", "/conversations/web-someone/execute"),
    ("POST", "/conversations/web-someone/trigger_intent"),
    ("POST", "/model/parse"),
    ("PUT", "/model"),
    ("GET", "/domain"),
]


@pytest.fixture(scope="module")
def default_rasa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A Rasa server started exactly as `make run` starts it (no model needed to see its routes)."""
    directory = tmp_path_factory.mktemp("default-rasa")
    env = {
        **TEST_SECRETS,
        "DATABASE_URL": f"sqlite:///{directory / 'vssid.db'}",
        "TRACKER_STORE_URL": f"sqlite:///{directory / 'tracker.db'}",
        "RASA_API_TOKEN": "a-token-that-must-not-matter",
    }
    # As `make run` starts it: no API switch or extra origins, even if this shell has them.
    inherited = {
        name: value
        for name, value in ENVIRON_AT_START.items()
        if name not in ("ENABLE_RASA_API", "WEBCHAT_ALLOWED_ORIGINS")
    }
    stack = Stack(
        model=directory / "no-model.tar.gz",
        rasa_port=free_port(),
        action_port=free_port(),
        interface="127.0.0.1",
        env=env,
        log_dir=directory,
        base_environ=inherited,
    )
    stack.start_rasa(timeout=180)
    try:
        yield stack
    finally:
        stack.stop()


@pytest.mark.parametrize(("method", "path"), API_ROUTES)
def test_the_default_stack_serves_no_rasa_api(default_rasa: Stack, method: str, path: str) -> None:
    for params in ({}, {"token": "a-token-that-must-not-matter"}):
        answer = requests.request(method, default_rasa.url + path, params=params, json={}, timeout=10)
        assert answer.status_code == 404, (method, path, answer.status_code)


def test_the_default_stack_still_serves_the_channels(default_rasa: Stack) -> None:
    for channel in ("webchat", "agent"):
        assert requests.get(f"{default_rasa.url}/webhooks/{channel}/health", timeout=10).json() == {
            "status": "ok"
        }


def test_no_cors_for_other_sites_by_default(default_rasa: Stack) -> None:
    preflight = requests.options(
        f"{default_rasa.url}/webhooks/webchat/session",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        timeout=10,
    )
    assert "Access-Control-Allow-Origin" not in preflight.headers
    issued = requests.post(
        f"{default_rasa.url}/webhooks/webchat/session", headers={"Origin": "https://evil.example"}, timeout=10
    )
    assert "Access-Control-Allow-Origin" not in issued.headers


def _cmdline(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")


def test_no_api_switch_or_secret_on_the_command_line(default_rasa: Stack, stack: RasaStack) -> None:
    for process in (default_rasa._procs["rasa"], stack.stack._procs["rasa"]):
        argv = _cmdline(process.pid)
        assert "--enable-api" not in argv and "--auth-token" not in argv
        for secret in (stack.api_token, "a-token-that-must-not-matter", *TEST_SECRETS.values()):
            assert not any(secret in arg for arg in argv)


def test_the_private_test_stack_api_needs_its_token(stack: RasaStack) -> None:
    assert requests.get(f"{stack.url}/conversations/web-x/tracker", timeout=10).status_code == 401
    wrong = requests.get(f"{stack.url}/conversations/web-x/tracker", params={"token": "wrong"}, timeout=10)
    assert wrong.status_code == 401


def test_cors_origins_come_from_the_setting(tmp_path: Path) -> None:
    stack = Stack(model=tmp_path / "m.tar.gz", log_dir=tmp_path)
    assert "--cors" not in stack.rasa_args({})
    args = stack.rasa_args({"WEBCHAT_ALLOWED_ORIGINS": "https://a.example, https://b.example"})
    assert args[args.index("--cors") :] == ["--cors", "https://a.example", "https://b.example"]
    assert "*" not in args
