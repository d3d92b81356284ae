"""The action-call guard in the Rasa server process (vssid/remote_actions.py), without the stack:
a refused connection and a server that never answers both give the hotline message in time."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    FollowupAction,
    SessionStarted,
    SlotSet,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from vssid import remote_actions
from vssid.launcher import free_port


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never answers (a frozen action server)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


def _run(action_name: str, port: int) -> list:
    remote_actions.install()
    action = RemoteAction(action_name, EndpointConfig(f"http://127.0.0.1:{port}/webhook"))
    tracker = DialogueStateTracker("security-unit", [])
    nlg = TemplatedNaturalLanguageGenerator({})
    return asyncio.run(action.run(CollectingOutputChannel(), nlg, tracker, Domain.empty()))


def _shape(events: list) -> list:
    return [(type(e).__name__, getattr(e, "text", None) or getattr(e, "key", None)) for e in events]


POLITE = [
    ("BotUttered", remote_actions.UNAVAILABLE_MESSAGE),
    ("ActiveLoop", None),
    ("SlotSet", "requested_slot"),
    ("FollowupAction", None),
]


def test_refused_connection_answers_the_hotline_message() -> None:
    events = _run("action_personal_lookup", free_port())
    assert _shape(events) == POLITE
    assert isinstance(events[0], BotUttered) and "1900.9068" in events[0].text
    assert isinstance(events[1], ActiveLoop) and events[1].name is None
    assert isinstance(events[2], SlotSet) and events[2].value is None
    assert isinstance(events[3], FollowupAction) and events[3].action_name == "action_listen"


def test_a_silent_server_times_out_then_calls_get_a_short_limit(
    silent_server: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACTION_TIMEOUT_SECONDS", "0.5")
    monkeypatch.setattr(remote_actions, "_degraded_until", 0.0)
    assert remote_actions.call_timeout() == 0.5
    assert _shape(_run("action_personal_lookup", silent_server)) == POLITE
    monkeypatch.setenv("ACTION_TIMEOUT_SECONDS", "4")
    assert remote_actions.call_timeout() == remote_actions.DEGRADED_TIMEOUT  # just after a timeout
    assert remote_actions.call_timeout(now=remote_actions._degraded_until + 0.1) == 4


def test_a_failed_session_start_still_starts_the_session() -> None:
    events = _run("action_session_start", free_port())
    assert [type(e) for e in events] == [SessionStarted, ActionExecuted]
    assert events[1].action_name == "action_listen"
