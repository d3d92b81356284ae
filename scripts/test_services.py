"""Find (and start, where this machine allows) the PostgreSQL and Redis the test suite uses.

`make test` runs `eval "$(python scripts/test_services.py)"` before pytest. This prints `export`
lines on stdout (messages go to stderr):

- TEST_DATABASE_URL defaults to postgresql://postgres@127.0.0.1:5432/test and TEST_REDIS_URL to
  redis://127.0.0.1:6379/0, only when they are not set at all (set them empty to run on SQLite and
  the in-memory lock store on purpose).
- A service that does not answer is started when it lives on 127.0.0.1 and this machine has the
  Debian packages (pg_ctlcluster, redis-server); the database named by TEST_DATABASE_URL is
  created when missing.
- A service that still does not answer: with CI=true that is an error (exit 1); otherwise the
  variable is exported empty and the suite runs on SQLite / in-memory, as the summary line says.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

DEFAULTS = {
    "TEST_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/test",
    "TEST_REDIS_URL": "redis://127.0.0.1:6379/0",
}
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
REDIS_START = [
    "redis-server",
    "--daemonize",
    "yes",
    "--bind",
    "127.0.0.1",
    "-::1",
    "--port",
    "6379",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    "/var/lib/redis",
    "--logfile",
    "/var/log/redis/ci.log",
]


def say(message: str) -> None:
    print(f"test services: {message}", file=sys.stderr, flush=True)


def _quiet(args: list[str]) -> bool:
    try:
        return subprocess.run(args, capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _wait(check, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.5)
    return check()


def _admin_url(url: str) -> str:
    """The same server, database `postgres` (always there), to create the test database from."""
    parts = urlsplit(url)
    return parts._replace(path="/postgres", query="").geturl()


def _database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/") or "postgres"


def postgres_ready(url: str) -> bool:
    return _quiet(["pg_isready", "-q", "-d", _admin_url(url)])


def start_postgres() -> None:
    clusters = sorted(Path("/etc/postgresql").glob("*")) if Path("/etc/postgresql").is_dir() else []
    if not clusters or not shutil.which("pg_ctlcluster"):
        say("PostgreSQL is down and pg_ctlcluster is not available to start it")
        return
    say(f"starting PostgreSQL {clusters[-1].name}")
    _quiet(["pg_ctlcluster", "--skip-systemctl-redirect", clusters[-1].name, "main", "start"])


def ensure_database(url: str) -> bool:
    name = _database_name(url)
    exists = subprocess.run(
        ["psql", _admin_url(url), "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
        capture_output=True,
        text=True,
        timeout=20,
    )
    if exists.returncode != 0:
        say(f"cannot query PostgreSQL: {exists.stderr.strip()}")
        return False
    if exists.stdout.strip() == "1":
        return True
    say(f"creating database {name}")
    created = subprocess.run(
        ["psql", _admin_url(url), "-c", f'CREATE DATABASE "{name}"'], capture_output=True, text=True
    )
    if created.returncode != 0:
        say(f"cannot create database {name}: {created.stderr.strip()}")
    return created.returncode == 0


def redis_ready(url: str) -> bool:
    return _quiet(["redis-cli", "-u", url, "ping"])


def start_redis() -> None:
    if not shutil.which("redis-server"):
        say("Redis is down and redis-server is not installed")
        return
    say("starting Redis")
    _quiet(REDIS_START)


def _local(url: str) -> bool:
    return (urlsplit(url).hostname or "localhost") in LOCAL_HOSTS


def check(name: str, url: str) -> bool:
    """True when the service at `url` answers (after starting it, if local and down)."""
    is_postgres = name == "TEST_DATABASE_URL"
    ready, start = (postgres_ready, start_postgres) if is_postgres else (redis_ready, start_redis)
    if not shutil.which("pg_isready" if is_postgres else "redis-cli"):
        say(f"{'pg_isready' if is_postgres else 'redis-cli'} not found: cannot reach {name}")
        return False
    if not ready(url):
        if not _local(url):
            say(f"{name} does not answer and is not on this machine: {url}")
            return False
        start()
        if not _wait(lambda: ready(url)):
            return False
    return ensure_database(url) if is_postgres else True


def main() -> int:
    ci = os.environ.get("CI", "").lower() in ("1", "true", "yes")
    exports: dict[str, str] = {}
    failed: list[str] = []
    for name, default in DEFAULTS.items():
        url = os.environ.get(name, default)
        if not url:
            say(f"{name} is set empty: that store runs on SQLite / in memory")
            exports[name] = ""
            continue
        if check(name, url):
            exports[name] = url
            say(f"{name}={url} is up")
        else:
            failed.append(name)
            exports[name] = ""
            say(f"{name}={url} is NOT reachable")
    if failed and ci:
        say(f"CI=true and {', '.join(failed)} could not be reached or started: failing")
        return 1
    if failed:
        say("falling back to SQLite / the in-memory lock store for those (the summary line says so)")
    for name, value in exports.items():
        print(f"export {name}={shlex.quote(value)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
