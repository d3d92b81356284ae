"""The agent console's HTTP API: auth, queue, claim, reply, resolve, and the pushes to Rasa."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests

from tests.handoff.console_server import AGENT_TOKEN, MINH_TOKEN, ConsoleServer
from vssid.db.base import utcnow
from vssid.db.engine import new_session
from vssid.services import tickets as queue

AUTH = {"Authorization": f"Bearer {AGENT_TOKEN}"}
MINH = {"Authorization": f"Bearer {MINH_TOKEN}"}


def _api(console: ConsoleServer, path: str) -> str:
    return f"{console.url}/webhooks/agent/api{path}"


def _open(conversation_id: str, channel: str, minutes_ago: int = 0, **kwargs) -> int:
    with new_session() as session:
        ticket, _ = queue.open_ticket(
            session,
            conversation_id=conversation_id,
            channel=channel,
            sender_id=conversation_id[3:],
            topic="faq/change_phone",
            reason=queue.REASON_REQUEST_HUMAN,
            transcript=[queue.TranscriptLine("user", "đổi sđt 0912345678 thế nào?")],
            now=utcnow() - timedelta(minutes=minutes_ago),
            **kwargs,
        )
        return ticket.id


def _get(console: ConsoleServer, path: str, headers: dict | None = None) -> requests.Response:
    return requests.get(_api(console, path), headers=AUTH if headers is None else headers, timeout=10)


def _post(console: ConsoleServer, path: str, body: dict, headers: dict | None = None) -> requests.Response:
    headers = AUTH if headers is None else headers
    return requests.post(_api(console, path), json=body, headers=headers, timeout=10)


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": AGENT_TOKEN}, {"Authorization": "Bearer "}],
)
def test_wrong_or_missing_token_is_401_and_changes_nothing(console: ConsoleServer, headers: dict) -> None:
    ticket_id = _open("tg-1", "telegram")
    assert _get(console, "/tickets", headers).status_code == 401
    assert _get(console, f"/tickets/{ticket_id}", headers).status_code == 401
    for action, body in [
        ("claim", {"agent": "Lan"}),
        ("reply", {"agent": "Lan", "text": "x"}),
        ("resolve", {"agent": "Lan"}),
    ]:
        answer = _post(console, f"/tickets/{ticket_id}/{action}", body, headers=headers)
        assert answer.status_code == 401
        assert answer.json()["error"] == "unauthorised"
    assert _post(console, "/tickets/999999/claim", {"agent": "Lan"}, headers=headers).status_code == 401
    with new_session() as session:
        ticket = queue.get_ticket(session, ticket_id=ticket_id)
        assert (ticket.status, ticket.assigned_agent) == ("open", None)
    assert console.calls == []


def test_a_revoked_token_is_refused(console: ConsoleServer) -> None:
    from vssid.services import agents

    assert _get(console, "/me").json() == {"agent": "Lan"}
    with new_session() as session:
        agents.revoke_token(session, name="Lan")
    assert _get(console, "/tickets").status_code == 401
    assert _get(console, "/tickets", {"Authorization": "Bearer "}).status_code == 401


@pytest.mark.parametrize("path", ["/tickets/424242"])
def test_unknown_ticket_is_404(console: ConsoleServer, path: str) -> None:
    assert requests.get(_api(console, path), headers=AUTH, timeout=10).status_code == 404
    for action in ("claim", "reply", "resolve"):
        answer = _post(console, f"{path}/{action}", {"agent": "Lan", "text": "x"})
        assert answer.status_code == 404
        assert answer.json()["message"] == "Không tìm thấy yêu cầu này."


@pytest.mark.parametrize(
    "path", ["/tickets/abc", "/tickets/-1", "/tickets/²", "/tickets/١٢", "/tickets/1?after=²"]
)
def test_malformed_ids_and_cursors_are_400(console: ConsoleServer, path: str) -> None:
    answer = requests.get(_api(console, path), headers=AUTH, timeout=10)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid"


def test_queue_oldest_first_with_waiting_time(console: ConsoleServer) -> None:
    newer = _open("web-new", "webchat", minutes_ago=2)
    older = _open("tg-old", "telegram", minutes_ago=15)
    answer = requests.get(_api(console, "/tickets"), headers=AUTH, timeout=10)
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    tickets = answer.json()["tickets"]
    assert [t["id"] for t in tickets] == [older, newer]
    assert 14 * 60 <= tickets[0]["waiting_seconds"] <= 15 * 60 + 5
    assert tickets[0]["channel"] == "telegram" and tickets[0]["user_messages"] == 1


def test_claim_reply_resolve_pushes_to_the_users_channel(console: ConsoleServer) -> None:
    ticket_id = _open("tg-77", "telegram")

    detail = requests.get(_api(console, f"/tickets/{ticket_id}"), headers=AUTH, timeout=10).json()
    assert [m["text"] for m in detail["messages"]] == ["đổi sđt xxxxxxx678 thế nào?"]

    early = _post(console, f"/tickets/{ticket_id}/reply", {"agent": "Lan", "text": "Chào bạn"})
    assert early.status_code == 409
    assert early.json()["message"] == "Hãy nhận xử lý yêu cầu trước khi trả lời."

    claimed = _post(console, f"/tickets/{ticket_id}/claim", {"agent": "Lan"})
    assert claimed.status_code == 200 and claimed.json()["ticket"]["assigned_agent"] == "Lan"
    taken = _post(console, f"/tickets/{ticket_id}/claim", {"agent": "Lan"}, headers=MINH)  # name ignored
    assert taken.status_code == 409
    assert taken.json()["message"] == "Yêu cầu này đã được nhân viên Lan nhận xử lý."
    not_json = requests.post(
        _api(console, f"/tickets/{ticket_id}/claim"), data="[1", headers=AUTH, timeout=10
    )
    assert not_json.status_code == 400

    text = "Bạn vào Cá nhân > Đổi SĐT."
    reply = _post(console, f"/tickets/{ticket_id}/reply", {"agent": "Lan", "text": text})
    assert reply.status_code == 201
    assert reply.json()["delivered"] is True
    assert console.calls[-1].action == "action_deliver_agent_replies"
    assert (console.calls[-1].conversation_id, console.calls[-1].output_channel) == ("tg-77", "telegram")
    assert console.calls[-1].delivered == [text]

    after = reply.json()["message"]["id"] - 1
    messages = _get(console, f"/tickets/{ticket_id}?after={after}").json()["messages"]
    assert [(m["author"], m["agent_name"], m["delivered"]) for m in messages] == [("agent", "Lan", True)]

    resolved = _post(console, f"/tickets/{ticket_id}/resolve", {"agent": "Lan"})
    assert resolved.status_code == 200
    assert resolved.json()["ticket"]["status"] == "resolved" and resolved.json()["notified"] is True
    assert console.calls[-1].action == "action_handoff_resolved"
    assert _post(console, f"/tickets/{ticket_id}/resolve", {"agent": "Lan"}).status_code == 409
    assert requests.get(_api(console, "/tickets"), headers=AUTH, timeout=10).json()["tickets"] == []
    everything = requests.get(_api(console, "/tickets?all=1"), headers=AUTH, timeout=10).json()["tickets"]
    assert [t["status"] for t in everything] == ["resolved"]


def test_reply_is_kept_when_rasa_is_unreachable(console: ConsoleServer) -> None:
    ticket_id = _open("web-x1", "webchat")
    _post(console, f"/tickets/{ticket_id}/claim", {"agent": "Lan"})
    console.fail_pushes = True
    reply = _post(console, f"/tickets/{ticket_id}/reply", {"agent": "Lan", "text": "Chào bạn"})
    assert reply.status_code == 201 and reply.json()["delivered"] is False
    with new_session() as session:
        pending = queue.take_undelivered_replies(session, conversation_id="web-x1")
    assert [r.text for r in pending] == ["Chào bạn"]


def test_output_channel_follows_the_ticket_or_the_sender_prefix() -> None:
    from connectors.agent_console import output_channel_for

    assert output_channel_for("telegram", "tg-1") == "telegram"
    assert output_channel_for("", "tg-1") == "telegram"
    assert output_channel_for("", "web-abc") == "webchat"
    assert output_channel_for("rest", "someone") == "rest"
    assert output_channel_for("", "someone") == "collector"


def test_page_and_static_files(console: ConsoleServer) -> None:
    page = requests.get(f"{console.url}/webhooks/agent/", timeout=10)
    assert page.status_code == 200 and "Hàng chờ hỗ trợ" in page.text
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    script = requests.get(f"{console.url}/webhooks/agent/static/console.js", timeout=10)
    assert script.status_code == 200 and "javascript" in script.headers["Content-Type"]
    sneaky = f"{console.url}/webhooks/agent/static/..%2Fconsole%2Findex.html"
    assert requests.get(sneaky, timeout=10).status_code == 404
    assert requests.get(f"{console.url}/webhooks/agent/health", timeout=10).json() == {"status": "ok"}


def test_a_token_with_non_ascii_bytes_is_just_wrong(console: ConsoleServer) -> None:
    answer = requests.get(
        _api(console, "/tickets"), timeout=10, headers={"Authorization": "Bearer sai-mã".encode()}
    )
    assert answer.status_code == 401
