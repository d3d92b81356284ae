"""Start and stop the action server and the Rasa server as one unit.

Used by `make run` (foreground, Ctrl-C stops both) and by the test suite's stack fixture.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from vssid import settings
from vssid.settings import PROJECT_ROOT

RASA = str(Path(sys.executable).with_name("rasa"))
# Generated per start in development when unset, and passed to both processes; required elsewhere.
PER_START_SECRETS = ("ACTION_SERVER_TOKEN", "OTP_SECRET")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def latest_model(models_dir: Path = PROJECT_ROOT / "models") -> Path:
    models = sorted(models_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise FileNotFoundError(f"No trained model in {models_dir}: run `make train` first.")
    return models[-1]


def redis_answers(url: str, timeout: float = 0.5) -> bool:
    """True when a Redis server answers PING at `url` within `timeout` seconds."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError, ValueError):
        return False
    finally:
        client.close()


def run_defaults(local_redis_url: str | None = None) -> dict[str, str]:
    """The lock store and worker count `make run` starts with (also what `make bench` measures).

    LOCK_STORE_URL set (even empty): as given. Unset, in development: the local Redis when it
    answers (settings.local_redis_url()), so that two Sanic workers use both cores with a shared
    lock store, shared rate limits and shared Telegram state; else Rasa's in-memory lock store and
    one process: the embedded defaults need nothing but this machine. Outside development nothing
    is guessed: a deployment names its Redis (and its password) in LOCK_STORE_URL. Workers:
    settings.sanic_workers for that lock store (2 with Redis, else 1; SANIC_WORKERS overrides).
    """
    if settings.lock_store_url_is_set() or not settings.is_development():
        lock_store = settings.lock_store_url()
    else:
        candidate = local_redis_url if local_redis_url is not None else settings.local_redis_url()
        lock_store = candidate if candidate and redis_answers(candidate) else ""
    return {"LOCK_STORE_URL": lock_store, "SANIC_WORKERS": str(settings.sanic_workers(lock_store))}


def _wait_http(url: str, proc: subprocess.Popen, timeout: float, name: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with code {proc.returncode} before it was ready")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{name} not ready at {url} after {timeout:.0f} s")


