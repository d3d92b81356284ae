"""Web chat channel: the widget's HTTP API, the widget's files and a demo page, all served by Rasa.

Routes under /webhooks/webchat/:
    GET  /                 demo page (Vietnamese) with the widget
    GET  /static/<file>    widget.js, widget.css
    GET  /health           {"status": "ok"}
    POST /session          issue {session_id, token, expires_at}
    POST /message          send a user message; answer the conversation's new events
    GET  /history          the current session's shown events (after a page reload)
    GET  /events?after=N   long poll for events appended later (e.g. a hotline agent's reply)
    POST /end              "Kết thúc trò chuyện": revoke the session and its verification

Every route but the first four needs the headers `X-Webchat-Session: <session_id>` and
`Authorization: Bearer <token>`; an expired or ended session is 401 (the widget starts a new
one). The widget reads everything it shows from the tracker store, so any Rasa process behind
a load balancer can answer any request.

Limits (connectors/guard.py): bodies over 16 KB are 413; sessions per client address, messages
and reads per session and per address are rate limited (429 with Retry-After and a Vietnamese
message); at most `max_polls_per_session` long polls of one session wait at once per process.

Reads select only the events after the widget's cursor (vssid.stores.read_event_rows), and a
waiting long poll is woken by the tracker store's "conversation changed" signal
(vssid.notifications: in-process, and over Redis pub/sub across processes when LOCK_STORE_URL is
set) instead of re-reading every second.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors import guard, session_ids
from connectors.webchat_events import METADATA_KEY, READ_TYPES, events_page, history, offered_payloads
from vssid import logmask
from vssid import settings as env_settings
from vssid.aio import run_blocking
from vssid.notifications import signals
from vssid.services.registry import get_access_service, get_records_service
from vssid.stores import EventRows, read_event_rows

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
SESSION_HEADER = "X-Webchat-Session"
_NO_STORE = {"Cache-Control": "no-store"}
_DEMO_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' https: data:; object-src 'none'; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
_MESSAGE_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_MAX_TITLE_LENGTH = 200


@dataclass(frozen=True)
class WebChatSettings:
    """Options of the `connectors.webchat.WebChatInput` entry in credentials.yml."""

    poll_timeout: float = 25.0  # seconds a GET /events waits for something new
    # Seconds between safety re-reads while a GET /events waits; the tracker store's
    # notification wakes it at once, so this only bounds the delay if a notification is lost.
    poll_interval: float = 25.0
    history_limit: int = 100  # shown events sent after a page reload
    max_message_length: int = 1000
    start_payload: str = "/greet"  # sent, hidden, when a conversation opens empty; "" for none
    max_polls_per_session: int = 2  # concurrent GET /events of one session (per process)

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WebChatSettings:
        known = {name: value for name, value in (credentials or {}).items() if name in cls.__annotations__}
        unknown = set(credentials or {}) - set(known)
        if unknown:
            logger.warning("webchat: ignoring unknown credentials keys %s", sorted(unknown))
        defaults = cls()
        return cls(**{name: type(getattr(defaults, name))(value) for name, value in known.items()})


@dataclass(frozen=True)
class Incoming:
    """A validated POST /message body."""

    text: str
    after: int = 0
    message_id: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


def parse_incoming(body: Any, *, max_length: int) -> Incoming:
    """Validate the widget's message body; raise ValueError with a short reason."""
    if not isinstance(body, dict):
        raise ValueError("body must be a JSON object")
    text = body.get("text")
    if isinstance(text, str):
        text = guard.clean_text(text)
        if text is None:
            raise ValueError("text is not valid Unicode")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("text is required")
    if len(text) > max_length:
        raise ValueError(f"text is longer than {max_length} characters")
    after = body.get("after", 0)
    if not isinstance(after, int) or isinstance(after, bool) or after < 0:
        raise ValueError("after must be a non-negative integer")
    message_id = body.get("message_id")
    if message_id is not None and not (isinstance(message_id, str) and _MESSAGE_ID.match(message_id)):
        raise ValueError("message_id must be 8-64 URL-safe characters")
    webchat: dict[str, Any] = {}
    title = body.get("title")
    title = guard.clean_text(title) if isinstance(title, str) else None
    if title and title.strip():
        webchat["title"] = title.strip()[:_MAX_TITLE_LENGTH]
    if body.get("hidden") is True:
        webchat["hidden"] = True
    return Incoming(
        text=text.strip(),
        after=after,
        message_id=message_id,
        metadata={METADATA_KEY: webchat} if webchat else {},
    )


def _int_arg(request: Request, name: str, default: int) -> int:
    try:
        return max(int(request.args.get(name, default)), 0)
    except ValueError:
        return default


