"""Work Rasa 3.6 repeats on every message for nothing, done once (bench/RESULTS.md, "Speed").

1. Action responses. `RemoteAction._validate_action_result` calls
`jsonschema.validate(result, schema)` after every custom action call. `validate` first checks the
*schema* itself against the JSON Schema meta-schema (`check_schema`) and builds a new validator;
with Rasa's large constant events schema that was 27 % of the Rasa process's CPU per web chat
message, while validating the response took under 0.5 %. Here the schema is checked and the
validator built once; each response is validated exactly as before (same validator class, same
`best_match` error, same message).

2. Policy states. MemoizationPolicy and RulePolicy get the states of *every* turn of the session
on each prediction (`Policy._prediction_states`), while their result depends on the last few:

- MemoizationPolicy keeps the last `max_history` of them (`slice_state_history`);
- RulePolicy matches each rule against the last states, as many as the rule has: a state further
  back is accepted by `_is_rule_applicable` without being read (`turn_index >= len(rule)`), so
  with at least as many states as the longest rule the same rules match. With no match the
  prediction's source is the key of all the states, which only decides whether the turn is
  hidden (`hide_rule_turn`: the source is one of the rules); no state list that matches no rule
  is a rule's key, full or not.

For a `vssid.session_tracker.SessionTracker` these two get only those last states, computed
incrementally (`recent_states`, the same values); every other policy and tracker is left to
Rasa. The states are real states of the conversation, never a shortened history, so a long
conversation cannot look like its start to a `conversation_start` rule.

3. Action calls. `EndpointConfig.request` opens a new aiohttp `ClientSession` (a new connection
pool, a new TCP connection to the action server) for every custom action call. Here each endpoint
keeps one session per event loop with kept-alive connections; `request` itself is Rasa's, and
its `async with` no longer closes the session. The client drops an idle connection after
`KEEPALIVE_SECONDS`, before the action server (Sanic: 5 s) would, so a request is never sent on a
connection the server is closing.

Installed by the tracker store of endpoints.yml (vssid/stores.py), so every Rasa server of this
project has it; `install()` is idempotent.
"""

from __future__ import annotations

import asyncio
import functools
import weakref
from typing import Any

import aiohttp
from rasa.core.actions.action import RemoteAction
from rasa.core.featurizers.tracker_featurizers import (
    MaxHistoryTrackerFeaturizer,
    _is_prev_action_unlikely_intent_in_state,
)
from rasa.core.policies.memoization import MemoizationPolicy
from rasa.core.policies.policy import Policy
from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.domain import Domain, State
from rasa.utils import endpoints
from rasa.utils.endpoints import EndpointConfig

from vssid.session_tracker import SessionTracker

_installed = False
KEEPALIVE_SECONDS = 2.0
_rasa_prediction_states = Policy._prediction_states
_windows: weakref.WeakKeyDictionary[Policy, int | None] = weakref.WeakKeyDictionary()


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


def states_window(policy: Policy) -> int | None:
    """How many of the last states decide `policy`'s prediction; None: all (or unknown)."""
    if policy not in _windows:
        _windows[policy] = _states_window(policy)
    return _windows[policy]


def _states_window(policy: Policy) -> int | None:
    featurizer = policy.featurizer
    if type(featurizer) is not MaxHistoryTrackerFeaturizer:
        return None
    if type(policy) is MemoizationPolicy and featurizer.max_history:
        return featurizer.max_history
    if type(policy) is RulePolicy and featurizer.max_history is None:
        keys = [*policy.lookup.get(RULES, {}), *policy.lookup.get(RULES_FOR_LOOP_UNHAPPY_PATH, {})]
        return max((len(policy._rule_key_to_state(key)) for key in keys), default=1)
    return None


class _RecentStates:
    """What the featurizer reads of a tracker (`past_states`), limited to the last `count`."""

    def __init__(self, tracker: SessionTracker, count: int) -> None:
        self._tracker = tracker
        self._count = count

    def past_states(
        self,
        domain: Domain,
        omit_unset_slots: bool = False,
        ignore_rule_only_turns: bool = False,
        rule_only_data: dict[str, Any] | None = None,
    ) -> list[State]:
        options = {
            "omit_unset_slots": omit_unset_slots,
            "ignore_rule_only_turns": ignore_rule_only_turns,
            "rule_only_data": rule_only_data,
        }
        states = self._tracker.recent_states(domain, self._count, **options)
        if any(_is_prev_action_unlikely_intent_in_state(state) for state in states):
            # Memoization drops these before cutting to max_history: it needs the states before.
            return self._tracker.past_states(domain, **options)
        return states


def prediction_states(
    self: Policy,
    tracker: Any,
    domain: Domain,
    use_text_for_last_user_input: bool = False,
    rule_only_data: dict[str, Any] | None = None,
) -> list[State]:
    """Drop-in for Policy._prediction_states reading only the states that count (see above)."""
    window = states_window(self) if isinstance(tracker, SessionTracker) else None
    if window is not None:
        tracker = _RecentStates(tracker, window)
    return _rasa_prediction_states(self, tracker, domain, use_text_for_last_user_input, rule_only_data)


class _KeptSession:
    """`async with` over a session that stays open for the next request."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self._session

    async def __aexit__(self, *exc_info: object) -> None:
        return None


SessionsByLoop = weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aiohttp.ClientSession]


def kept_session(self: EndpointConfig) -> _KeptSession:
    """EndpointConfig.session: Rasa's session settings, one session per endpoint and loop (kept on
    the endpoint object itself: EndpointConfig compares by value and is unhashable)."""
    loop = asyncio.get_running_loop()
    per_loop: SessionsByLoop = self.__dict__.setdefault("_kept_sessions", weakref.WeakKeyDictionary())
    session = per_loop.get(loop)
    if session is None or session.closed:
        auth = None
        if self.basic_auth:
            auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
        session = aiohttp.ClientSession(
            headers=self.headers,
            auth=auth,
            timeout=aiohttp.ClientTimeout(total=endpoints.DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS),
        )
        per_loop[loop] = session
    return _KeptSession(session)


def install() -> None:
    global _installed
    if not _installed:
        EndpointConfig.session = kept_session  # type: ignore[method-assign,assignment]
        RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
        Policy._prediction_states = prediction_states  # type: ignore[method-assign]
        _installed = True
