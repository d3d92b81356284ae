"""Where one web chat message spends its time: py-spy over a running Rasa server.

    python bench/profile_message.py --seconds 30 [--model M] [--out results/profile]

Starts the action server + Rasa server as `make run` does without a Redis (one process, SQLite
tracker store, in-memory lock store: py-spy follows one process), sends web chat messages from one
user, one after another, while `py-spy record` samples the Rasa process (py-spy==0.4.3, pinned in
requirements.txt; needs ptrace, i.e. root or CAP_SYS_PTRACE). Writes the collapsed stacks and
prints the share of samples per bucket (frames matched by substring, first match from the top of
the table wins).
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
from bench.webchat_client import UNLIMITED_ENV, WebChatSession  # noqa: E402

PY_SPY = str(Path(sys.executable).with_name("py-spy"))
# (bucket, substrings of a frame "function (file:line)"); the first bucket found in a stack wins.
BUCKETS = [
    ("NLU: response selector", ["response_selector.py"]),
    ("NLU: rest of the parse", ["_parse_message_with_graph"]),
    ("custom action response validation", ["_validate_action_result", "validate_action_result"]),
    ("tracker store: save", ["save (rasa/core/tracker_store.py", "save (vssid/stores.py"]),
    ("tracker store: retrieve + session", ["fetch_tracker_and_update_session", "get_tracker (rasa/core"]),
    ("policies: predict next action", ["_predict_next_with_tracker"]),
    ("web chat: read events", ["read_event_rows", "_read_events"]),
    ("lock store", ["lock_store.py"]),
]
# Leaf frames of a thread that waits (event loop select, idle worker threads).
IDLE_LEAVES = (
    "_worker (concurrent/futures/thread.py",
    "serve (sanic/server/runners.py",
    "select (",
    "wait (",
)


def summarise(collapsed: Path) -> tuple[int, list[tuple[str, float]]]:
    """Busy samples, and the share of each bucket in them."""
    totals: collections.Counter[str] = collections.Counter()
    for line in collapsed.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        frames = stack.split(";")
        if frames[-1].startswith(IDLE_LEAVES):
            continue
        for bucket, needles in BUCKETS:
            if any(needle in frame for frame in frames for needle in needles):
                totals[bucket] += int(count_text)
                break
        else:
            totals["other (Sanic, HTTP, JSON, actions' call)"] += int(count_text)
    busy = sum(totals.values())
    return busy, [(bucket, 100.0 * count / busy) for bucket, count in totals.most_common()]


async def _talk(url: str, messages: list[str], seconds: float, turns: int) -> int:
    rng = random.Random(1)
    sent = 0
    deadline = time.monotonic() + seconds
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
        widget = await WebChatSession.open(http, url)
        while time.monotonic() < deadline:
            if sent and sent % turns == 0:
                widget = await WebChatSession.open(http, url)
            status, _ = await widget.send(http, rng.choice(messages))
            if status != 200:
                raise RuntimeError(f"message {sent + 1} answered {status}")
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
            env={"TRACKER_STORE_URL": f"sqlite:///{tmp}/tracker.db", "LOCK_STORE_URL": "", **UNLIMITED_ENV},
        )
        stack.start()
        try:
            asyncio.run(_talk(stack.url, messages, 5, args.turns))  # warm-up
            collapsed = args.out / "rasa.collapsed"
            spy = subprocess.Popen(
                [
                    PY_SPY,
                    "record",
                    "--pid",
                    str(stack._procs["rasa"].pid),
                    "--format",
                    "raw",
                    "--rate",
                    "200",
                    "--duration",
                    str(int(args.seconds)),
                    "--output",
                    str(collapsed),
                    "--idle",
                    "--nonblocking",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(1)
            sent = asyncio.run(_talk(stack.url, messages, args.seconds - 2, args.turns))
            spy.wait()
        finally:
            stack.stop()
    print(f"{sent} messages in {args.seconds - 2:.0f} s ({sent / (args.seconds - 2):.1f} msg/s), one user")
    busy, shares = summarise(collapsed)
    print(f"busy samples: {busy} ({busy / max(sent, 1):.0f} per message)")
    for bucket, share in shares:
        print(f"{share:6.1f} %  {bucket}")
    print(f"collapsed stacks: {collapsed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
