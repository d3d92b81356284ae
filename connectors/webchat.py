"""Web chat channel: the widget's HTTP API, the widget's files and a demo page, all served by Rasa.

Routes under /webhooks/webchat/:
    GET  /                 demo page (Vietnamese) with the widget
    GET  /static/<file>    widget.js, widget.css
    GET  /health           {"status": "ok"}
    POST /session          issue {session_id, token}
    POST /message          send a user message; answer the conversation's new events
    GET  /history          the latest shown events (after a page reload)
    GET  /events?after=N   long poll for events appended later (e.g. a hotline agent's reply)

Every route but the first four needs the headers `X-Webchat-Session: <session_id>` and
`Authorization: Bearer <token>`. The widget reads everything it shows from the tracker store,
so any Rasa process behind a load balancer can answer any request. Reads select only the events
after the widget's cursor (vssid.stores.read_event_rows), and a waiting long poll is woken by
the tracker store's "conversation changed" signal (vssid.notifications: in-process, and over
Redis pub/sub across processes when LOCK_STORE_URL is set) instead of re-reading every second.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors import session_ids
from connectors.webchat_events import METADATA_KEY, SHOWN_TYPES, events_page, history, offered_payloads
from vssid import logmask
from vssid.aio import run_blocking
from vssid.notifications import signals
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
    if isinstance(title, str) and title.strip():
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


def _error(status: int, error: str, detail: str = "") -> HTTPResponse:
    return response.json({"error": error, "detail": detail}, status=status, headers=_NO_STORE)


class WebChatOutput(OutputChannel):
    """Output channel of the web chat, for replies and for messages Rasa sends later.

    `POST /conversations/<id>/execute?output_channel=webchat` (or `=latest`) lands here too. It
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

    @classmethod
    def name(cls) -> str:
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        logmask.install()
        return cls(WebChatSettings.from_credentials(credentials), session_ids.load_secret())

    def get_output_channel(self) -> OutputChannel:
        return WebChatOutput()

    def authenticated_sender(self, request: Request) -> str | None:
        """The Rasa sender id of a request carrying a valid session, else None."""
        session_id = request.headers.get(SESSION_HEADER)
        authorization = request.headers.get("Authorization", "")
        token = authorization[len("Bearer ") :] if authorization.startswith("Bearer ") else None
        if not session_ids.verify(self._secret, session_id, token):
            return None
        return session_ids.sender_id(session_id)

    async def read_events(
        self, request: Request, sender_id: str, after: int = 0, type_names: tuple[str, ...] = SHOWN_TYPES
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
        async def new_session(request: Request) -> HTTPResponse:
            session_id = session_ids.new_session_id()
            return response.json(
                {
                    "session_id": session_id,
                    "token": session_ids.sign(self._secret, session_id),
                    "start_payload": self.settings.start_payload,
                },
                headers=_NO_STORE,
            )

        @webchat.post("/message")
        async def message(request: Request) -> HTTPResponse:
            sender_id = self.authenticated_sender(request)
            if sender_id is None:
                return _error(401, "invalid_session")
            try:
                incoming = parse_incoming(request.json, max_length=self.settings.max_message_length)
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
            sender_id = self.authenticated_sender(request)
            if sender_id is None:
                return _error(401, "invalid_session")
            limit = min(_int_arg(request, "limit", self.settings.history_limit), self.settings.history_limit)
            events = await self.read_events(request, sender_id)
            return response.json(history(events.rows, limit), headers=_NO_STORE)

        @webchat.get("/events")
        async def later_events(request: Request) -> HTTPResponse:
            sender_id = self.authenticated_sender(request)
            if sender_id is None:
                return _error(401, "invalid_session")
            after = _int_arg(request, "after", 0)
            return response.json(await self.wait_for_events(request, sender_id, after), headers=_NO_STORE)

        return webchat
