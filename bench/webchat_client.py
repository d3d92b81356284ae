"""A web chat client for the benchmarks: the widget's HTTP calls, driven by asyncio + aiohttp.

It speaks the channel's API (connectors/webchat.py) as the widget does: POST /session, then
POST /message with the cursor of the last events seen, and GET /events long polls while a page
sits open. Used by bench/load_test.py (`--channel webchat`) and bench/speed.py.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp

BASE_PATH = "/webhooks/webchat"
START_PAYLOAD = "/greet"
# The channel's per-session and per-address limits (connectors/guard.py) would refuse a benchmark's
# traffic from one address within seconds; stacks under load are started with these instead. Per
# second, not per minute: the in-memory moving window keeps every hit of its window and scans them
# all after each hit (limits' MemoryStorage), which at "1000000/minute" was 14 % of the Rasa
# process's CPU in the profile, a cost the real limits (20/minute per session) never reach.
UNLIMITED_ENV = {
    f"RATE_LIMIT_{name}": "1000000/second"
    for name in (
        "WEBCHAT_SESSION",
        "WEBCHAT_MESSAGE",
        "WEBCHAT_MESSAGE_ADDRESS",
        "WEBCHAT_READ",
        "WEBCHAT_READ_ADDRESS",
    )
}


@dataclass
class WebChatSession:
    """One widget: its session headers and the cursor after the last events it has seen."""

    base: str
    headers: dict[str, str]
    cursor: int = 0

    @classmethod
    async def open(cls, http: aiohttp.ClientSession, url: str) -> WebChatSession:
        base = url.rstrip("/") + BASE_PATH
        async with http.post(f"{base}/session") as response:
            response.raise_for_status()
            issued = await response.json()
        headers = {
            "X-Webchat-Session": issued["session_id"],
            "Authorization": f"Bearer {issued['token']}",
        }
        return cls(base=base, headers=headers)

    async def send(
        self, http: aiohttp.ClientSession, text: str, hidden: bool = False
    ) -> tuple[int, list[dict]]:
        """Send a message; return the HTTP status and the events shown in the answer."""
        body = {"text": text, "after": self.cursor, **({"hidden": True} if hidden else {})}
        async with http.post(f"{self.base}/message", json=body, headers=self.headers) as response:
            if response.status != 200:
                await response.read()
                return response.status, []
            page = await response.json()
        self.cursor = max(self.cursor, int(page["cursor"]))
        return 200, page["events"]

    async def poll(self, http: aiohttp.ClientSession) -> dict:
        """One long poll for later events (returns when something arrives or on timeout)."""
        async with http.get(f"{self.base}/events", params={"after": self.cursor}, headers=self.headers) as r:
            r.raise_for_status()
            page = await r.json()
        self.cursor = max(self.cursor, int(page["cursor"]))
        return page


async def idle_widgets(
    url: str, count: int, stop: asyncio.Event, ready: Callable[[], None] = lambda: None
) -> int:
    """Open `count` widgets (each greeted, as a page does), then keep them long-polling until
    `stop` is set; return the polls answered."""
    answered = [0]
    connector = aiohttp.TCPConnector(limit=count + 10)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        widgets = [await WebChatSession.open(http, url) for _ in range(count)]
        # As the widget does on a new conversation: the hidden start payload, so the bot greets.
        for widget in widgets:
            await widget.send(http, START_PAYLOAD, hidden=True)

        async def _loop(widget: WebChatSession) -> None:
            while not stop.is_set():
                try:
                    await widget.poll(http)
                    answered[0] += 1
                except (aiohttp.ClientError, asyncio.TimeoutError):
                    await asyncio.sleep(0.5)

        tasks = [asyncio.create_task(_loop(widget)) for widget in widgets]
        await asyncio.sleep(1.0)  # the first long polls are in
        ready()
        await stop.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return answered[0]


async def conversation_latencies(
    url: str, messages: list[str], count: int, cpu_clock: Callable[[], float] = lambda: 0.0
) -> tuple[list[float], list[float]]:
    """Send `count` messages in ONE conversation; return each message's latency and the CPU
    seconds `cpu_clock` advanced during it (e.g. the servers' CPU time), in seconds."""
    latencies, cpu = [], []
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        widget = await WebChatSession.open(http, url)
        for index in range(count):
            started, cpu_started = time.monotonic(), cpu_clock()
            status, _ = await widget.send(http, messages[index % len(messages)])
            if status != 200:
                raise RuntimeError(f"message {index + 1} answered {status}")
            latencies.append(time.monotonic() - started)
            cpu.append(cpu_clock() - cpu_started)
    return latencies, cpu
