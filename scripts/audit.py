"""`make audit`: known vulnerabilities of the pinned requirements (pip-audit, in its own venv).

pip-audit runs from .venv-audit (requirements-audit.txt) because it needs newer `packaging`
than Rasa 3.6 allows. It checks the exact pins of requirements.txt without resolving them
(--no-deps --disable-pip). When no vulnerability database can be reached (offline CI), this
says so plainly and exits 0: nothing was checked, and the message says that too.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIP_AUDIT = ROOT / ".venv-audit" / "bin" / "pip-audit"
UNREACHABLE = (
    "ConnectionError",
    "Max retries exceeded",
    "Failed to establish a new connection",
    "NameResolutionError",
    "Temporary failure in name resolution",
    "timed out",
    "ServiceError",
)


def main() -> int:
    args = [
        str(PIP_AUDIT),
        "-r",
        str(ROOT / "requirements.txt"),
        "--no-deps",
        "--disable-pip",
        "--progress-spinner",
        "off",
        *sys.argv[1:],
    ]
    result = subprocess.run(args, capture_output=True, text=True)
    pins = [line for line in (ROOT / "requirements.txt").read_text().splitlines() if "==" in line]
    # A package index without PyPI's JSON API (a mirror) makes every pin "not found on PyPI".
    skipped = result.stdout.count("could not be audited")
    unreachable = result.returncode != 0 and any(marker in result.stderr for marker in UNREACHABLE)
    if unreachable or (pins and skipped >= len(pins)):
        print(
            f"make audit: no vulnerability database is reachable (PyPI JSON API / OSV), so NOTHING WAS "
            f"CHECKED ({skipped} of {len(pins)} pins could not be looked up). Run `make audit` again "
            "with access to https://pypi.org."
        )
        return 0
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    if skipped:
        print(f"make audit: {skipped} of {len(pins)} pins could not be looked up (see above).")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
