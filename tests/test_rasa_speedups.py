"""The action-response validator built once validates exactly as Rasa's per-call jsonschema.validate;
installing also gives the policies their state window (proven in tests/test_session_tracker.py)."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.core.policies.policy import Policy

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
