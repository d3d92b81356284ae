"""Fuzz the agent API: hostile ids, cursors, pages and bodies give 400/404/409/413, never 500."""

from __future__ import annotations

from urllib.parse import quote

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import RasaStack, new_address
from tests.security.fuzz import FUZZ, bodies, json_values, odd_text

pytestmark = pytest.mark.e2e

ALLOWED = {200, 201, 400, 404, 409, 413}


def _session(stack: RasaStack) -> requests.Session:
    http = requests.Session()
    http.headers.update(
        {"Authorization": f"Bearer {stack.agent_token('Fuzz')}", "X-Forwarded-For": new_address()}
    )
    return http


@FUZZ
@given(
    raw_id=st.text(max_size=20) | st.integers().map(str),
    query=st.dictionaries(
        st.sampled_from(["after", "page", "per_page", "all"]), st.text(max_size=20), max_size=3
    ),
)
def test_fuzz_ids_and_queries(stack: RasaStack, raw_id: str, query: dict[str, str]) -> None:
    http = _session(stack)
    api = f"{stack.url}/webhooks/agent/api"
    segment = quote(raw_id, safe="") or "%20"
    for answer in (
        http.get(f"{api}/tickets", params=query, timeout=30),
        http.get(f"{api}/tickets/{segment}", params=query, timeout=30),
    ):
        assert answer.status_code in ALLOWED, (raw_id, query, answer.status_code, answer.text[:200])


@FUZZ
@given(
    action=st.sampled_from(["claim", "reply", "resolve"]),
    body=bodies(text=odd_text, agent=json_values),
)
def test_fuzz_action_bodies(stack: RasaStack, action: str, body: bytes) -> None:
    answer = _session(stack).post(
        f"{stack.url}/webhooks/agent/api/tickets/424242/{action}",
        data=body,
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert answer.status_code in ALLOWED, answer.text[:300]
