"""A local fake of the Telegram Bot API, reachable by python-telegram-bot through ``base_url``.

Runs an aiohttp server on 127.0.0.1 (free port) in a background thread, records every call and
enforces the limits that matter to us (4,096 characters, 64-byte callback data, valid HTML).
It can be told to fail the next calls with 429 (``retry_after``) or a dropped connection.

    api = FakeTelegramAPI(); api.start()
    bot = Bot(token, base_url=api.base_url)   # "http://127.0.0.1:PORT/bot"
    ...
    api.sent_messages(chat_id)[-1]["text"]     # what the user sees
    api.stop()
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from aiohttp import web

ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "span",
    "tg-spoiler",
    "blockquote",
    "tg-emoji",
}
BOT_USER = {"id": 7000000001, "is_bot": True, "first_name": "Trợ lý VssID", "username": "vssid_test_bot"}
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z-]*(?:\s[^<>]*)?>")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")
_JSON_FIELDS = {
    "reply_markup",
    "allowed_updates",
    "commands",
    "link_preview_options",
    "entities",
    "reply_parameters",
    "scope",
}


@dataclass
class Call:
    """One request the fake received. ``outcome``: ok, error, 429 or dropped."""

    method: str
    params: dict[str, Any]
    token: str
    outcome: str = "ok"
    at: float = field(default_factory=time.monotonic)


@dataclass
class _Fault:
    kind: str  # "429" | "drop" | "drop_after"
    method: str | None
    retry_after: int = 1


class _TelegramHTML(HTMLParser):
    """Checks Telegram's HTML subset and collects the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.stack: list[str] = []
        self.error: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.error = self.error or f'unsupported start tag "{tag}"'
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.error = self.error or f'unmatched end tag "{tag}"'

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_telegram_html(markup: str) -> tuple[str, str | None]:
    """Visible text of ``markup`` and the parse error Telegram would report (or None)."""
    outside_tags = _TAG.sub("", markup)
    if "<" in outside_tags or ">" in outside_tags:
        return markup, "unescaped '<' or '>'"
    if any(not _ENTITY.match(outside_tags, i) for i, ch in enumerate(outside_tags) if ch == "&"):
        return markup, "unsupported entity or unescaped '&'"
    parser = _TelegramHTML()
    parser.feed(markup)
    parser.close()
    if parser.stack and not parser.error:
        parser.error = f'unclosed start tag "{parser.stack[-1]}"'
    return "".join(parser.text), parser.error


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class FakeTelegramAPI:
    """The fake Bot API server. All public methods are thread-safe."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.webhook: dict[str, Any] = {}
        self.commands: list[dict[str, Any]] = []
        self.port = 0
        self._lock = threading.Lock()
        self._messages: dict[int, list[dict[str, Any]]] = {}
        self._next_message_id = 1000
        self._faults: list[_Fault] = []
        self._updates: list[dict[str, Any]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._updates_event: asyncio.Event | None = None

    # --- lifecycle --------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """For ``Bot(token, base_url=...)`` and TELEGRAM_API_BASE_URL."""
        return f"http://127.0.0.1:{self.port}/bot"

    def start(self) -> FakeTelegramAPI:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(ready,), name="fake-telegram", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fake Telegram API did not start")
        return self

    def stop(self) -> None:
        if self._loop is None or self._thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop = self._thread = None

    def __enter__(self) -> FakeTelegramAPI:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def _serve(self, ready: threading.Event) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._startup())
        ready.set()
        self._loop.run_forever()
        self._loop.close()

    async def _startup(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self._updates_event = asyncio.Event()

    async def _shutdown(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # --- what tests set up --------------------------------------------------------------

    def reset(self) -> None:
        """Forget calls, messages, faults and queued updates (between tests)."""
        with self._lock:
            self.calls.clear()
            self._messages.clear()
            self._faults.clear()
            self._updates.clear()
            self.webhook = {}
            self.commands = []

    def fail_next(self, n: int = 1, *, retry_after: int = 1, method: str | None = None) -> None:
        """The next ``n`` calls (of ``method``, or any) get 429 Too Many Requests."""
        self._add_faults(n, _Fault("429", method, retry_after))

    def drop_next(self, n: int = 1, *, method: str | None = None, after_processing: bool = False) -> None:
        """The next ``n`` calls lose their connection without a response.

        With ``after_processing`` the call takes effect first (the message is delivered) and
        only the response is lost: the client cannot tell the two cases apart.
        """
        self._add_faults(n, _Fault("drop_after" if after_processing else "drop", method))

    def push_update(self, update: dict[str, Any]) -> None:
        """Queue an update for getUpdates (polling mode)."""
        with self._lock:
            self._updates.append(update)
        if self._loop is not None and self._updates_event is not None:
            self._loop.call_soon_threadsafe(self._updates_event.set)

    def _add_faults(self, n: int, fault: _Fault) -> None:
        with self._lock:
            self._faults.extend([fault] * n)

    # --- what tests read ----------------------------------------------------------------

    def calls_to(self, method: str, outcome: str | None = "ok") -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method and outcome in (None, c.outcome)]

    def sent_messages(self, chat_id: int | None = None) -> list[dict[str, Any]]:
        """Messages as the user sees them: ``text`` (visible), ``html``, ``reply_markup``."""
        with self._lock:
            if chat_id is not None:
                return [dict(m) for m in self._messages.get(int(chat_id), [])]
            return [dict(m) for messages in self._messages.values() for m in messages]

    def wait_for(self, predicate: Callable[[FakeTelegramAPI], bool], timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while not predicate(self):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; calls so far: {[c.method for c in self.calls]}")
            time.sleep(0.02)

    def wait_for_messages(self, chat_id: int, count: int, timeout: float = 10) -> list[dict[str, Any]]:
        self.wait_for(lambda api: len(api.sent_messages(chat_id)) >= count, timeout)
        return self.sent_messages(chat_id)

    # --- the server ---------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        params = await _read_params(request)
        call = Call(method, params, request.match_info["token"])
        with self._lock:
            self.calls.append(call)
            fault = self._take_fault(method)
        if fault is not None and fault.kind == "429":
            call.outcome = "429"
            return _error(
                429,
                f"Too Many Requests: retry after {fault.retry_after}",
                parameters={"retry_after": fault.retry_after},
            )
        if fault is not None and fault.kind == "drop":
            call.outcome = "dropped"
            _drop(request)
            return web.Response()
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            call.outcome = "error"
            return _error(404, "Not Found")
        result = await handler(params)
        if isinstance(result, web.Response):
            call.outcome = "error"
            return result
        if fault is not None:  # drop_after: the call took effect, the response is lost
            call.outcome = "dropped"
            _drop(request)
            return web.Response()
        return web.json_response({"ok": True, "result": result})

    def _take_fault(self, method: str) -> _Fault | None:
        for index, fault in enumerate(self._faults):
            if fault.method in (None, method):
                return self._faults.pop(index)
        return None

    async def _api_getMe(self, params: dict[str, Any]) -> Any:
        return BOT_USER

    async def _api_sendMessage(self, params: dict[str, Any]) -> Any:
        chat_id = _int(params.get("chat_id"))
        raw = str(params.get("text", ""))
        if params.get("parse_mode") == "HTML":
            text, problem = parse_telegram_html(raw)
            if problem:
                return _error(400, f"Bad Request: can't parse entities: {problem}")
        else:
            text = raw
        if not text.strip():
            return _error(400, "Bad Request: message text is empty")
        if utf16_len(text) > 4096:
            return _error(400, "Bad Request: message is too long")
        markup = params.get("reply_markup")
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                if len(str(button.get("callback_data", "")).encode("utf-8")) > 64:
                    return _error(400, "Bad Request: BUTTON_DATA_INVALID")
        with self._lock:
            self._next_message_id += 1
            message = {
                "message_id": self._next_message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
                "from": BOT_USER,
                "text": text,
            }
            self._messages.setdefault(chat_id, []).append(
                {
                    **message,
                    "html": raw if params.get("parse_mode") == "HTML" else None,
                    "reply_markup": markup,
                }
            )
        return {**message, **({"reply_markup": markup} if markup else {})}

    async def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        chat_id, message_id = _int(params.get("chat_id")), _int(params.get("message_id"))
        with self._lock:
            for message in self._messages.get(chat_id, []):
                if message["message_id"] == message_id:
                    if message["reply_markup"] == params.get("reply_markup"):
                        return _error(400, "Bad Request: message is not modified")
                    message["reply_markup"] = params.get("reply_markup")
                    return {k: v for k, v in message.items() if k != "html"}
        return _error(400, "Bad Request: message to edit not found")

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        return True

    async def _api_sendChatAction(self, params: dict[str, Any]) -> Any:
        return True

    async def _api_setWebhook(self, params: dict[str, Any]) -> Any:
        with self._lock:
            self.webhook = dict(params)
        return True

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> Any:
        with self._lock:
            self.webhook = {}
        return True

    async def _api_getWebhookInfo(self, params: dict[str, Any]) -> Any:
        with self._lock:
            return {
                "url": self.webhook.get("url", ""),
                "has_custom_certificate": False,
                "pending_update_count": len(self._updates),
                "allowed_updates": self.webhook.get("allowed_updates", []),
            }

    async def _api_setMyCommands(self, params: dict[str, Any]) -> Any:
        with self._lock:
            self.commands = list(params.get("commands") or [])
        return True

    async def _api_getUpdates(self, params: dict[str, Any]) -> Any:
        if self.webhook.get("url"):
            return _error(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = _int(params.get("offset", 0))
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 5.0)
        while True:
            with self._lock:
                if offset:  # confirms (forgets) every update before offset
                    self._updates = [u for u in self._updates if u["update_id"] >= offset]
                pending = list(self._updates[: _int(params.get("limit") or 100)])
            remaining = deadline - time.monotonic()
            if pending or remaining <= 0:
                return pending
            assert self._updates_event is not None
            self._updates_event.clear()
            try:
                await asyncio.wait_for(self._updates_event.wait(), remaining)
            except asyncio.TimeoutError:
                pass


async def _read_params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        data = dict(await request.json())
    elif request.method == "GET":
        data = dict(request.query)
    else:
        data = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
    for key in _JSON_FIELDS & data.keys():
        if isinstance(data[key], str):
            data[key] = json.loads(data[key])
    return data


def _int(value: Any) -> int:
    return int(value) if value not in (None, "") else 0


def _error(code: int, description: str, **extra: Any) -> web.Response:
    return web.json_response(
        {"ok": False, "error_code": code, "description": description, **extra}, status=code
    )


def _drop(request: web.Request) -> None:
    """Close the TCP connection without an HTTP response."""
    if request.transport is not None:
        request.transport.abort()
