"""Hotline agent console for the terminal: the same operations as the web page, over its API,
and the administration of the agents' tokens (directly on DATABASE_URL).

    python scripts/agent_cli.py issue-token Lan     # prints Lan's new token once (old one stops)
    python scripts/agent_cli.py revoke-token Lan
    python scripts/agent_cli.py list-agents

    AGENT_TOKEN=... python scripts/agent_cli.py queue [--page 2]
    python scripts/agent_cli.py show 12
    python scripts/agent_cli.py claim 12
    python scripts/agent_cli.py reply 12 "Chào bạn, tôi là Lan."
    python scripts/agent_cli.py resolve 12
    python scripts/agent_cli.py watch            # the queue and new messages, every 2 seconds

The console's address is --url, else AGENT_CONSOLE_URL, else $RASA_URL/webhooks/agent
(default http://127.0.0.1:5005). The token comes from AGENT_TOKEN (or --token); the agent's
name is the token's owner (the server decides, not the client).
Exit codes: 0 done, 1 other error, 3 wrong token, 4 no such ticket or agent, 5 conflict or
invalid input, 6 locked out or rate limited.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import requests

# Runs as a plain script too (`python scripts/agent_cli.py`), without PYTHONPATH.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from vssid import settings  # noqa: E402

STATUS = {"open": "đang chờ", "assigned": "đang xử lý", "resolved": "đã xong"}
AUTHOR = {"user": "Người dùng", "bot": "Trợ lý ảo"}
EXIT_CODES = {401: 3, 404: 4, 409: 5, 400: 5, 413: 5, 429: 6}
ADMIN_COMMANDS = ("issue-token", "revoke-token", "list-agents")


class ConsoleError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class ConsoleClient:
    """A thin client of /webhooks/agent/api."""

    def __init__(self, url: str, token: str, timeout: float = 30.0) -> None:
        self.api = url.rstrip("/") + "/api"
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.timeout = timeout

    def _call(
        self, method: str, path: str, body: dict[str, Any] | None = None, params: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        try:
            answer = self.http.request(
                method, self.api + path, json=body, params=params, timeout=self.timeout
            )
        except requests.RequestException as e:
            raise ConsoleError(0, f"Không kết nối được tới {self.api}: {e}") from e
        try:
            data = answer.json()
        except ValueError:
            data = {}
        if not answer.ok:
            raise ConsoleError(answer.status_code, data.get("message") or f"Lỗi HTTP {answer.status_code}")
        return data

    def queue(self, include_resolved: bool = False, page: int = 1) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"page": page}
        if include_resolved:
            params["all"] = "1"
        return self._call("GET", "/tickets", params=params)["tickets"]

    def me(self) -> str:
        return self._call("GET", "/me")["agent"]

    def ticket(self, ticket_id: int, after: int = 0) -> dict[str, Any]:
        return self._call("GET", f"/tickets/{ticket_id}", params={"after": after} if after else None)

    def claim(self, ticket_id: int) -> dict[str, Any]:
        return self._call("POST", f"/tickets/{ticket_id}/claim", {})

    def reply(self, ticket_id: int, text: str) -> dict[str, Any]:
        return self._call("POST", f"/tickets/{ticket_id}/reply", {"text": text})

    def resolve(self, ticket_id: int) -> dict[str, Any]:
        return self._call("POST", f"/tickets/{ticket_id}/resolve", {})


# --- formatting ----------------------------------------------------------------------------


def _waited(seconds: int) -> str:
    minutes = seconds // 60
    if minutes < 1:
        return "vừa gửi"
    return f"{minutes} phút" if minutes < 60 else f"{minutes // 60} giờ {minutes % 60} phút"


def _clock(iso: str | None) -> str:
    return datetime.fromisoformat(iso).astimezone().strftime("%d/%m %H:%M") if iso else "—"


def format_queue(tickets: list[dict[str, Any]]) -> str:
    if not tickets:
        return "Không có yêu cầu nào đang chờ."
    lines = [f"{'Số':>5}  {'Trạng thái':<11} {'Kênh':<9} {'Chờ':<12} {'Nhân viên':<12} Chủ đề"]
    for t in tickets:
        high = " [ưu tiên]" if t["priority"] == "high" else ""
        waited = "" if t["status"] == "resolved" else _waited(t["waiting_seconds"])
        lines.append(
            f"{t['id']:>5}  {STATUS.get(t['status'], t['status']):<11} {t['channel'] or '?':<9} "
            f"{waited:<12} {t['assigned_agent'] or '—':<12} {t['topic']}{high}"
        )
    return "\n".join(lines)


def format_message(message: dict[str, Any]) -> str:
    if message["author"] == "agent":
        who = f"Nhân viên {message['agent_name']}" + ("" if message["delivered"] else " (chưa gửi)")
    else:
        who = AUTHOR.get(message["author"], message["author"])
    return f"[{_clock(message['created_at'])}] {who}: {message['text']}"


def format_ticket(detail: dict[str, Any]) -> str:
    t = detail["ticket"]
    head = [
        f"Yêu cầu #{t['id']} — {STATUS.get(t['status'], t['status'])}",
        f"  Kênh: {t['channel']}   Người dùng: {t['sender_id']}   Ưu tiên: "
        f"{'cao' if t['priority'] == 'high' else 'bình thường'}",
        f"  Chủ đề: {t['topic']}   Số gọi lại: {t['callback_phone'] or '—'}   "
        f"Nhân viên: {t['assigned_agent'] or '—'}",
        "  Nội dung:",
    ]
    return "\n".join(head + ["  " + format_message(m) for m in detail["messages"]])


# --- commands ------------------------------------------------------------------------------


class Watcher:
    """Prints tickets that appear and messages added to them since the previous poll."""

    def __init__(self, client: ConsoleClient, out: Callable[[str], None]) -> None:
        self.client = client
        self.out = out
        self.last_message: dict[int, int] = {}

    def poll_once(self) -> None:
        for ticket in self.client.queue():
            tid = ticket["id"]
            new = tid not in self.last_message
            if new:
                self.out(
                    f"Yêu cầu mới #{tid} ({ticket['channel']}, {ticket['topic']}), "
                    f"chờ {_waited(ticket['waiting_seconds'])}"
                )
            for message in self.client.ticket(tid, after=self.last_message.get(tid, 0))["messages"]:
                if not new:
                    self.out(f"#{tid} " + format_message(message))
                self.last_message[tid] = max(self.last_message.get(tid, 0), message["id"])
            self.last_message.setdefault(tid, 0)

    def run(self, interval: float) -> None:
        while True:
            self.poll_once()
            time.sleep(interval)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="agent_cli", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", help="console address, e.g. http://127.0.0.1:5005/webhooks/agent")
    parser.add_argument("--token", help="agent token (default: AGENT_TOKEN)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("issue-token", help="give an agent a new token (printed once)").add_argument("name")
    sub.add_parser("revoke-token", help="make an agent's token stop working").add_argument("name")
    sub.add_parser("list-agents", help="the agents and whether they hold a token")
    queue = sub.add_parser("queue", help="the tickets waiting: high priority first, then longest waiting")
    queue.add_argument("--all", action="store_true", help="include resolved tickets")
    queue.add_argument("--page", type=int, default=1, help="page of 50 tickets (default 1)")
    for name, help_text in (
        ("show", "a ticket and its transcript"),
        ("claim", "take a ticket"),
        ("resolve", "close a ticket; the bot resumes"),
    ):
        sub.add_parser(name, help=help_text).add_argument("ticket", type=int)
    reply = sub.add_parser("reply", help="send a reply to the user")
    reply.add_argument("ticket", type=int)
    reply.add_argument("text", nargs="+")
    watch = sub.add_parser("watch", help="print new tickets and messages as they arrive")
    watch.add_argument("--interval", type=float, default=2.0)
    return parser


def _default_url() -> str:
    return settings.agent_console_url()


def admin(args: argparse.Namespace, out: Callable[[str], None]) -> int:
    """Token administration, straight on the database (run where DATABASE_URL points)."""
    from vssid.services import agents
    from vssid.services.registry import get_access_service

    access = get_access_service()
    try:
        if args.command == "issue-token":
            token = access.issue_agent_token(name=args.name)
            out(f"Mã truy cập mới của {args.name} (chỉ hiện một lần, mã cũ hết hiệu lực):\n{token}")
        elif args.command == "revoke-token":
            access.revoke_agent_token(name=args.name)
            out(f"Đã thu hồi mã truy cập của {args.name}.")
        else:
            rows = access.list_agents()
            if not rows:
                out("Chưa có nhân viên nào. Dùng: issue-token TÊN")
            for agent in rows:
                state = "có mã" if agent.has_token else "đã thu hồi mã"
                used = _clock(agent.last_used_at.isoformat()) if agent.last_used_at else "chưa dùng"
                out(f"{agent.name:<20} {state:<14} lần dùng cuối: {used}")
    except agents.InvalidAgentName:
        out("Tên nhân viên không hợp lệ (1-100 ký tự in được).")
        return 5
    except agents.UnknownAgent:
        out(f"Không có nhân viên {args.name}.")
        return 4
    return 0


def main(argv: list[str] | None = None, out: Callable[[str], None] = print) -> int:
    args = build_parser().parse_args(argv)
    if args.command in ADMIN_COMMANDS:
        return admin(args, out)
    token = args.token or settings.agent_token()
    if not token:
        out("Thiếu mã truy cập: đặt biến môi trường AGENT_TOKEN (hoặc --token).")
        return 3
    client = ConsoleClient(args.url or _default_url(), token)
    try:
        if args.command == "queue":
            out(format_queue(client.queue(include_resolved=args.all, page=args.page)))
        elif args.command == "show":
            out(format_ticket(client.ticket(args.ticket)))
        elif args.command == "claim":
            answer = client.claim(args.ticket)
            out(f"Bạn ({answer['ticket']['assigned_agent']}) đã nhận xử lý yêu cầu #{args.ticket}.")
        elif args.command == "reply":
            answer = client.reply(args.ticket, " ".join(args.text))
            out(
                "Đã gửi cho người dùng."
                if answer["delivered"]
                else "Đã lưu câu trả lời; sẽ gửi khi kết nối lại được với người dùng."
            )
        elif args.command == "resolve":
            answer = client.resolve(args.ticket)
            out(
                f"Đã kết thúc yêu cầu #{args.ticket}."
                + ("" if answer["notified"] else " Người dùng sẽ được báo khi nhắn tiếp.")
            )
        elif args.command == "watch":
            Watcher(client, out).run(args.interval)
    except ConsoleError as e:
        out(str(e))
        return EXIT_CODES.get(e.status, 1)
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
