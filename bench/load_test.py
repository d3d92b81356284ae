"""Load test of a running Rasa server through its REST channel (POST /webhooks/rest/webhook).

    python bench/load_test.py --url http://127.0.0.1:5005 --users 10 --duration 30
    python bench/load_test.py --model models/vssid-xxxx.tar.gz --users 1 10 30

Without ``--url`` it starts its own action server + Rasa server on 127.0.0.1 (vssid.launcher.Stack,
tracker store in a temporary SQLite file) with ``--model`` or the newest model in models/, and stops
them afterwards.

N simulated users (asyncio + aiohttp) send test messages one after another (a user waits for the
bot's answer before typing again, as people do), starting a new conversation (sender id) every
``--turns`` messages. The run is bounded
by ``--duration`` seconds and ``--max-requests``; only loopback addresses are accepted. Prints the
throughput and p50/p95/p99 latency; ``--json`` also writes them to a file.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import json
import random
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlparse

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from bench.webchat_client import UNLIMITED_ENV, WebChatSession  # noqa: E402

REST_PATH = "/webhooks/rest/webhook"
DEFAULT_MESSAGES = ROOT / "tests" / "nlu_test.yml"
FALLBACK_MESSAGES = [
    "xin chào",
    "quen mat khau vssid",
    "đổi số điện thoại trên vssid",
    "mat sdt dang ky vssid",
    "tra cứu mã số bhxh",
    "the bhyt cua toi con han khong",
    "tổng đài vssid là số nào",
    "cảm ơn",
]


@dataclass
class Result:
    users: int
    requests: int
    errors: int
    seconds: float
    throughput: float
    p50_ms: float
    p95_ms: float
    p99_ms: float


def require_loopback(url: str) -> None:
    """Refuse any target that is not this machine."""
    host = urlparse(url).hostname or ""
    addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    if not addresses or not all(ipaddress.ip_address(a).is_loopback for a in addresses):
        raise SystemExit(f"refusing to load-test {host!r}: only loopback addresses are allowed")


def load_messages(path: Path) -> list[str]:
    if not path.exists():
        return FALLBACK_MESSAGES
    import yaml

    messages = []
    for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
        for line in str(block.get("examples", "")).splitlines():
            text = line.strip().removeprefix("- ").strip()
            if text:
                messages.append(_strip_annotations(text))
    return messages or FALLBACK_MESSAGES


def _strip_annotations(text: str) -> str:
    """'[0912345678](phone)' -> '0912345678' (Rasa's entity markup)."""
    import re

    return re.sub(r"\[([^\]]+)\]\([^)]*\)|\[([^\]]+)\]\{[^}]*\}", lambda m: m.group(1) or m.group(2), text)


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


async def _user(
    session: aiohttp.ClientSession,
    url: str,
    user: int,
    messages: list[str],
    deadline: float,
    budget: list[int],
    latencies: list[float],
    errors: list[int],
    turns: int,
    channel: str,
) -> None:
    rng = random.Random(user)
    sent = 0
    widget: WebChatSession | None = None
    while time.monotonic() < deadline and budget[0] > 0:
        budget[0] -= 1
        # a new conversation every `turns` messages, as real users come and go
        sender = f"loadtest-{user}-{sent // turns}-{int(time.time()) // 3600}"
        new_conversation = sent % turns == 0
        sent += 1
        text = rng.choice(messages)
        try:
            if channel == "webchat":
                if widget is None or new_conversation:
                    widget = await WebChatSession.open(session, url)
                started = time.monotonic()
                status, _ = await widget.send(session, text)
            else:
                started = time.monotonic()
                payload = {"sender": sender, "message": text}
                async with session.post(url + REST_PATH, json=payload) as response:
                    await response.read()
                    status = response.status
        except (aiohttp.ClientError, asyncio.TimeoutError):
            errors[0] += 1
            continue
        if status != 200:
            errors[0] += 1
            continue
        latencies.append(time.monotonic() - started)


async def run(
    url: str,
    users: int,
    duration: float,
    max_requests: int,
    messages: list[str],
    warmup: int = 5,
    turns: int = 6,
    channel: str = "rest",
) -> Result:
    url = url.rstrip("/")
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        for text in messages[:warmup]:  # first parses trace TF graphs; keep them out of the figures
            warmup_body = {"sender": "loadtest-warmup", "message": text}
            async with session.post(url + REST_PATH, json=warmup_body) as r:
                await r.read()
        latencies: list[float] = []
        errors = [0]
        budget = [max_requests]
        started = time.monotonic()
        deadline = started + duration
        await asyncio.gather(
            *(
                _user(session, url, user, messages, deadline, budget, latencies, errors, turns, channel)
                for user in range(users)
            )
        )
        seconds = time.monotonic() - started
    ms = [latency * 1000 for latency in latencies]
    return Result(
        users=users,
        requests=len(latencies),
        errors=errors[0],
        seconds=round(seconds, 2),
        throughput=round(len(latencies) / seconds, 1) if seconds else 0.0,
        p50_ms=round(statistics.median(ms), 1) if ms else 0.0,
        p95_ms=round(percentile(ms, 95), 1),
        p99_ms=round(percentile(ms, 99), 1),
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="running Rasa server (default: start one, see --model)")
    parser.add_argument("--model", type=Path, help="model for the server started here")
    parser.add_argument("--users", type=int, nargs="+", default=[10], help="one run per value")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per run (upper bound)")
    parser.add_argument("--max-requests", type=int, default=5000, help="requests per run (upper bound)")
    parser.add_argument("--messages", type=Path, default=DEFAULT_MESSAGES, help="Rasa NLU YAML file")
    parser.add_argument("--turns", type=int, default=6, help="messages per conversation")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--channel", choices=["rest", "webchat"], default="rest", help="REST webhook or the web chat API"
    )
    args = parser.parse_args(argv)
    messages = load_messages(args.messages)
    if args.url:
        require_loopback(args.url)
        return _run_all(args, args.url, messages)
    from vssid.launcher import Stack, free_port, latest_model

    with tempfile.TemporaryDirectory(prefix="vssid-load-") as tmp:
        stack = Stack(
            model=args.model or latest_model(),
            rasa_port=free_port(),
            action_port=free_port(),
            interface="127.0.0.1",
            log_dir=Path(tmp),
            enable_rest=True,
            env={"TRACKER_STORE_URL": f"sqlite:///{tmp}/tracker.db", "LOCK_STORE_URL": "", **UNLIMITED_ENV},
        )
        print(f"model: {stack.model}")
        stack.start()
        try:
            return _run_all(args, stack.url, messages)
        finally:
            stack.stop()


def _run_all(args: argparse.Namespace, url: str, messages: list[str]) -> int:
    results = []
    print(
        f"{'users':>5} {'requests':>8} {'errors':>6} {'msg/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
    )
    for users in args.users:
        result = asyncio.run(
            run(
                url, users, args.duration, args.max_requests, messages, turns=args.turns, channel=args.channel
            ),
        )
        results.append(result)
        print(
            f"{result.users:>5} {result.requests:>8} {result.errors:>6} {result.throughput:>7} "
            f"{result.p50_ms:>8} {result.p95_ms:>8} {result.p99_ms:>8}"
        )
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
