"""`make bench`: issue 11's speed targets, ours against a stock `rasa init` bot, in one run.

    python bench/speed.py [--model M] [--duration 20] [--idle 200] [--long 200] [--json FILE]
                          [--redis redis://127.0.0.1:6379/N] [--skip-stock]

- **stock**: the bot `rasa init --no-prompt` creates and trains (cached as
  models/stock/rasa-init-<rasa version>.tar.gz, a folder `latest_model` does not look in; training
  it takes minutes, once), served by
  `rasa run` with Rasa's REST channel and in-memory tracker store, as the issue measured it.
- **ours**: what `make run` starts (vssid.launcher.Stack: action server + Rasa server, web chat
  channel, SQLite tracker store), with `make run`'s choice of lock store and workers
  (`vssid.launcher.run_defaults`): when a Redis answers at `--redis` (default db 5 of the local
  one), two Sanic workers on it; else one process with the in-memory lock store. Driven through
  the web chat API.
- Steps (closed loop: a user waits for the answer before the next message; `--duration` s each):
  1 user (p50), 10 users (throughput, p95), RSS of the Rasa process after that, start → served;
  ours again at 10 users with `--idle` open widgets long-polling in another process; one
  conversation of `--long` FAQ messages (message N vs message 1: median of the last 10 vs the
  first 10; and the CPU time our processes spent per message, first 10 vs last 10). When `make run`
  would use Redis, ours again at 10 users as one process without it. With
  `--scale-out POSTGRESQL_URL --redis URL`: 10 users through nginx to 1, then 2 replicas
  (vssid/scale.py, as `make scale-demo`).
Prints a table against the targets; absolute times depend on the machine and its load, the ratios
are measured in the same run. CPU figures (user + system time of the servers, from /proc, per
answered message) depend much less on what else runs on the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from bench.load_test import DEFAULT_MESSAGES, Result, load_messages, run  # noqa: E402
from bench.model_load import cpu_seconds, free_port, largest_rss_mb, rss_mb  # noqa: E402
from bench.webchat_client import UNLIMITED_ENV, conversation_latencies  # noqa: E402

RASA = str(Path(sys.executable).with_name("rasa"))
# The local Redis as `make run` finds it (settings.local_redis_url()), on a database of its own.
BENCH_REDIS_URL = "redis://127.0.0.1:6379/5"


@dataclass
class Figures:
    name: str
    ready_s: float = 0.0
    one_user: Result | None = None
    ten_users: Result | None = None
    rss_mb: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)


def rasa_version() -> str:
    import rasa

    return rasa.__version__


def stock_model(models_dir: Path) -> tuple[Path, float | None]:
    """The stock `rasa init` model, trained here once; returns it and the training time if trained now."""
    target = models_dir / f"rasa-init-{rasa_version()}.tar.gz"
    if target.exists():
        return target, None
    with tempfile.TemporaryDirectory(prefix="vssid-stock-") as tmp:
        started = time.monotonic()
        subprocess.run(
            [RASA, "init", "--no-prompt", "--init-dir", tmp],
            cwd=tmp,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
        )
        seconds = time.monotonic() - started
        trained = sorted(Path(tmp, "models").glob("*.tar.gz"))
        if not trained:
            raise SystemExit("rasa init trained no model")
        models_dir.mkdir(parents=True, exist_ok=True)
        shutil.copy(trained[-1], target)
    return target, seconds


def _ready(url: str, process: subprocess.Popen, timeout: float) -> float:
    import urllib.request

    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise SystemExit(f"rasa run exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/status", timeout=2) as response:
                if json.loads(response.read()).get("model_file"):
                    return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"rasa run not ready after {timeout} s")


def measure_stock(model: Path, messages: list[str], duration: float) -> Figures:
    figures = Figures("stock `rasa init` (REST, in-memory tracker)")
    with tempfile.TemporaryDirectory(prefix="vssid-stock-run-") as tmp:
        credentials = Path(tmp, "credentials.yml")
        credentials.write_text("rest:\n", encoding="utf-8")
        port = free_port()
        process = subprocess.Popen(
            [
                RASA,
                "run",
                "-m",
                str(model),
                "-i",
                "127.0.0.1",
                "-p",
                str(port),
                "--enable-api",
                "--credentials",
                str(credentials),
            ],
            cwd=tmp,
            env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            figures.ready_s = round(_ready(url, process, 300), 1)
            figures.one_user = asyncio.run(run(url, 1, duration, 100000, messages, channel="rest"))
            cpu_started = cpu_seconds(process.pid)
            figures.ten_users = asyncio.run(run(url, 10, duration, 100000, messages, channel="rest"))
            figures.extra["cpu_ms"] = _cpu_ms(cpu_seconds(process.pid) - cpu_started, figures.ten_users)
            figures.rss_mb = round(rss_mb(process.pid))
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(30)
    return figures


def _idle_widgets(url: str, count: int) -> subprocess.Popen:
    code = (
        "import asyncio, sys\n"
        "from bench.webchat_client import idle_widgets\n"
        "async def main():\n"
        "    stop = asyncio.Event()\n"
        "    asyncio.get_running_loop().add_reader(sys.stdin.fileno(), stop.set)\n"
        "    ready = lambda: print('ready', flush=True)\n"
        f"    print(await idle_widgets({url!r}, {count}, stop, ready), flush=True)\n"
        "asyncio.run(main())\n"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def _wait_for_line(process: subprocess.Popen, expected: str) -> None:
    line = process.stdout.readline().strip()
    if line != expected:
        raise SystemExit(f"idle widgets failed to start: {line!r}")


def measure_ours(
    model: Path,
    messages: list[str],
    faq_messages: list[str],
    duration: float,
    idle: int,
    long: int,
    env: dict[str, str] | None = None,
    name: str = "ours (web chat, SQLite tracker)",
    full: bool = True,
) -> Figures:
    from vssid.launcher import Stack

    figures = Figures(name)
    with tempfile.TemporaryDirectory(prefix="vssid-speed-") as tmp:
        stack = Stack(
            model=model,
            rasa_port=free_port(),
            action_port=free_port(),
            interface="127.0.0.1",
            log_dir=Path(tmp),
            env={
                "TRACKER_STORE_URL": f"sqlite:///{tmp}/tracker.db",
                "LOCK_STORE_URL": "",
                **UNLIMITED_ENV,
                **(env or {}),
            },
        )
        try:
            stack.start_actions()
            started = time.monotonic()
            stack.start_rasa(timeout=300)
            figures.ready_s = round(time.monotonic() - started, 1)
            url = stack.url
            pids = (stack._procs["rasa"].pid, stack._procs["actions"].pid)
            if full:
                figures.one_user = asyncio.run(run(url, 1, duration, 100000, messages, channel="webchat"))
            cpu_started = cpu_seconds(*pids)
            figures.ten_users = asyncio.run(run(url, 10, duration, 100000, messages, channel="webchat"))
            figures.extra["cpu_ms"] = _cpu_ms(cpu_seconds(*pids) - cpu_started, figures.ten_users)
            figures.rss_mb = round(largest_rss_mb(stack._procs["rasa"].pid))
            figures.extra["rss_total_mb"] = round(rss_mb(stack._procs["rasa"].pid))
            if full and idle:
                widgets = _idle_widgets(url, idle)
                _wait_for_line(widgets, "ready")  # every widget greeted and long-polling
                loaded = asyncio.run(run(url, 10, duration, 100000, messages, channel="webchat"))
                widgets.stdin.close()
                polls = widgets.stdout.read().strip()
                widgets.wait(60)
                figures.extra["idle_throughput"] = loaded.throughput
                figures.extra["idle_p95_ms"] = loaded.p95_ms
                figures.extra["idle_polls_answered"] = float(polls or 0)
            if full and long:
                latencies, cpu = asyncio.run(
                    conversation_latencies(url, faq_messages, long, lambda: cpu_seconds(*pids))
                )
                first = statistics.median(latencies[:10]) * 1000
                last = statistics.median(latencies[-10:]) * 1000
                figures.extra["first_ms"] = round(first, 1)
                figures.extra["last_ms"] = round(last, 1)
                # CPU clocks tick every 10 ms: the mean of 10 messages, not their median.
                figures.extra["first_cpu_ms"] = round(statistics.mean(cpu[:10]) * 1000, 1)
                figures.extra["last_cpu_ms"] = round(statistics.mean(cpu[-10:]) * 1000, 1)
        finally:
            stack.stop()
    return figures


def measure_scale_out(
    model: Path, messages: list[str], duration: float, database: str, redis_url: str
) -> dict:
    """Throughput at 10 users through nginx: one replica, then two (same PostgreSQL + Redis)."""
    from vssid.launcher import free_port
    from vssid.scale import ScaleOut

    env = {
        "DATABASE_URL": database,
        "TRACKER_STORE_URL": database,
        "LOCK_STORE_URL": redis_url,
        **UNLIMITED_ENV,
    }
    subprocess.run(
        [sys.executable, "-m", "vssid.db.manage", "upgrade"], cwd=ROOT, env={**os.environ, **env}, check=True
    )
    figures = {}
    for replicas in (1, 2):
        with tempfile.TemporaryDirectory(prefix="vssid-scale-") as tmp:
            demo = ScaleOut(
                model=model,
                env=env,
                run_dir=Path(tmp),
                nginx_port=free_port(),
                rasa_ports=[free_port() for _ in range(replicas)],
                action_ports=[free_port() for _ in range(replicas)],
            )
            demo.start()
            try:
                result = asyncio.run(run(demo.url, 10, duration, 100000, messages, channel="webchat"))
            finally:
                demo.stop()
            figures[replicas] = result
            print(f"{replicas} replica(s) behind nginx: {result.throughput} msg/s, p95 {result.p95_ms} ms")
    return figures


def _cpu_ms(seconds: float, result: Result) -> float:
    """CPU milliseconds per answered message."""
    return round(1000 * seconds / max(result.requests, 1), 1)


def faq_only(path: Path) -> list[str]:
    """The FAQ questions of an NLU file (one long conversation of them stays in plain FAQ turns)."""
    import yaml

    from bench.load_test import _strip_annotations

    texts = []
    for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
        if str(block.get("intent", "")).startswith("faq"):
            for line in str(block.get("examples", "")).splitlines():
                text = line.strip().removeprefix("- ").strip()
                if text:
                    texts.append(_strip_annotations(text))
    return texts


def _row(what: str, ours: str, stock: str, target: str, ok: bool | None) -> str:
    mark = "" if ok is None else (" ✔" if ok else " ✘")
    return f"| {what} | {ours} | {stock} | {target}{mark} |"


def table(
    ours: Figures, stock: Figures | None, one: Figures | None, train_s: float | None, setup: str = ""
) -> str:
    lines = [
        f"| | ours ({setup}) | stock | target |" if setup else "| | ours | stock | target |",
        "|---|---|---|---|",
    ]
    s1, s10 = (stock.one_user, stock.ten_users) if stock else (None, None)
    o1, o10 = ours.one_user, ours.ten_users
    ratio = o10.throughput / s10.throughput if s10 and s10.throughput else None
    lines.append(
        _row(
            "throughput, 10 users (msg/s)",
            f"{o10.throughput}",
            f"{s10.throughput}" if s10 else "—",
            f"≥ 1.5× stock (= {ratio:.2f}×)" if ratio else "≥ 1.5× stock",
            ratio >= 1.5 if ratio else None,
        )
    )
    lines.append(
        _row(
            "p95, 10 users (ms)", f"{o10.p95_ms}", f"{s10.p95_ms}" if s10 else "—", "≤ 250", o10.p95_ms <= 250
        )
    )
    if "cpu_ms" in ours.extra:
        lines.append(
            _row(
                "CPU per message, 10 users (ms; Rasa + action server)",
                f"{ours.extra['cpu_ms']}",
                f"{stock.extra['cpu_ms']} (Rasa)" if stock and "cpu_ms" in stock.extra else "—",
                "",
                None,
            )
        )
    lines.append(
        _row(
            "p50, 1 user (ms)",
            f"{o1.p50_ms}",
            f"{s1.p50_ms}" if s1 else "—",
            "≤ stock",
            o1.p50_ms <= s1.p50_ms if s1 else None,
        )
    )
    lines.append(
        _row(
            "Rasa RSS after load (MB; largest process)",
            f"{ours.rss_mb:.0f}"
            + (
                f" ({ours.extra['rss_total_mb']:.0f} in all)"
                if ours.extra.get("rss_total_mb", 0) > ours.rss_mb + 50
                else ""
            ),
            f"{stock.rss_mb:.0f}" if stock else "—",
            "≤ 800",
            ours.rss_mb <= 800,
        )
    )
    lines.append(
        _row(
            "start → served (s)",
            f"{ours.ready_s}",
            f"{stock.ready_s}" if stock else "—",
            "≤ 10",
            ours.ready_s <= 10,
        )
    )
    if train_s is not None:
        lines.append(_row("full training (s)", f"{train_s:.0f}", "", "≤ 180", train_s <= 180))
    if "idle_throughput" in ours.extra:
        share = 1 - ours.extra["idle_throughput"] / o10.throughput
        lines.append(
            _row(
                "200 idle widgets: throughput lost",
                f"{100 * share:.0f} % ({ours.extra['idle_throughput']} msg/s)",
                "",
                "< 10 %",
                share < 0.10,
            )
        )
    if "last_ms" in ours.extra:
        growth = ours.extra["last_ms"] / ours.extra["first_ms"]
        lines.append(
            _row(
                "message 200 vs message 1",
                f"{growth:.2f}× ({ours.extra['last_ms']} / {ours.extra['first_ms']} ms)",
                "",
                "< 1.5×",
                growth < 1.5,
            )
        )
    if "last_cpu_ms" in ours.extra:
        growth = ours.extra["last_cpu_ms"] / max(ours.extra["first_cpu_ms"], 0.1)
        lines.append(
            _row(
                "message 200 vs message 1, CPU (mean of last 10 / first 10; Rasa + action server)",
                f"{growth:.2f}× ({ours.extra['last_cpu_ms']} / {ours.extra['first_cpu_ms']} ms)",
                "",
                "< 1.5×",
                growth < 1.5,
            )
        )
    if one is not None and one.ten_users:
        r1 = one.ten_users.throughput / s10.throughput if s10 and s10.throughput else None
        lines.append(
            _row(
                "… one process, in-memory lock store (no Redis), 10 users",
                f"{one.ten_users.throughput} msg/s"
                + (f" ({r1:.2f}× stock)" if r1 else "")
                + f", p95 {one.ten_users.p95_ms} ms, RSS {one.rss_mb:.0f} MB",
                "",
                "",
                None,
            )
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="our model (default: newest vssid-*.tar.gz in models/)")
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--idle", type=int, default=200, help="open widgets for the idle-widget step")
    parser.add_argument("--long", type=int, default=200, help="messages of the long conversation")
    parser.add_argument(
        "--redis",
        help=f"the Redis `make run` would find (default {BENCH_REDIS_URL}); ours runs as `make run` "
        "starts it: 2 workers on it when it answers, then also one process without it",
    )
    parser.add_argument("--skip-stock", action="store_true")
    parser.add_argument(
        "--scale-out",
        metavar="POSTGRESQL_URL",
        help="also measure 1 vs 2 replicas behind nginx on this database (needs --redis, nginx)",
    )
    parser.add_argument("--only-scale-out", action="store_true", help="measure only the scale-out step")
    parser.add_argument("--train-seconds", type=float, help="full training time to show (scripts/train.py)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    from vssid.launcher import latest_model

    models_dir = ROOT / "models"
    model = args.model or latest_model(models_dir)
    messages = load_messages(DEFAULT_MESSAGES)
    faq = faq_only(DEFAULT_MESSAGES)
    print(
        f"ours: {model}; load average {os.getloadavg()[0]:.1f}; "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )
    if args.scale_out:
        if not args.redis:
            raise SystemExit("--scale-out needs --redis")
        scale = measure_scale_out(model, messages, args.duration, args.scale_out, args.redis)
        gain = scale[2].throughput / scale[1].throughput if scale[1].throughput else 0.0
        print(
            f"| 2 replicas behind nginx vs 1, 10 users | {scale[2].throughput} vs "
            f"{scale[1].throughput} msg/s ({gain:.2f}×) | | |"
        )
        if args.only_scale_out:
            return 0
    stock = None
    if not args.skip_stock:
        stock_path, trained = stock_model(models_dir / "stock")
        print(f"stock: {stock_path}" + (f" (trained now in {trained:.0f} s)" if trained else ""))
        stock = measure_stock(stock_path, messages, args.duration)
    from vssid.launcher import run_defaults

    defaults = run_defaults(local_redis_url=args.redis or BENCH_REDIS_URL)
    setup = f"{defaults['SANIC_WORKERS']} Sanic worker(s), " + (
        f"Redis lock store ({defaults['LOCK_STORE_URL']})"
        if defaults["LOCK_STORE_URL"]
        else "in-memory lock store"
    )
    print(f"ours as `make run` starts it here: {setup}")
    ours = measure_ours(
        model, messages, faq, args.duration, args.idle, args.long, env=defaults, name=f"ours ({setup})"
    )
    one = None
    if defaults["SANIC_WORKERS"] != "1":
        one = measure_ours(
            model,
            messages,
            faq,
            args.duration,
            0,
            0,
            env={"SANIC_WORKERS": "1", "LOCK_STORE_URL": ""},
            name="ours, one process, in-memory lock store (no Redis)",
            full=False,
        )
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    print(table(ours, stock, one, args.train_seconds, setup))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps([asdict(f) for f in (ours, stock, one) if f is not None], indent=2, default=str)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
