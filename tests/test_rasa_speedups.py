"""The action-response validator built once validates exactly as Rasa's per-call jsonschema.validate;
installing also gives the policies their state window (proven in tests/test_session_tracker.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import jsonschema
import pytest
from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.core.policies.policy import Policy
from rasa.utils.endpoints import EndpointConfig

from vssid import rasa_speedups

VALID = {"events": [{"event": "slot", "name": "x", "value": 1}], "responses": [{"text": "Xin chào"}]}
INVALID = [
    {"events": [{"event": "slot", "value": 1}]},  # slot event without its name
    {"events": "not a list"},
    {"responses": ["not an object"]},
]


def test_installing_replaces_rasas_validation_and_the_policies_states() -> None:
    rasa_speedups.install()
    assert RemoteAction._validate_action_result is rasa_speedups.validate_action_result
    assert Policy._prediction_states is rasa_speedups.prediction_states


def test_a_valid_response_passes() -> None:
    assert rasa_speedups.validate_action_result(RemoteAction("action_x", None), VALID) is True


@pytest.mark.parametrize("result", INVALID)
def test_an_invalid_response_fails_with_the_same_error_as_jsonschema_validate(result: dict[str, Any]) -> None:
    with pytest.raises(jsonschema.ValidationError) as expected:
        jsonschema.validate(result, RemoteAction.action_response_format_spec())
    with pytest.raises(jsonschema.ValidationError) as actual:
        rasa_speedups.validate_action_result(RemoteAction("action_x", None), result)
    assert actual.value.message.startswith(expected.value.message + ". Failed to validate Action server")
    assert list(actual.value.path) == list(expected.value.path)


async def _three_action_calls() -> list[tuple[Any, str]]:
    """Three calls through Rasa's EndpointConfig.request; each seen by the server as (peer, token)."""
    seen: list[tuple[Any, str]] = []

    async def webhook(request: web.Request) -> web.Response:
        seen.append((request.transport.get_extra_info("peername"), request.headers.get("X-Action-Token", "")))
        return web.json_response({"events": [], "responses": []})

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook", headers={"X-Action-Token": "t0ken"})
    try:
        for _ in range(3):
            assert await endpoint.request(json={"next_action": "action_x"}, method="post") == {
                "events": [],
                "responses": [],
            }
    finally:
        await runner.cleanup()
    return seen


def test_action_calls_share_one_kept_alive_connection_with_rasas_headers() -> None:
    rasa_speedups.install()
    seen = asyncio.run(_three_action_calls())
    assert len(seen) == 3
    assert len({peer for peer, _ in seen}) == 1, "one connection for the three calls"
    assert {token for _, token in seen} == {"t0ken"}
