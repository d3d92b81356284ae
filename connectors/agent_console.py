"""Agent console: the hotline agents' page and its JSON API, served by the Rasa server.

Register in credentials.yml as ``connectors.agent_console.AgentConsoleInput:`` (no values).
Routes under /webhooks/agent/:
    GET  /                              the console page (Vietnamese); it asks for the token
    GET  /static/<file>                 console.js, console.css
    GET  /health                        {"status": "ok"}
    GET  /api/me                        {"agent": "<name>"}: who the token belongs to
    GET  /api/tickets[?all=1&page=P&per_page=N]
                                        one page of the queue (default 50, at most 200): held
                                        tickets last, high priority first, then longest waiting
    GET  /api/tickets/<id>[?after=N]    a ticket and its transcript (messages with id > N)
    POST /api/tickets/<id>/claim        409 if another agent holds it
    POST /api/tickets/<id>/reply        {"text": "..."}: sent to the user
    POST /api/tickets/<id>/resolve      the bot resumes and asks for a rating

API routes need ``Authorization: Bearer <token>``: each agent has their own token, issued by
``scripts/agent_cli.py issue-token NAME`` and stored hashed; the agent's name comes from the
token (a name in the body is ignored). Wrong tokens are 401 and audited; 10 failures from one
address within 15 minutes lock that address out (429) for the rest of the window. Malformed
ids, cursors or bodies are 400, bodies over 16 KB 413; an unknown ticket is 404. Every claim,
reply and resolve is audited (``agent_audit_log``).

Replies and the hand-back run an action in the user's conversation inside this Rasa process
(``connectors.conversation_actions``; Rasa's HTTP API stays off), so the bot's messages are
recorded in the tracker and sent by the user's own channel. A reply that could not be pushed
stays undelivered in the database and goes out with the user's next message.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors import guard
from connectors.agent_auth import agent_or_refusal
from connectors.conversation_actions import execute_action
from connectors.dashboard import register_dashboard
from connectors.pages import NO_STORE, serve_page
from vssid import logmask
from vssid.aio import run_blocking
from vssid.channels import channel_for_conversation
from vssid.constants import ACTION_DELIVER_AGENT_REPLIES, ACTION_HANDOFF_RESOLVED
from vssid.db.tickets import AUTHOR_AGENT, STATUS_OPEN, STATUS_RESOLVED
from vssid.services import agents as agent_service
from vssid.services import tickets as queue
from vssid.services.registry import get_access_service, get_ticket_service
from vssid.services.ticket_service import MessageInfo, TicketInfo, TicketService

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static" / "console"
_STATIC_FILES = {
    "console.js": "text/javascript; charset=utf-8",
    "console.css": "text/css; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}
_NO_STORE = NO_STORE


# --- running actions in the user's conversation ------------------------------------------

Executor = Callable[[Sanic, str, str, str], Awaitable[bool]]  # (app, conversation, action, channel)


def output_channel_for(channel: str, conversation_id: str) -> str:
    """Name of the Rasa output channel that reaches the user ('collector' = tracker only)."""
    return channel or channel_for_conversation(conversation_id)


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
        "held": ticket.held,
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


def _queue(service: TicketService, *, include_resolved: bool, page: int, per_page: int) -> dict[str, Any]:
    view = service.queue(include_resolved=include_resolved, page=page, per_page=per_page)
    return {
        "tickets": [ticket_view(t) for t in view.tickets],
        "server_time": view.server_time.isoformat(),
        "page": view.page,
        "per_page": view.per_page,
        "total": view.total,
    }


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

_NUMBER = re.compile(r"[0-9]{1,9}")  # ASCII digits only: int() also takes "١٢" and fails on "²"


class BadInput(ValueError):
    """A malformed id, cursor or body: answered with 400."""


def _error(http_status: int, code: str, message: str, **extra: Any) -> HTTPResponse:
    return guard.json_error(http_status, code, message, **extra)


def _json(body: dict[str, Any], status: int = 200) -> HTTPResponse:
    return response.json(body, status=status, headers=_NO_STORE)


def _number(raw: str | None, name: str, default: int | None = None) -> int:
    if raw is None or raw == "":
        if default is None:
            raise BadInput(f"{name} is required")
        return default
    if not _NUMBER.fullmatch(raw):
        raise BadInput(f"{name} must be a number")
    return int(raw)


def _body(request: Request) -> dict[str, Any]:
    """The JSON object body (empty body = {}); BadInput for anything else."""
    if not request.body:
        return {}
    try:
        body = json.loads(request.body)
    except ValueError as e:  # invalid JSON or invalid UTF-8
        raise BadInput("body must be JSON") from e
    if not isinstance(body, dict):
        raise BadInput("body must be a JSON object")
    return body


def _reply_text(request: Request) -> str:
    text = _body(request).get("text")
    text = guard.clean_text(text) if isinstance(text, str) else None
    if not text or not text.strip():
        raise BadInput("text is required (valid Unicode, not only spaces)")
    if len(text) > queue.MAX_TEXT_LENGTH:
        raise BadInput(f"text is longer than {queue.MAX_TEXT_LENGTH} characters")
    return text


_AUDITED = {
    "_claim": agent_service.ACTION_CLAIM,
    "_reply": agent_service.ACTION_REPLY,
    "_resolve": agent_service.ACTION_RESOLVE,
}


class AgentConsoleInput(InputChannel):
    """Serves the console; receives no user messages itself."""

    def __init__(self, executor: Executor | None = None) -> None:
        self.executor = executor or execute_action

    @classmethod
    def name(cls) -> str:
        return "agent"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> AgentConsoleInput:
        logmask.install()
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        console = Blueprint("agent_console", __name__)
        guard.limit_body(console, guard.SMALL_BODY)

        @console.exception(BadInput)
        async def bad_input(request: Request, exception: BadInput) -> HTTPResponse:
            return _error(400, "invalid", "Yêu cầu không hợp lệ.", detail=str(exception))

        serve_page(console, route="/", directory=STATIC_DIR, files=_STATIC_FILES)

        @console.get("/health")
        async def health(request: Request) -> HTTPResponse:
            return _json({"status": "ok"})

        @console.get("/api/me")
        async def me(request: Request) -> HTTPResponse:
            agent, refusal = await agent_or_refusal(request)
            return refusal or _json({"agent": agent.name})

        @console.get("/api/tickets")
        async def list_tickets(request: Request) -> HTTPResponse:
            agent, refusal = await agent_or_refusal(request)
            if refusal:
                return refusal
            page = _number(request.args.get("page"), "page", 1)
            per_page = _number(request.args.get("per_page"), "per_page", queue.DEFAULT_PAGE_SIZE)
            if page < 1 or not 1 <= per_page <= queue.MAX_PAGE_SIZE:
                raise BadInput(f"page >= 1 and 1 <= per_page <= {queue.MAX_PAGE_SIZE}")
            include_resolved = request.args.get("all") in ("1", "true")
            return _json(
                await run_blocking(
                    _queue,
                    get_ticket_service(),
                    include_resolved=include_resolved,
                    page=page,
                    per_page=per_page,
                )
            )

        @console.get("/api/tickets/<raw_id>")
        async def show_ticket(request: Request, raw_id: str) -> HTTPResponse:
            return await self._handle(
                request, raw_id, _detail, lambda: {"after_id": _number(request.args.get("after"), "after", 0)}
            )

        @console.post("/api/tickets/<raw_id>/claim")
        async def claim(request: Request, raw_id: str) -> HTTPResponse:
            return await self._handle(request, raw_id, _claim, lambda: _body(request) and {})

        @console.post("/api/tickets/<raw_id>/reply")
        async def reply(request: Request, raw_id: str) -> HTTPResponse:
            return await self._handle(request, raw_id, _reply, lambda: {"text": _reply_text(request)})

        @console.post("/api/tickets/<raw_id>/resolve")
        async def resolve(request: Request, raw_id: str) -> HTTPResponse:
            return await self._handle(request, raw_id, _resolve, lambda: _body(request) and {})

        register_dashboard(console)
        return console

    async def _handle(
        self,
        request: Request,
        raw_id: str,
        use_case: Callable[..., dict[str, Any]],
        parse: Callable[[], dict[str, Any]],
    ) -> HTTPResponse:
        """Authorise, parse the input (BadInput = 400), run the use case, audit it, then push
        to the user what they must see."""
        agent, refusal = await agent_or_refusal(request)
        if refusal:
            return refusal
        ticket_id = _number(raw_id, "ticket id")
        kwargs = parse()
        if use_case is not _detail:
            kwargs["agent"] = agent.name
        action = _AUDITED.get(use_case.__name__)
        client = guard.client_address(request)
        try:
            body = await run_blocking(use_case, get_ticket_service(), ticket_id=ticket_id, **kwargs)
        except queue.TicketNotFound:
            return _not_found()
        except queue.InvalidInput as e:
            return _error(400, "invalid", "Nội dung không hợp lệ.", detail=str(e))
        except queue.TicketConflict as e:
            if action:
                await run_blocking(
                    get_access_service().audit_agent_action,
                    action=action,
                    agent=agent.name,
                    ticket_id=ticket_id,
                    client=client,
                    outcome="conflict",
                    detail=e.status,
                )
            return _error(
                409, "conflict", _conflict_message(e), ticket_status=e.status, assigned_agent=e.assigned_agent
            )
        if action:
            await run_blocking(
                get_access_service().audit_agent_action,
                action=action,
                agent=agent.name,
                ticket_id=ticket_id,
                client=client,
            )
        if use_case is _reply:
            body["delivered"] = await self._push(request, body["ticket"], ACTION_DELIVER_AGENT_REPLIES)
            body["delivered"] = body["delivered"] and await run_blocking(
                get_ticket_service().is_delivered, message_id=body["message"]["id"]
            )
            return _json(body, status=201)
        if use_case is _resolve:
            body["notified"] = await self._push(request, body["ticket"], ACTION_HANDOFF_RESOLVED)
        return _json(body)

    async def _push(self, request: Request, ticket: dict[str, Any], action: str) -> bool:
        channel = output_channel_for(ticket["channel"], ticket["conversation_id"])
        return await self.executor(request.app, ticket["conversation_id"], action, channel)


def _not_found() -> HTTPResponse:
    return _error(404, "not_found", "Không tìm thấy yêu cầu này.")


def _conflict_message(conflict: queue.TicketConflict) -> str:
    if conflict.status == STATUS_RESOLVED:
        return "Yêu cầu này đã được xử lý xong."
    if conflict.status == STATUS_OPEN:
        return "Hãy nhận xử lý yêu cầu trước khi trả lời."
    return f"Yêu cầu này đã được nhân viên {conflict.assigned_agent} nhận xử lý."
