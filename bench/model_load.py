"""Model load time and memory of a `rasa run` process.

    python bench/model_load.py --model models/vssid-xxxx.tar.gz --runs 3

For each run: start `rasa run` on 127.0.0.1 (API on loopback only, REST channel only, no action
server), time until ``GET /status`` names the loaded model ("ready"), send a few messages through the
REST channel (the first parses trace TensorFlow graphs), then read the resident memory (VmRSS of the
process and its children) and stop the process. Also times ``Agent.load`` alone in a fresh
interpreter ("load"), which excludes Python/TensorFlow imports. Prints each run and the medians.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WARMUP_MESSAGES = ["xin chào", "quen mat khau vssid", "đổi sđt vssid", "tra cứu mã số bhxh", "cảm ơn"]
AGENT_LOAD_SNIPPET = """
import sys, time
import rasa.core.agent
started = time.monotonic()
rasa.core.agent.Agent.load(sys.argv[1])
print(time.monotonic() - started)
"""


def newest_model(folder: Path) -> Path:
    models = sorted(folder.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise SystemExit(f"no model in {folder}: run `make train` first")
    return models[-1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _process_tree(*pids: int) -> Iterator[int]:
    """`pids` and all their descendants that are still running."""
    pending = list(pids)
    while pending:
        current = pending.pop()
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        yield current
        pending.extend(int(child) for child in children)


def _rss_kb(pid: int) -> int:
    """Resident memory of one process in kB (0 once it has exited)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        return next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
    except (FileNotFoundError, StopIteration, ProcessLookupError):
        return 0


def rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB."""
    return sum(_rss_kb(current) for current in _process_tree(pid)) / 1024


def largest_rss_mb(pid: int) -> float:
    """Resident memory of the largest process among `pid` and its descendants, in MB (the budget
    is per Rasa process: with Sanic workers each worker holds its own model)."""
    return max((_rss_kb(current) for current in _process_tree(pid)), default=0) / 1024


def cpu_seconds(*pids: int) -> float:
    """CPU time (user + system) used so far by processes and their descendants, in seconds.

    On a shared machine wall-clock latencies depend on the neighbours; the CPU a message costs
    our own processes much less."""
    ticks = 0
    for current in _process_tree(*pids):
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rpartition(")")[2].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=2) as response:
        return json.loads(response.read())


def _post(url: str, payload: dict) -> None:
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


def measure_server(
    model: Path, timeout: float = 180.0, extra_env: dict[str, str] | None = None
) -> dict[str, float]:
    port = free_port()
    # Rasa's REST channel is kept out of credentials.yml on purpose; add it to a private copy.
    credentials = Path(tempfile.mkdtemp(prefix="vssid-model-load-")) / "credentials.yml"
    credentials.write_text("rest:\n", encoding="utf-8")
    rasa = str(Path(sys.executable).with_name("rasa"))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2", **(extra_env or {})}
    started = time.monotonic()
    process = subprocess.Popen(
        [
            rasa,
            "run",
            "--model",
            str(model),
            "--interface",
            "127.0.0.1",
            "--port",
            str(port),
            "--enable-api",
            "--credentials",
            str(credentials),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        ready = None
        while time.monotonic() - started < timeout:
            if process.poll() is not None:
                raise SystemExit(f"rasa run exited with {process.returncode}")
            try:
                if _get_json(f"{base}/status").get("model_file"):
                    ready = time.monotonic() - started
                    break
            except OSError:
                pass
            time.sleep(0.2)
        if ready is None:
            raise SystemExit(f"rasa run not ready after {timeout} s")
        rss_ready = rss_mb(process.pid)
        for text in WARMUP_MESSAGES * 2:
            _post(f"{base}/webhooks/rest/webhook", {"sender": "model-load-bench", "message": text})
        rss_warm = rss_mb(process.pid)
        return {"ready_s": round(ready, 1), "rss_ready_mb": round(rss_ready), "rss_mb": round(rss_warm)}
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def measure_agent_load(model: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2"}
    output = subprocess.run(
        [sys.executable, "-c", AGENT_LOAD_SNIPPET, str(model)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return round(float(output.strip().splitlines()[-1]), 1)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="model archive (default: newest in models/)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the medians here")
    parser.add_argument(
        "--env",
        nargs="*",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for `rasa run` (e.g. MALLOC_ARENA_MAX=2)",
    )
    args = parser.parse_args(argv)
    model = args.model or newest_model(ROOT / "models")
    print(f"model: {model}")
    runs = []
    for index in range(args.runs):
        run = measure_server(model, extra_env=dict(item.split("=", 1) for item in args.env))
        run["agent_load_s"] = measure_agent_load(model)
        runs.append(run)
        print(
            f"run {index + 1}: ready {run['ready_s']} s, Agent.load {run['agent_load_s']} s, "
            f"RSS {run['rss_ready_mb']} MB at ready / {run['rss_mb']} MB after warm-up"
        )
    medians = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    print("median: " + ", ".join(f"{key} {value}" for key, value in medians.items()))
    if args.json:
        args.json.write_text(json.dumps({"model": str(model), "runs": runs, "median": medians}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
