"""A Sanic app served on 127.0.0.1 in a background thread, for tests that talk real HTTP to it.

Used by the agent console's, the web chat's and the Telegram channel's test servers. The app
starts and stops as under ``rasa run``: its before/after start and stop listeners run (Sanic-CORS
and the Telegram channel hook in there).
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from sanic import Sanic

# Sanic 21.12 rewrites its own HTTP methods ("touch-up") on every app start; a second app in
# the same process then fails unless test mode keeps the original methods (as sanic-testing does).
Sanic.test_mode = True

T = TypeVar("T")
S = TypeVar("S", bound="SanicServer")


class SanicServer:
    """Serves ``app`` on a free port of 127.0.0.1; ``url`` is known before ``start()``."""

    def __init__(self, app: Sanic, *, name: str = "sanic-test") -> None:
        self.app = app
        self.name = name
        # Bound now and handed to Sanic, so no other process can take the port in between.
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, daemon=True, name=name)

    def start(self: S) -> S:
        self._thread.start()
        if not self._started.wait(15):
            raise RuntimeError(f"Sanic test server {self.name!r} did not start")
        return self

    def stop(self) -> None:
        assert self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(15)

    def call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run `coroutine` on the server's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve())
        pending = asyncio.all_tasks(self._loop)
        for task in pending:
            task.cancel()
        self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self._loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        server = await self.app.create_server(sock=self._sock, return_asyncio_server=True, access_log=False)
        await server.startup()
        await server.before_start()
        await server.after_start()
        self._started.set()
        await self._stop.wait()
        await server.before_stop()
        for connection in list(server.connections):
            connection.close_if_idle()
        await server.close()
        await server.after_stop()
