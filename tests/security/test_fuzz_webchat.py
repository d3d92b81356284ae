"""Fuzz every web chat route with hostile bodies, headers and queries: a clear 4xx for malformed
requests, a polite reply for odd text, never a 500."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.guard import clean_text
from tests.conftest import RasaStack
from tests.security.conftest import WebClient
from tests.security.fuzz import FUZZ, ODD_TEXTS, bodies, header_text, json_values, odd_text

pytestmark = pytest.mark.e2e

ALLOWED = {200, 400, 401, 413, 429}


@FUZZ
@given(
    body=bodies(
        text=odd_text, after=json_values, message_id=json_values, title=json_values, hidden=json_values
    )
)
def test_fuzz_message(stack: RasaStack, body: bytes) -> None:
    client = WebClient(stack).open()
    answer = client.request("POST", "message", data=body, headers={"Content-Type": "application/json"})
    assert answer.status_code in ALLOWED, answer.text[:300]
    data = answer.json()
    if answer.status_code == 200:
        assert isinstance(data["events"], list) and isinstance(data["cursor"], int)
    else:
        assert data["error"]


@FUZZ
@given(body=bodies(anything=json_values))
def test_fuzz_session_and_end(stack: RasaStack, body: bytes) -> None:
    client = WebClient(stack)
    issued = client.http.post(f"{client.base}/session", data=body, timeout=30)
    assert issued.status_code == 200
    client.session_id, client.token = issued.json()["session_id"], issued.json()["token"]
    assert client.request("POST", "end", data=body).status_code == 200
    assert client.history().status_code == 401


@FUZZ
@given(
    session_id=header_text,
    token=header_text,
    query=st.dictionaries(st.sampled_from(["after", "limit", "x"]), st.text(max_size=30), max_size=3),
    route=st.sampled_from(["history", "events", "message", "end"]),
)
def test_fuzz_credentials_and_queries(
    stack: RasaStack, session_id: str, token: str, query: dict[str, str], route: str
) -> None:
    client = WebClient(stack)
    headers = {
        "X-Webchat-Session": session_id.encode("latin-1"),
        "Authorization": b"Bearer " + token.encode("latin-1"),
    }
    method = "GET" if route in ("history", "events") else "POST"
    answer = client.http.request(method, f"{client.base}/{route}", params=query, headers=headers, timeout=30)
    assert answer.status_code in {401, 429}, answer.text[:300]


@FUZZ
@given(query=st.dictionaries(st.sampled_from(["after", "limit"]), st.text(max_size=30), max_size=2))
def test_fuzz_queries_of_a_valid_session(stack: RasaStack, query: dict[str, str]) -> None:
    client = WebClient(stack).open()
    assert client.request("GET", "history", params=query).status_code == 200
    query = {**query, "after": "999999"}  # answers at once (reset) instead of waiting 25 s
    assert client.request("GET", "events", params=query).status_code == 200


@pytest.mark.parametrize(
    "text", [t for t in ODD_TEXTS if clean_text(t).strip() and len(t) <= 1000 and not t.startswith("/")]
)
def test_odd_text_gets_a_polite_reply(stack: RasaStack, text: str) -> None:
    client = WebClient(stack).open()
    answer = client.send(text)
    assert answer.status_code == 200
    replies = [e["text"] for e in answer.json()["events"] if e["type"] == "bot" and e["text"]]
    assert replies, f"no reply to {text!r}"
    assert all("Traceback" not in r and "Error" not in r for r in replies)


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("", 400),
        ("   ", 400),
        ("\x00\x01\x02", 400),
        ("a" * 10_000, 400),
        ("/restart", 400),
        ("/faq/forgot_password", 400),
    ],
)
def test_malformed_or_unoffered_text_is_a_clear_400(stack: RasaStack, text: str, status: int) -> None:
    answer = WebClient(stack).open().send(text)
    assert answer.status_code == status
    assert answer.json()["message"]
