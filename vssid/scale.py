"""Several Rasa servers and action servers behind nginx, on one machine (`make scale-demo`, tests).

Every replica pair (Rasa server + its action server, vssid.launcher.Stack) gets the same shared
environment: TRACKER_STORE_URL and DATABASE_URL on PostgreSQL, LOCK_STORE_URL on Redis, one
WEBCHAT_SECRET. nginx (deploy/nginx.conf, rendered here) balances the Rasa servers.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from vssid.launcher import Stack
from vssid.settings import PROJECT_ROOT, is_redis_url

NGINX_TEMPLATE = PROJECT_ROOT / "deploy" / "nginx.conf"
NGINX_CANDIDATES = ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx")


def find_nginx() -> str | None:
    """The nginx binary, or None when it is not installed (`make nginx` installs Debian's)."""
    found = shutil.which("nginx")
    if found:
        return found
    return next((path for path in NGINX_CANDIDATES if os.access(path, os.X_OK)), None)


def render_nginx_conf(listen: str, upstreams: list[str], run_dir: Path) -> str:
    """deploy/nginx.conf with its placeholders filled."""
    servers = "\n".join(f"        server {address} max_fails=1 fail_timeout=5s;" for address in upstreams)
    return (
        NGINX_TEMPLATE.read_text(encoding="utf-8")
        .replace("@RUN_DIR@", str(run_dir))
        .replace("@RASA_SERVERS@", servers)
        .replace("@LISTEN@", listen)
    )


def missing_shared_stores(env: dict[str, str]) -> list[str]:
    """What a scale-out lacks: replicas need PostgreSQL stores and a Redis lock store."""
    missing = []
    for name in ("TRACKER_STORE_URL", "DATABASE_URL"):
        if not env.get(name, "").startswith("postgresql"):
            missing.append(f"{name}=postgresql://...")
    if not is_redis_url(env.get("LOCK_STORE_URL", "")):
        missing.append("LOCK_STORE_URL=redis://...")
    return missing


@dataclass
class ScaleOut:
    """`replicas` Rasa + action server pairs and one nginx in front of them."""

    model: Path
    env: dict[str, str]
    run_dir: Path
    nginx_port: int = 18080
    rasa_ports: list[int] = field(default_factory=lambda: [15005, 15006])
    action_ports: list[int] = field(default_factory=lambda: [15055, 15056])
    enable_rest: bool = False
    stacks: list[Stack] = field(default_factory=list)
    _nginx: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.nginx_port}"

    def start(self) -> ScaleOut:
        missing = missing_shared_stores(self.env)
        if missing:
            raise RuntimeError("a scale-out needs shared stores: set " + ", ".join(missing))
        nginx = find_nginx()
        if nginx is None:
            raise RuntimeError("nginx is not installed: run `make nginx` (Debian's nginx-light)")
        # Every replica must share its secrets (signed web sessions, OTP and tracker-store keys,
        # the action servers' token), and trusts nginx's X-Forwarded-For.
        shared = {
            "WEBCHAT_SECRET": secrets.token_urlsafe(32),
            "RASA_API_TOKEN": secrets.token_hex(24),
            "OTP_SECRET": secrets.token_urlsafe(32),
            "ACTION_SERVER_TOKEN": secrets.token_urlsafe(32),
            "PROXIES_COUNT": "1",
        }
        env = {**shared, **self.env, "RASA_URL": self.url}
        self.run_dir.mkdir(parents=True, exist_ok=True)
        try:
            for index, (rasa_port, action_port) in enumerate(
                zip(self.rasa_ports, self.action_ports, strict=True)
            ):
                stack = Stack(
                    model=self.model,
                    rasa_port=rasa_port,
                    action_port=action_port,
                    interface="127.0.0.1",
                    env=dict(env),
                    log_dir=self.run_dir / f"replica-{index + 1}",
                    enable_rest=self.enable_rest,
                )
                self.stacks.append(stack)
                stack.start_actions()
            for stack in self.stacks:  # Rasa servers after the action servers: one model load at a time
                stack.start_rasa(timeout=300)
            self._start_nginx(nginx)
        except BaseException:
            self.stop()
            raise
        return self

    def _start_nginx(self, nginx: str) -> None:
        conf = self.run_dir / "nginx.conf"
        upstreams = [f"127.0.0.1:{port}" for port in self.rasa_ports]
        conf.write_text(
            render_nginx_conf(f"127.0.0.1:{self.nginx_port}", upstreams, self.run_dir), encoding="utf-8"
        )
        self._nginx = subprocess.Popen(
            [nginx, "-p", str(self.run_dir), "-c", str(conf), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=open(self.run_dir / "nginx.out", "ab"),  # noqa: SIM115 - closed with the process
            start_new_session=True,
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self._nginx.poll() is not None:
                raise RuntimeError(
                    f"nginx exited with {self._nginx.returncode}: see {self.run_dir}/nginx.out"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/webhooks/webchat/health", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        raise TimeoutError("nginx did not answer")

    def stop(self) -> None:
        if self._nginx is not None and self._nginx.poll() is None:
            os.killpg(self._nginx.pid, signal.SIGTERM)
            try:
                self._nginx.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self._nginx.pid, signal.SIGKILL)
        self._nginx = None
        for stack in self.stacks:
            stack.stop()
        self.stacks.clear()

    def wait(self) -> int:
        """Block until a process exits; return its code."""
        while True:
            if self._nginx is not None and self._nginx.poll() is not None:
                return self._nginx.returncode
            for stack in self.stacks:
                for proc in stack._procs.values():
                    if proc.poll() is not None:
                        return proc.returncode
            time.sleep(0.5)
