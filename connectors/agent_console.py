"""Agent console: the hotline agents' page and its JSON API, served by the Rasa server.

Register in credentials.yml as ``connectors.agent_console.AgentConsoleInput:`` (no values).
Routes under /webhooks/agent/:
    GET  /                              the console page (Vietnamese); it asks for the token
    GET  /static/<file>                 console.js, console.css
    GET  /health                        {"status": "ok"}
    GET  /api/tickets[?all=1]           the queue, oldest first, with waiting times
    GET  /api/tickets/<id>[?after=N]    a ticket and its transcript (messages with id > N)
    POST /api/tickets/<id>/claim        {"agent": "Lan"}: 409 if another agent holds it
    POST /api/tickets/<id>/reply        {"agent": "Lan", "text": "..."}: sent to the user
    POST /api/tickets/<id>/resolve      {"agent": "Lan"}: the bot resumes and asks for a rating

API routes need ``Authorization: Bearer <AGENT_TOKEN>`` (401 otherwise, nothing changes);
an unknown ticket is 404. Replies and the hand-back reach the user through Rasa's HTTP API
(``POST {RASA_URL}/conversations/<id>/execute?output_channel=<channel>``), so the bot's
messages are recorded in the tracker and sent by the user's own channel. A reply that could
not be pushed stays undelivered in the database and goes out with the user's next message.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.dashboard import register_dashboard
from vssid import logmask, settings
from vssid.aio import run_blocking
from vssid.channels import channel_for_conversation
from vssid.constants import ACTION_DELIVER_AGENT_REPLIES, ACTION_HANDOFF_RESOLVED
from vssid.db.tickets import AUTHOR_AGENT, STATUS_OPEN, STATUS_RESOLVED
from vssid.services import tickets as queue
from vssid.services.registry import get_ticket_service
from vssid.services.ticket_service import MessageInfo, TicketInfo, TicketService

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static" / "console"
_STATIC_FILES = {
    "console.js": "text/javascript; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}
TOKEN_ENV = "AGENT_TOKEN"
_NO_STORE = {"Cache-Control": "no-store"}
_PAGE_HEADERS = {
    **_NO_STORE,
    "Content-Security-Policy": (
        "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


# --- pushing to Rasa -----------------------------------------------------------------------


def output_channel_for(channel: str, conversation_id: str) -> str:
    """Name of the Rasa output channel that reaches the user ('collector' = tracker only)."""
    return channel or channel_for_conversation(conversation_id)


class RasaClient:
    """Runs actions in a conversation through Rasa's HTTP API (needs ``--enable-api``).

    ``RASA_URL`` (default http://127.0.0.1:5005) and ``RASA_API_TOKEN`` are read per call.
    """

    def __init__(self, timeout: float = 30.0) -> None:
        self.timeout = timeout

    async def execute(self, conversation_id: str, action: str, output_channel: str) -> bool:
        base = settings.rasa_url()
        params = {"output_channel": output_channel}
        if settings.rasa_api_token():
            params["token"] = settings.rasa_api_token()
        url = f"{base}/conversations/{quote(conversation_id, safe='')}/execute"
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout)) as http:
                async with http.post(url, params=params, json={"name": action}) as answer:
                    if answer.status == 200:
                        return True
                    logger.warning("Rasa answered %s to %s in %s", answer.status, action, conversation_id)
        except (aiohttp.ClientError, asyncio.TimeoutError) as e:
            logger.warning("Could not reach Rasa to run %s in %s: %s", action, conversation_id, e)
        return False


# --- JSON views ----------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def ticket_view(ticket: TicketInfo) -> dict[str, Any]:
    return {
        "id": ticket.id,
        "status": ticket.status,
        "priority": ticket.priority,
        "reason": ticket.reason,
        "topic": ticket.topic,
        "channel": ticket.channel,
        "conversation_id": ticket.conversation_id,
        "sender_id": ticket.sender_id,
        "callback_phone": ticket.callback_phone,
        "assigned_agent": ticket.assigned_agent,
        "rating": ticket.rating,
        "created_at": _iso(ticket.created_at),
        "updated_at": _iso(ticket.updated_at),
        "assigned_at": _iso(ticket.assigned_at),
        "resolved_at": _iso(ticket.resolved_at),
        "waiting_seconds": ticket.waiting_seconds,
        "user_messages": ticket.user_messages,
    }


def message_view(message: MessageInfo) -> dict[str, Any]:
    return {
        "id": message.id,
        "author": message.author,
        "agent_name": message.agent_name,
        "text": message.text,
        "created_at": _iso(message.created_at),
        "delivered": message.delivered_at is not None if message.author == AUTHOR_AGENT else None,
    }


# --- use cases as seen by the console (each runs in a worker thread) ------------------------


def _queue(service: TicketService, *, include_resolved: bool) -> dict[str, Any]:
    view = service.queue(include_resolved=include_resolved)
    return {"tickets": [ticket_view(t) for t in view.tickets], "server_time": view.server_time.isoformat()}


def _detail(service: TicketService, *, ticket_id: int, after_id: int) -> dict[str, Any]:
    ticket = service.ticket(ticket_id=ticket_id)
    messages = service.messages(ticket_id=ticket_id, after_id=after_id)
    return {"ticket": ticket_view(ticket), "messages": [message_view(m) for m in messages]}


def _claim(service: TicketService, *, ticket_id: int, agent: str) -> dict[str, Any]:
    return {"ticket": ticket_view(service.claim(ticket_id=ticket_id, agent=agent))}


def _reply(service: TicketService, *, ticket_id: int, agent: str, text: str) -> dict[str, Any]:
    message, ticket = service.reply(ticket_id=ticket_id, agent=agent, text=text)
    return {"message": message_view(message), "ticket": ticket_view(ticket)}


def _resolve(service: TicketService, *, ticket_id: int, agent: str) -> dict[str, Any]:
    return {"ticket": ticket_view(service.resolve(ticket_id=ticket_id, agent=agent))}


# --- the channel ---------------------------------------------------------------------------


def _error(http_status: int, code: str, message: str, **extra: Any) -> HTTPResponse:
    return response.json({"error": code, "message": message, **extra}, status=http_status, headers=_NO_STORE)


def _json(body: dict[str, Any], status: int = 200) -> HTTPResponse:
    return response.json(body, status=status, headers=_NO_STORE)


def _ticket_id(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def _body(request: Request) -> dict[str, Any]:
    try:
        body = request.json
    except Exception:
        return {}
    return body if isinstance(body, dict) else {}


class AgentConsoleInput(InputChannel):
    """Serves the console; receives no user messages itself."""

    def __init__(self, rasa: RasaClient | None = None) -> None:
        self.rasa = rasa or RasaClient()

    @classmethod
    def name(cls) -> str:
        return "agent"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> AgentConsoleInput:
        logmask.install()
        return cls()

    def authorised(self, request: Request) -> bool:
        expected = settings.agent_token()
        header = request.headers.get("Authorization", "")
        given = header[len("Bearer ") :] if header.startswith("Bearer ") else ""
        if not expected:
            logger.warning("%s is not set: the agent console refuses every request", TOKEN_ENV)
            return False
        # Header bytes that are not UTF-8 arrive as surrogates: compare them as bytes, never fail.
        return hmac.compare_digest(
            given.encode("utf-8", "surrogateescape"), expected.encode("utf-8", "surrogateescape")
        )

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        console = Blueprint("agent_console", __name__)

        @console.get("/")
        async def page(request: Request) -> HTTPResponse:
            return await response.file(
                STATIC_DIR / "index.html", mime_type="text/html; charset=utf-8", headers=_PAGE_HEADERS
            )

        @console.get("/static/<name>")
        async def static(request: Request, name: str) -> HTTPResponse:
            if name not in _STATIC_FILES:
                return _error(404, "not_found", "Không có tệp này.")
            return await response.file(STATIC_DIR / name, mime_type=_STATIC_FILES[name], headers=_NO_STORE)

        @console.get("/health")
        async def health(request: Request) -> HTTPResponse:
            return _json({"status": "ok"})

        @console.get("/api/tickets")
        async def list_tickets(request: Request) -> HTTPResponse:
            if not self.authorised(request):
                return _unauthorised()
            include_resolved = request.args.get("all") in ("1", "true")
            return _json(await run_blocking(_queue, get_ticket_service(), include_resolved=include_resolved))

        @console.get("/api/tickets/<raw_id>")
        async def show_ticket(request: Request, raw_id: str) -> HTTPResponse:
            return await self._handle(request, raw_id, _detail, after_id=_int(request.args.get("after")))

        @console.post("/api/tickets/<raw_id>/claim")
        async def claim(request: Request, raw_id: str) -> HTTPResponse:
            return await self._handle(request, raw_id, _claim, agent=_body(request).get("agent", ""))

        @console.post("/api/tickets/<raw_id>/reply")
        async def reply(request: Request, raw_id: str) -> HTTPResponse:
            body = _body(request)
            return await self._handle(
                request, raw_id, _reply, agent=body.get("agent", ""), text=body.get("text", "")
            )

        @console.post("/api/tickets/<raw_id>/resolve")
        async def resolve(request: Request, raw_id: str) -> HTTPResponse:
            return await self._handle(request, raw_id, _resolve, agent=_body(request).get("agent", ""))

        register_dashboard(console, self.authorised)
        return console

    async def _handle(
        self, request: Request, raw_id: str, use_case: Callable[..., dict[str, Any]], **kwargs: Any
    ) -> HTTPResponse:
        """Authorise, run the use case, then push to Rasa what the user must see."""
        if not self.authorised(request):
            return _unauthorised()
        ticket_id = _ticket_id(raw_id)
        if ticket_id is None:
            return _not_found()
        try:
            body = await run_blocking(use_case, get_ticket_service(), ticket_id=ticket_id, **kwargs)
        except queue.TicketNotFound:
            return _not_found()
        except queue.InvalidInput as e:
            return _error(400, "invalid", "Thiếu tên nhân viên hoặc nội dung không hợp lệ.", detail=str(e))
        except queue.TicketConflict as e:
            return _error(
                409, "conflict", _conflict_message(e), ticket_status=e.status, assigned_agent=e.assigned_agent
            )
        if use_case is _reply:
            body["delivered"] = await self._push(body["ticket"], ACTION_DELIVER_AGENT_REPLIES)
            body["delivered"] = body["delivered"] and await run_blocking(
                get_ticket_service().is_delivered, message_id=body["message"]["id"]
            )
            return _json(body, status=201)
        if use_case is _resolve:
            body["notified"] = await self._push(body["ticket"], ACTION_HANDOFF_RESOLVED)
        return _json(body)

    async def _push(self, ticket: dict[str, Any], action: str) -> bool:
        channel = output_channel_for(ticket["channel"], ticket["conversation_id"])
        return await self.rasa.execute(ticket["conversation_id"], action, channel)


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0


def _unauthorised() -> HTTPResponse:
    return _error(401, "unauthorised", "Mã truy cập không đúng.")


def _not_found() -> HTTPResponse:
    return _error(404, "not_found", "Không tìm thấy yêu cầu này.")


def _conflict_message(conflict: queue.TicketConflict) -> str:
    if conflict.status == STATUS_RESOLVED:
        return "Yêu cầu này đã được xử lý xong."
    if conflict.status == STATUS_OPEN:
        return "Hãy nhận xử lý yêu cầu trước khi trả lời."
    return f"Yêu cầu này đã được nhân viên {conflict.assigned_agent} nhận xử lý."