@dataclass
class Stack:
    """A running action server + Rasa server pair."""

    model: Path
    rasa_port: int = 5005
    action_port: int = 5055
    interface: str = "0.0.0.0"
    env: dict[str, str] = field(default_factory=dict)
    log_dir: Path | None = None
    enable_rest: bool = False  # Rasa's REST channel, for tests and benchmarks only
    enable_api: bool = False  # Rasa's HTTP API, for private test stacks only (ENABLE_RASA_API)
    workdir: Path = PROJECT_ROOT
    # What the processes inherit under `env`: this process's environment at each start by
    # default; a test stack passes the environment its session began with, so nothing a test
    # changed in os.environ meanwhile reaches the servers.
    base_environ: Mapping[str, str] | None = None
    _procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://127.0.0.1:{self.action_port}"

    def _environ(self) -> dict[str, str]:
        environ = {**(os.environ if self.base_environ is None else self.base_environ), **self.env}
        if self.enable_api:
            environ["ENABLE_RASA_API"] = "1"
            environ.setdefault("RASA_API_TOKEN", secrets.token_hex(24))
            self.env.setdefault("RASA_API_TOKEN", environ["RASA_API_TOKEN"])
        for name in PER_START_SECRETS:
            if not environ.get(name) and settings.is_development():
                environ[name] = self.env[name] = secrets.token_urlsafe(32)
        environ.setdefault("RASA_URL", self.url)
        environ.setdefault("PYTHONPATH", str(PROJECT_ROOT))
        environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
        environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
        return environ

    def _endpoints_file(self) -> Path:
        """endpoints.yml with this stack's action server port."""
        source = (PROJECT_ROOT / "endpoints.yml").read_text(encoding="utf-8")
        text = source.replace("http://127.0.0.1:5055/webhook", f"{self.action_url}/webhook")
        target = (self.log_dir or PROJECT_ROOT / "var") / f"endpoints-{self.rasa_port}.yml"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        return target

    def _credentials_file(self) -> Path:
        """credentials.yml, plus Rasa's REST channel when this stack is for tests or benchmarks."""
        source = PROJECT_ROOT / "credentials.yml"
        if not self.enable_rest:
            return source
        target = (self.log_dir or PROJECT_ROOT / "var") / f"credentials-{self.rasa_port}.yml"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source.read_text(encoding="utf-8") + "\nrest:\n", encoding="utf-8")
        return target

    def _spawn(self, name: str, args: list[str], environ: dict[str, str]) -> None:
        out = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            out = open(self.log_dir / f"{name}.out", "ab")  # noqa: SIM115 - closed with the process
        self._procs[name] = subprocess.Popen(
            args,
            cwd=self.workdir,
            env=environ,
            stdout=out,
            stderr=subprocess.STDOUT if out else None,
            start_new_session=True,
        )

    def start_actions(self, timeout: float = 60) -> None:
        environ = self._environ()
        # Our wrapper of rasa_sdk's app: loopback only, shared secret required (vssid/action_server.py).
        args = [
            sys.executable,
            "-m",
            "vssid.action_server",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.action_port),
        ]
        self._spawn("actions", args, environ)
        _wait_http(f"{self.action_url}/health", self._procs["actions"], timeout, "action server")

    def rasa_args(self, environ: dict[str, str]) -> list[str]:
        """The Rasa server's command line: no API switch, no secret (see vssid.rasa_main)."""
        args = [
            sys.executable,
            "-m",
            "vssid.rasa_main",
            "run",
            "-m",
            str(self.model),
            "-i",
            self.interface,
            "-p",
            str(self.rasa_port),
            "--credentials",
            str(self._credentials_file()),
            "--endpoints",
            str(self._endpoints_file()),
        ]
        origins = settings.webchat_allowed_origins(environ)
        if origins:  # otherwise no CORS headers at all: same origin only
            args += ["--cors", *origins]
        return args

    def start_rasa(self, timeout: float = 120) -> None:
        environ = self._environ()
        self._spawn("rasa", self.rasa_args(environ), environ)
        _wait_http(f"{self.url}/", self._procs["rasa"], timeout, "Rasa server")

    def start(self) -> Stack:
        self.start_actions()
        self.start_rasa()
        return self

    def stop(self, timeout: float = 20) -> None:
        for name in ("rasa", "actions"):
            proc = self._procs.pop(name, None)
            if proc is None or proc.poll() is not None:
                continue
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def signal(self, name: str, signum: int) -> None:
        """Send `signum` to process `name` ("rasa" or "actions") and its children (fault tests)."""
        os.killpg(self._procs[name].pid, signum)

    def stop_actions(self) -> None:
        """Kill the action server alone (fault tests); `start_actions()` brings it back."""
        proc = self._procs.pop("actions")
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def restart(self) -> None:
        self.stop()
        self.start()

    def wait(self) -> int:
        """Block until either server exits; return its exit code."""
        while True:
            for name, proc in self._procs.items():
                code = proc.poll()
                if code is not None:
                    print(f"{name} exited with code {code}", file=sys.stderr)
                    return code
            time.sleep(0.5)


class Runnable(Protocol):
    """What `run_until_signal` drives: a Stack, or a ScaleOut of several."""

    def start(self) -> object: ...

    def stop(self) -> None: ...

    def wait(self) -> int: ...


def run_until_signal(processes: Runnable, *, starting: str, stopping: str, banner: Callable[[], str]) -> int:
    """Start `processes` in the foreground, print `banner()` once they serve, and stop them on
    Ctrl-C / SIGTERM or when one of them exits (its exit code is returned)."""

    def _stop(signum: int, _frame: object) -> None:
        print(f"\n{stopping}", flush=True)
        processes.stop()
        sys.exit(0)

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    print(starting, flush=True)
    processes.start()
    print(banner(), flush=True)
    code = processes.wait()
    processes.stop()
    return code
