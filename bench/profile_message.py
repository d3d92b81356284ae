"""Where one web chat message spends its time: py-spy over a running Rasa server.

    python bench/profile_message.py --seconds 30 [--model M] [--out results/profile]

Starts the action server + Rasa server as `make run` does (SQLite tracker store, in-memory lock
store), sends web chat messages from one user, one after another, while `py-spy record` samples
the Rasa process (py-spy==0.4.3, pinned in requirements.txt; needs ptrace, i.e. root or
CAP_SYS_PTRACE). Writes the collapsed stacks and prints the share of samples per bucket (frames
matched by substring, first match from the top of the table wins).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from bench.load_test import DEFAULT_MESSAGES, load_messages  # noqa: E402
from bench.webchat_client import WebChatSession  # noqa: E402

PY_SPY = str(Path(sys.executable).with_name("py-spy"))
# (bucket, substrings of a frame "function (file)"); the first bucket with a frame in the stack wins.
BUCKETS = [
    ("web chat: read events from the tracker store", ["webchat.py:_read_events", "conversation_events", "events_after_id"]),
    ("NLU: parse the message (graph run)", ["parse_message", "_parse_message_with_graph"]),
    ("policies: predict next action", ["predict_next_with_tracker_if_should", "_predict_next_with_tracker"]),
    ("custom action HTTP call", ["RemoteAction.run", "action.py:run"]),
    ("tracker store: retrieve (load + replay events)", ["tracker_store.py:_retrieve", "get_or_create_tracker"]),
    ("tracker store: save", ["tracker_store.py:save", "save_tracker"]),
    ("lock store", ["lock_store.py"]),
    ("Sanic / HTTP / asyncio loop", ["sanic", "asyncio", "uvloop", "httptools"]),
]


def summarise(collapsed: Path) -> list[tuple[str, float]]:
    totals: collections.Counter[str] = collections.Counter()
    all_samples = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        count = int(count_text)
        frames = stack.split(";")
        if any("idle" in f or "select (selectors" in f or "epoll" in f for f in frames[-1:]):
            totals["idle (waiting for I/O)"] += count
            all_samples += count
            continue
        all_samples += count
        for bucket, needles in BUCKETS:
            if any(needle in frame for frame in frames for needle in needles):
                totals[bucket] += count
                break
        else:
            totals["other"] += count
    return [(bucket, 100.0 * count / all_samples) for bucket, count in totals.most_common()]


async def _talk(url: str, messages: list[str], seconds: float, turns: int) -> int:
    rng = random.Random(1)
    sent = 0
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
        widget = await WebChatSession.open(http, url)
        while time.monotonic() < deadline:
            if sent and sent % turns == 0:
                widget = await WebChatSession.open(http, url)
            await widget.send(http, rng.choice(messages))
            sent += 1
    return sent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--turns", type=int, default=6)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "profile")
    args = parser.parse_args()
    from vssid.launcher import Stack, free_port, latest_model

    messages = load_messages(DEFAULT_MESSAGES)
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="vssid-profile-") as tmp:
        stack = Stack(
            model=args.model or latest_model(),
            rasa_port=free_port(),
            action_port=free_port(),
            interface="127.0.0.1",
            log_dir=Path(tmp),
            env={"TRACKER_STORE_URL": f"sqlite:///{tmp}/tracker.db", "LOCK_STORE_URL": ""},
        )
        stack.start()
        try:
            asyncio.run(_talk(stack.url, messages, 5, args.turns))  # warm-up
            collapsed = args.out / "rasa.collapsed"
            spy = subprocess.Popen(
                [PY_SPY, "record", "--pid", str(stack._procs["rasa"].pid), "--format", "raw",
                 "--rate", "200", "--duration", str(int(args.seconds)), "--output", str(collapsed),
                 "--idle", "--nonblocking"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(1)
            sent = asyncio.run(_talk(stack.url, messages, args.seconds - 2, args.turns))
            spy.wait()
        finally:
            stack.stop()
    print(f"{sent} messages in {args.seconds - 2:.0f} s ({sent / (args.seconds - 2):.1f} msg/s), one user")
    for bucket, share in summarise(collapsed):
        print(f"{share:6.1f} %  {bucket}")
    print(f"collapsed stacks: {collapsed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