_MESSAGES = {
    "invalid_session": "Phiên trò chuyện đã hết hạn hoặc đã kết thúc. Vui lòng bắt đầu lại.",
    "bad_request": "Yêu cầu không hợp lệ.",
    "payload_not_offered": "Vui lòng chọn một trong các nút được gợi ý.",
    "bot_error": "Xin lỗi, trợ lý đang gặp sự cố. Vui lòng thử lại sau hoặc gọi 1900.9068.",
    "too_many_polls": "Có quá nhiều kết nối cùng lúc cho phiên này. Vui lòng thử lại sau.",
}


def _error(status: int, error: str, detail: str = "") -> HTTPResponse:
    return response.json(
        {"error": error, "detail": detail, "message": _MESSAGES.get(error, "")},
        status=status,
        headers=_NO_STORE,
    )


def _json_body(request: Request) -> Any:
    """The parsed JSON body; ValueError for invalid JSON or invalid UTF-8."""
    return json.loads(request.body) if request.body else None


def _end_session(conversation_id: str) -> None:
    get_access_service().end_web_session(conversation_id=conversation_id)
    get_records_service().revoke_verification(conversation_id=conversation_id)


class WebChatOutput(OutputChannel):
    """Output channel of the web chat, for replies and for messages Rasa sends later.

    Actions the agent console runs in the conversation (connectors/conversation_actions.py) land
    here too. It
    sends nothing on purpose: the bot's events are saved in the tracker, where the widget reads
    them on whichever Rasa process it reaches.
    """

    @classmethod
    def name(cls) -> str:
        return WebChatInput.name()

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        # Not even the base class's dispatch: its send_text_with_buttons empties the button
        # dicts (rasa.cli.utils.button_to_string pops them), which the BotUttered event shares.
        return None

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        return None


