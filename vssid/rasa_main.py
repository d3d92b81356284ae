"""`rasa run` with its secrets taken from the environment, never from the command line.

Rasa reads `--auth-token` only from argv, where any local user can read it (`ps`). The
launcher starts `python -m vssid.rasa_main run ...` instead; with ENABLE_RASA_API=1 this
adds `--enable-api --auth-token $RASA_API_TOKEN` to the arguments inside this process only.
Without it Rasa's HTTP API (conversations, trackers, models) is not served at all.
"""

from __future__ import annotations

import sys

from vssid import settings


def main() -> None:
    if settings.rasa_api_enabled():
        token = settings.rasa_api_token()
        if not token:
            sys.exit("ENABLE_RASA_API=1 needs RASA_API_TOKEN (a long random value).")
        sys.argv += ["--enable-api", f"--auth-token={token}"]  # "=": a token may start with "-"
    from rasa.__main__ import main as rasa_main

    rasa_main()


if __name__ == "__main__":
    main()
