"""Database commands: `python -m vssid.db.manage {upgrade,downgrade,revision,current,seed}`.

upgrade [REV]        apply migrations (default: heads) to DATABASE_URL
downgrade REV        revert to REV ("base" drops every table)
revision -m MSG      autogenerate a migration from the models
current              print the applied revision(s)
seed [--people N]    load the demo records, only into an empty database
purge-outbox [--retention S]  mask codes and phones of delivered or expired outbox messages
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from vssid import settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

logger = logging.getLogger(__name__)


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    """Alembic configuration without an alembic.ini; `connection` wins over `url`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", (url or settings.database_url()).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(url: str | None = None, *, revision: str = "heads", connection: Connection | None = None) -> None:
    command.upgrade(alembic_config(url, connection), revision)


def downgrade(url: str | None = None, *, revision: str, connection: Connection | None = None) -> None:
    command.downgrade(alembic_config(url, connection), revision)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m vssid.db.manage",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--url", help="database URL (default: DATABASE_URL or var/vssid.db)")
    sub = parser.add_subparsers(dest="command", required=True)
    up = sub.add_parser("upgrade")
    up.add_argument("revision", nargs="?", default="heads")
    down = sub.add_parser("downgrade")
    down.add_argument("revision")
    rev = sub.add_parser("revision")
    rev.add_argument("-m", "--message", required=True)
    sub.add_parser("current")
    seed_cmd = sub.add_parser("seed")
    seed_cmd.add_argument("--people", type=int, default=None, help="number of generated people")
    purge = sub.add_parser("purge-outbox")
    purge.add_argument("--retention", type=int, default=None, help="seconds (default: OTP lifetime)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    if args.command == "upgrade":
        upgrade(args.url, revision=args.revision)
    elif args.command == "downgrade":
        downgrade(args.url, revision=args.revision)
    elif args.command == "revision":
        command.revision(alembic_config(args.url), message=args.message, autogenerate=True)
    elif args.command == "current":
        command.current(alembic_config(args.url))
    elif args.command == "seed":
        from vssid.db import seed
        from vssid.db.engine import get_sessionmaker

        started = time.perf_counter()
        with get_sessionmaker(args.url)() as session:
            counts = seed.seed_if_empty(session, people=args.people)
        if counts is None:
            print("The database already holds records: nothing seeded.")
        else:
            summary = ", ".join(f"{table}={n}" for table, n in counts.items())
            print(f"Seeded in {time.perf_counter() - started:.1f} s: {summary}")
    elif args.command == "purge-outbox":
        from datetime import timedelta

        from vssid.db.engine import get_sessionmaker
        from vssid.services.audit import purge_outbox

        retention = timedelta(seconds=args.retention) if args.retention is not None else None
        with get_sessionmaker(args.url)() as session, session.begin():
            count = purge_outbox(session, retention=retention)
        print(f"Outbox: {count} message(s) masked.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