class WebChatInput(InputChannel):
    """The web widget's channel; see the module docstring for its routes."""

    def __init__(self, settings: WebChatSettings, secret: bytes) -> None:
        self.settings = settings
        self._secret = secret
        self._polls: dict[str, int] = {}  # sender id -> long polls waiting now

    @classmethod
    def name(cls) -> str:
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        logmask.install()
        return cls(WebChatSettings.from_credentials(credentials), session_ids.load_secret())

    def get_output_channel(self) -> OutputChannel:
        return WebChatOutput()

    def signed_sender(self, request: Request) -> str | None:
        """The Rasa sender id of a request carrying a validly signed, unexpired session."""
        session_id = request.headers.get(SESSION_HEADER)
        authorization = request.headers.get("Authorization", "")
        token = authorization[len("Bearer ") :] if authorization.startswith("Bearer ") else None
        if not session_ids.verify(self._secret, session_id, token):
            return None
        return session_ids.sender_id(session_id)

    async def authenticated_sender(self, request: Request) -> str | None:
        """The sender id of a signed, unexpired session that was not ended, else None."""
        sender_id = self.signed_sender(request)
        if sender_id is None:
            return None
        try:
            active = await run_blocking(get_access_service().web_session_active, conversation_id=sender_id)
        except Exception:  # the database is down: the signature and expiry still hold
            logger.warning("webchat: could not check whether %s was ended", sender_id, exc_info=True)
            return sender_id
        return sender_id if active else None

    async def _admit(
        self, request: Request, per_session: str, per_address: str
    ) -> tuple[str | None, HTTPResponse | None]:
        """(sender id, None) for an authenticated request within its limits, else (None, refusal)."""
        address = guard.client_address(request)
        wait = await guard.rate_limits().hit(per_address, address)
        if wait:
            return None, guard.too_many_requests(wait)
        sender_id = await self.authenticated_sender(request)
        if sender_id is None:
            return None, _error(401, "invalid_session")
        wait = await guard.rate_limits().hit(per_session, sender_id)
        if wait:
            return None, guard.too_many_requests(wait)
        return sender_id, None

    async def read_events(
        self, request: Request, sender_id: str, after: int = 0, type_names: tuple[str, ...] = READ_TYPES
    ) -> EventRows:
        """The conversation's events with seq >= `after`, read from the agent's tracker store.

        Rasa's tracker stores block while they query, so the read runs in a worker thread.
        """
        store = request.app.ctx.agent.tracker_store
        return await run_blocking(read_event_rows, store, sender_id, after=after, type_names=type_names)

    async def may_send(self, request: Request, sender_id: str, text: str) -> bool:
        """Whether `text` may be sent: free text always; a "/intent{...}" payload only if offered.

        Rasa parses any message starting with "/" as an intent with entities, skipping NLU.
        Like the Telegram channel's button ids, this keeps clients to the buttons they were shown.
        """
        if not text.startswith("/") or text == self.settings.start_payload:
            return True
        bot_events = await self.read_events(request, sender_id, type_names=("bot",))
        return text in offered_payloads(event for _, event in bot_events.rows)

    async def wait_for_events(self, request: Request, sender_id: str, after: int) -> dict[str, Any]:
        """Shown events with seq >= `after`, waiting up to poll_timeout for some to be saved."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.poll_timeout
        # Listen before reading, so a change saved between the read and the wait still wakes us.
        with signals().listen(sender_id) as changed:
            while True:
                changed.clear()
                new = await self.read_events(request, sender_id, after)
                page = events_page(new.rows, after, reset=new.reset)
                remaining = deadline - loop.time()
                if page["events"] or page["reset"] or remaining <= 0:
                    return page
                after = page["cursor"]  # skip the unshown events already read
                try:
                    await asyncio.wait_for(changed.wait(), min(remaining, self.settings.poll_interval))
                except asyncio.TimeoutError:
                    pass

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webchat = Blueprint("webchat_webhook", __name__)
        guard.limit_body(webchat, guard.SMALL_BODY)
        webchat.static("/static", str(STATIC_DIR), name="webchat_static")

        @webchat.get("/")
        async def demo_page(request: Request) -> HTTPResponse:
            if not request.path.endswith("/"):  # the page's relative links need the slash
                return response.redirect(request.path.rsplit("/", 1)[-1] + "/")
            return await response.file(STATIC_DIR / "demo.html", headers=_DEMO_HEADERS)

        @webchat.get("/health")
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webchat.post("/session")
        async def new_session_route(request: Request) -> HTTPResponse:
            address = guard.client_address(request)
            wait = await guard.rate_limits().hit("webchat_session", address)
            if wait:
                return guard.too_many_requests(wait)
            session_id = session_ids.new_session_id()
            expires = int(time.time()) + env_settings.webchat_session_ttl_seconds()
            await run_blocking(
                get_access_service().register_web_session,
                conversation_id=session_ids.sender_id(session_id),
                client=address,
                expires_at=datetime.fromtimestamp(expires, timezone.utc),
            )
            return response.json(
                {
                    "session_id": session_id,
                    "token": session_ids.sign(self._secret, session_id, expires),
                    "expires_at": expires,
                    "start_payload": self.settings.start_payload,
                },
                headers=_NO_STORE,
            )

        @webchat.post("/message")
        async def message(request: Request) -> HTTPResponse:
            sender_id, refusal = await self._admit(request, "webchat_message", "webchat_message_address")
            if refusal:
                return refusal
            try:
                incoming = parse_incoming(_json_body(request), max_length=self.settings.max_message_length)
            except ValueError as e:
                return _error(400, "bad_request", str(e))
            if not await self.may_send(request, sender_id, incoming.text):
                return _error(400, "payload_not_offered", "a payload is accepted only from a shown button")
            user_message = UserMessage(
                incoming.text,
                WebChatOutput(),
                sender_id,
                input_channel=self.name(),
                message_id=incoming.message_id,
                metadata=incoming.metadata,
            )
            try:
                await on_new_message(user_message)
            except Exception:
                # The text is not logged: it may hold personal numbers.
                logger.exception("webchat: handling a message of %s failed", sender_id)
                return _error(500, "bot_error")
            new = await self.read_events(request, sender_id, incoming.after)
            return response.json(events_page(new.rows, incoming.after, reset=new.reset), headers=_NO_STORE)

        @webchat.get("/history")
        async def conversation_history(request: Request) -> HTTPResponse:
            sender_id, refusal = await self._admit(request, "webchat_read", "webchat_read_address")
            if refusal:
                return refusal
            limit = min(_int_arg(request, "limit", self.settings.history_limit), self.settings.history_limit)
            events = await self.read_events(request, sender_id)
            return response.json(history(events.rows, limit), headers=_NO_STORE)

        @webchat.get("/events")
        async def later_events(request: Request) -> HTTPResponse:
            sender_id, refusal = await self._admit(request, "webchat_read", "webchat_read_address")
            if refusal:
                return refusal
            if self._polls.get(sender_id, 0) >= self.settings.max_polls_per_session:
                return guard.json_error(
                    429,
                    "too_many_polls",
                    _MESSAGES["too_many_polls"],
                    retry_after=int(self.settings.poll_timeout),
                )
            self._polls[sender_id] = self._polls.get(sender_id, 0) + 1
            try:
                return await self._long_poll(request, sender_id, _int_arg(request, "after", 0))
            finally:
                self._polls[sender_id] -= 1
                if not self._polls[sender_id]:
                    del self._polls[sender_id]

        @webchat.post("/end")
        async def end(request: Request) -> HTTPResponse:
            sender_id, refusal = await self._admit(request, "webchat_read", "webchat_read_address")
            if refusal:
                return refusal
            await run_blocking(_end_session, sender_id)
            return response.json({"ended": True}, headers=_NO_STORE)

        return webchat

    async def _long_poll(self, request: Request, sender_id: str, after: int) -> HTTPResponse:
        return response.json(await self.wait_for_events(request, sender_id, after), headers=_NO_STORE)
