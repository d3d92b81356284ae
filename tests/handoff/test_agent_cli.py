"""The terminal console: same operations as the page, through the same HTTP API."""

from __future__ import annotations

import subprocess
import sys

import pytest

from scripts import agent_cli
from tests.handoff.console_server import MINH_TOKEN, ConsoleServer
from vssid.db.engine import new_session
from vssid.services import tickets as queue
from vssid.settings import PROJECT_ROOT


def _cli(console: ConsoleServer, *argv: str) -> tuple[int, str]:
    lines: list[str] = []
    argv = ("--url", f"{console.url}/webhooks/agent", *argv)
    code = agent_cli.main(list(argv), out=lines.append)
    return code, "\n".join(lines)


@pytest.fixture
def ticket_id(console: ConsoleServer) -> int:
    with new_session() as session:
        ticket, _ = queue.open_ticket(
            session,
            conversation_id="web-cli",
            channel="webchat",
            sender_id="cli",
            topic="faq/lost_phone",
            reason=queue.REASON_NOT_HELPFUL,
            transcript=[queue.TranscriptLine("user", "tôi mất điện thoại")],
        )
        return ticket.id


def test_queue_claim_reply_resolve(console: ConsoleServer, ticket_id: int) -> None:
    code, text = _cli(console, "queue")
    assert code == 0
    assert f"{ticket_id:>5}  đang chờ" in text and "faq/lost_phone [ưu tiên]" in text

    assert _cli(console, "claim", str(ticket_id)) == (0, f"Bạn (Lan) đã nhận xử lý yêu cầu #{ticket_id}.")
    code, text = _cli(console, "--token", MINH_TOKEN, "claim", str(ticket_id))
    assert (code, text) == (5, "Yêu cầu này đã được nhân viên Lan nhận xử lý.")

    sent = _cli(console, "reply", str(ticket_id), "Bạn", "khóa", "tài", "khoản", "nhé.")
    assert sent == (0, "Đã gửi cho người dùng.")
    assert console.calls[-1].delivered == ["Bạn khóa tài khoản nhé."]

    code, text = _cli(console, "show", str(ticket_id))
    assert code == 0
    assert "Người dùng: tôi mất điện thoại" in text and "Nhân viên Lan: Bạn khóa tài khoản nhé." in text

    assert _cli(console, "resolve", str(ticket_id)) == (0, f"Đã kết thúc yêu cầu #{ticket_id}.")
    assert _cli(console, "queue") == (0, "Không có yêu cầu nào đang chờ.")


def test_errors_map_to_exit_codes(console: ConsoleServer, ticket_id: int) -> None:
    assert _cli(console, "show", "99999") == (4, "Không tìm thấy yêu cầu này.")
    assert _cli(console, "--token", "wrong", "queue") == (3, "Mã truy cập không đúng.")
    code, text = _cli(console, "--url", "http://127.0.0.1:9/webhooks/agent", "queue")
    assert code == 1 and text.startswith("Không kết nối được")


def test_watch_prints_new_tickets_and_messages(console: ConsoleServer, ticket_id: int) -> None:
    lines: list[str] = []
    watcher = agent_cli.Watcher(
        agent_cli.ConsoleClient(f"{console.url}/webhooks/agent", console.env()["AGENT_TOKEN"]), lines.append
    )
    watcher.poll_once()
    watcher.poll_once()
    assert lines == [f"Yêu cầu mới #{ticket_id} (webchat, faq/lost_phone), chờ vừa gửi"]
    with new_session() as session:
        queue.append_user_message(session, conversation_id="web-cli", text="còn ai không? 0912345678")
    watcher.poll_once()
    assert len(lines) == 2
    assert lines[1].startswith(f"#{ticket_id} [")
    assert lines[1].endswith("Người dùng: còn ai không? xxxxxxx678")


def test_runs_as_a_script_without_a_token() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/agent_cli.py", "queue"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert result.returncode == 3
    assert "AGENT_TOKEN" in result.stdout


def test_tokens_are_issued_hashed_listed_and_revoked(console: ConsoleServer) -> None:
    import sqlalchemy as sa

    from vssid.db.access import Agent

    code, text = _cli(console, "issue-token", "Hoa")
    token = text.splitlines()[-1]
    assert code == 0 and len(token) >= 40
    assert _cli(console, "--token", token, "queue") == (0, "Không có yêu cầu nào đang chờ.")
    with new_session() as session:
        stored = [tuple(row) for row in session.execute(sa.select(Agent.__table__)).all()]
    assert stored and not any(token in str(value) for row in stored for value in row)
    code, text = _cli(console, "list-agents")
    assert code == 0 and "Hoa" in text and "Lan" in text
    assert _cli(console, "revoke-token", "Hoa") == (0, "Đã thu hồi mã truy cập của Hoa.")
    assert _cli(console, "--token", token, "queue") == (3, "Mã truy cập không đúng.")
    assert _cli(console, "revoke-token", "Không Có") == (4, "Không có nhân viên Không Có.")
    assert _cli(console, "issue-token", " ") == (5, "Tên nhân viên không hợp lệ (1-100 ký tự in được).")
