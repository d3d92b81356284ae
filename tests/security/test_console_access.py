"""The agent console on the live stack: identity from per-agent tokens, audit of every action,
paging, and 400 (never 500) for malformed input."""

from __future__ import annotations

from typing import Any

import pytest
import requests
import sqlalchemy as sa

from tests.conftest import RasaStack, new_address
from vssid.db.access import AgentAuditEntry
from vssid.db.base import utcnow
from vssid.db.engine import new_session
from vssid.services import tickets as queue

pytestmark = pytest.mark.e2e


class Console:
    def __init__(self, stack: RasaStack, agent: str) -> None:
        self.api = f"{stack.url}/webhooks/agent/api"
        self.http = requests.Session()
        self.http.headers.update(
            {"Authorization": f"Bearer {stack.agent_token(agent)}", "X-Forwarded-For": new_address()}
        )

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.http.get(self.api + path, params=params, timeout=30)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        return self.http.post(self.api + path, json=body, timeout=60, **kwargs)


def _ticket(stack: RasaStack, conversation_id: str, reason: str = queue.REASON_REQUEST_HUMAN) -> int:
    with new_session(stack.env["DATABASE_URL"]) as session:
        ticket, _ = queue.open_ticket(
            session,
            conversation_id=conversation_id,
            channel="",
            sender_id=conversation_id,
            topic="faq/forgot_password",
            reason=reason,
            now=utcnow(),
        )
        return ticket.id


def test_identity_comes_from_the_token_and_every_action_is_audited(stack: RasaStack, db) -> None:
    lan, minh = Console(stack, "Lan"), Console(stack, "Minh")
    ticket_id = _ticket(stack, f"sec-{new_address()}")
    assert minh.get("/me").json() == {"agent": "Minh"}
    claimed = minh.post(f"/tickets/{ticket_id}/claim", {"agent": "Lan"})  # a forged name is ignored
    assert claimed.status_code == 200 and claimed.json()["ticket"]["assigned_agent"] == "Minh"
    assert lan.post(f"/tickets/{ticket_id}/reply", {"agent": "Minh", "text": "Chào bạn"}).status_code == 409
    assert minh.post(f"/tickets/{ticket_id}/reply", {"text": "Chào bạn, tôi là Minh."}).status_code == 201
    assert minh.post(f"/tickets/{ticket_id}/resolve").status_code == 200
    rows = db.execute(
        sa.select(AgentAuditEntry.agent_name, AgentAuditEntry.action, AgentAuditEntry.outcome)
        .where(AgentAuditEntry.ticket_id == ticket_id)
        .order_by(AgentAuditEntry.id)
    ).all()
    assert [tuple(r) for r in rows] == [
        ("Minh", "claim", "ok"),
        ("Lan", "reply", "conflict"),
        ("Minh", "reply", "ok"),
        ("Minh", "resolve", "ok"),
    ]


def test_queue_pages(stack: RasaStack) -> None:
    console = Console(stack, "Lan")
    for n in range(3):
        _ticket(stack, f"page-{n}-{new_address()}")
    first = console.get("/tickets", per_page=2).json()
    assert first["page"] == 1 and first["per_page"] == 2 and len(first["tickets"]) == 2
    assert first["total"] >= 3
    second = console.get("/tickets", per_page=2, page=2).json()
    assert not {t["id"] for t in first["tickets"]} & {t["id"] for t in second["tickets"]}
    assert console.get("/tickets").json()["per_page"] == 50


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/tickets", {"page": "abc"}),
        ("/tickets", {"page": "0"}),
        ("/tickets", {"per_page": "201"}),
        ("/tickets", {"per_page": "²"}),
        ("/tickets", {"page": "١"}),
        ("/tickets/١٢", {}),
        ("/tickets/²", {}),
        ("/tickets/1", {"after": "٣"}),
        ("/tickets/99999999999", {}),
    ],
)
def test_malformed_numbers_are_400(stack: RasaStack, path: str, params: dict[str, str]) -> None:
    answer = Console(stack, "Lan").get(path, **params)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid"


@pytest.mark.parametrize(
    "body",
    [b"{", b"\xff\xfe\xfa", b"[1, 2]", b'"text"', b'{"text": 5}', b'{"text": "   "}', b'{"text": null}'],
)
def test_malformed_reply_bodies_are_400(stack: RasaStack, body: bytes) -> None:
    ticket_id = _ticket(stack, f"bad-{new_address()}")
    console = Console(stack, "Lan")
    console.post(f"/tickets/{ticket_id}/claim")
    answer = console.http.post(f"{console.api}/tickets/{ticket_id}/reply", data=body, timeout=30)
    assert answer.status_code == 400


def test_a_reply_with_control_characters_is_stored_without_them(stack: RasaStack, db) -> None:
    """NUL cannot be stored by PostgreSQL: it is dropped, never a 500."""
    ticket_id = _ticket(stack, f"nul-{new_address()}")
    console = Console(stack, "Lan")
    console.post(f"/tickets/{ticket_id}/claim")
    answer = console.post(f"/tickets/{ticket_id}/reply", {"text": "Chào\x00 bạn\x07"})
    assert answer.status_code == 201
    assert answer.json()["message"]["text"] == "Chào bạn"
    assert console.post(f"/tickets/{ticket_id}/reply", {"text": "\x00\x01"}).status_code == 400
