"""Attacks on the action server of the running stack (issue 9, item 1).

Before: anyone on the host (or the network: it listened on 0.0.0.0) could POST /webhook with
`next_action: action_personal_lookup` and the `sender_id` of a verified conversation and read
that person's records, list every action, and get the whole request echoed in a 500.
"""

from __future__ import annotations

import socket
from typing import Any

import pytest
import requests

from tests.security.conftest import AN, AN_PHONE, LogTail

pytestmark = pytest.mark.e2e

TOKEN_HEADER = "X-Action-Token"
PERSONAL = ("Thẻ BHYT số", "DN4010101234567", "đóng BHXH tổng cộng")


def _call(
    rasa_stack: Any, sender: str, action: str, *, token: str | None, **tracker: Any
) -> requests.Response:
    body = {
        "next_action": action,
        "sender_id": sender,
        "tracker": {"sender_id": sender, "events": [], "slots": {}, "latest_message": {}, **tracker},
        "domain": {},
        "version": "3.6.2",
    }
    headers = {TOKEN_HEADER: token} if token is not None else {}
    return requests.post(f"{rasa_stack.stack.action_url}/webhook", json=body, headers=headers, timeout=30)


@pytest.fixture
def verified_sender(new_chat: Any, records: Any) -> str:
    """A conversation that passed OTP verification a moment ago (the victim)."""
    chat = new_chat("victim")
    chat.say("xin chào")
    chat.say("thẻ bhyt của tôi còn hạn không")
    chat.say(AN)
    assert any("Thẻ BHYT số" in text for text in chat.say(records.otp(bhxh_code=AN)))
    return chat.sender


@pytest.mark.parametrize("token", [None, "", "wrong-token", "test"])
def test_forged_personal_lookup_without_the_secret_is_refused(
    rasa_stack: Any, verified_sender: str, token: str | None
) -> None:
    for action in ("action_personal_lookup", "action_deliver_agent_replies", "action_session_start"):
        answer = _call(rasa_stack, verified_sender, action, token=token)
        assert (answer.status_code, answer.json()) == (401, {"error": "unauthorized"})
        assert not any(marker in answer.text for marker in PERSONAL)


def test_the_secret_is_what_rasa_holds(rasa_stack: Any, verified_sender: str) -> None:
    # The same call with Rasa's secret answers: the refusals above are down to the secret alone,
    # which only the launcher, Rasa and the action server hold.
    token = rasa_stack.env["ACTION_SERVER_TOKEN"]
    answer = _call(rasa_stack, verified_sender, "action_personal_lookup", token=token)
    assert answer.status_code == 200
    assert [r["response"] for r in answer.json()["responses"]] == ["utter_bhyt_card"]


def test_action_list_needs_the_secret(rasa_stack: Any) -> None:
    url = f"{rasa_stack.stack.action_url}/actions"
    refused = requests.get(url, timeout=10)
    assert (refused.status_code, refused.json()) == (401, {"error": "unauthorized"})
    allowed = requests.get(url, headers={TOKEN_HEADER: rasa_stack.env["ACTION_SERVER_TOKEN"]}, timeout=10)
    assert allowed.status_code == 200 and {"name": "action_personal_lookup"} in allowed.json()


def test_health_stays_open_and_reveals_nothing(rasa_stack: Any) -> None:
    answer = requests.get(f"{rasa_stack.stack.action_url}/health", timeout=10)
    assert (answer.status_code, answer.json()) == (200, {"status": "ok"})


def test_an_action_error_returns_and_logs_no_tracker(rasa_stack: Any) -> None:
    logs = LogTail()
    canary = f"canary sdt {AN_PHONE}"
    answer = _call(
        rasa_stack,
        "web-attacker",
        "action_personal_lookup",
        token=rasa_stack.env["ACTION_SERVER_TOKEN"],
        latest_message=canary,  # a string where a dict belongs: the action raises
        events=[{"event": "user", "text": canary}],
    )
    assert (answer.status_code, answer.json()) == (500, {"error": "internal error"})
    logged = logs.new_text()["actions.out"]
    assert "Action action_personal_lookup failed: AttributeError" in logged
    assert AN_PHONE not in logged and "canary" not in logged


def _outside_address() -> str | None:
    """An address of this host other than loopback, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            address = probe.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_the_action_server_listens_on_loopback_only(rasa_stack: Any) -> None:
    address = _outside_address()
    if address is None:
        pytest.skip("this host has no address other than loopback")
    with pytest.raises(OSError), socket.create_connection((address, rasa_stack.stack.action_port), timeout=3):
        pass
