"""How long the full demo seed (2,000 people) takes on a fresh SQLite database.

python bench/seed_time.py            # prints the time; timing lives here, not in tests/
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from sqlalchemy.orm import sessionmaker

from vssid.db import manage, seed
from vssid.db.engine import make_engine


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        engine = make_engine(f"sqlite:///{Path(directory) / 'seed.db'}")
        with engine.begin() as connection:
            manage.upgrade(connection=connection)
        started = time.perf_counter()
        with sessionmaker(bind=engine, future=True)() as session:
            counts = seed.seed_if_empty(session)
        elapsed = time.perf_counter() - started
        engine.dispose()
    print(f"seeded {counts['people']} people in {elapsed:.1f} s (target < 15 s)")


if __name__ == "__main__":
    main()
