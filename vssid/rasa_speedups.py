"""Work Rasa 3.6 repeats on every message for nothing, done once (bench/RESULTS.md, "Speed").

`RemoteAction._validate_action_result` calls `jsonschema.validate(result, schema)` after every
custom action call. `validate` first checks the *schema* itself against the JSON Schema
meta-schema (`check_schema`) and builds a new validator; with Rasa's large constant events schema
that was 27 % of the Rasa process's CPU per web chat message, while validating the response took
under 0.5 %. Here the schema is checked and the validator built once; each response is validated
exactly as before (same validator class, same `best_match` error, same message).

Installed by the tracker store of endpoints.yml (vssid/stores.py), so every Rasa server of this
project has it; `install()` is idempotent.
"""

from __future__ import annotations

import functools
from typing import Any

from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

_installed = False


@functools.lru_cache(maxsize=1)
def _response_validator() -> Any:
    from jsonschema.validators import validator_for

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """Drop-in for RemoteAction._validate_action_result with a validator built once."""
    from jsonschema.exceptions import best_match

    error = best_match(_response_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, "
            "make sure your response from the Action endpoint is valid. "
            "For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def install() -> None:
    global _installed
    if not _installed:
        RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
        _installed = True
