#!/usr/bin/env bash
# Print the path of a working Python 3.10: python3.10 on PATH first, then pyenv's 3.10.x.
set -u
works() { [ -n "$1" ] && "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1; }
candidate=$(command -v python3.10 2>/dev/null || true)
if works "$candidate"; then echo "$candidate"; exit 0; fi
if command -v pyenv >/dev/null 2>&1; then
  for version in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.10(\.|$)' | sort -V -r); do
    candidate=$(PYENV_VERSION="$version" pyenv which python3.10 2>/dev/null || true)
    if works "$candidate"; then echo "$candidate"; exit 0; fi
  done
fi
echo "error: Python 3.10 not found. Rasa 3.6 needs Python 3.8-3.10; install python3.10 (e.g. 'pyenv install 3.10.13') and retry." >&2
exit 1
