"""Example questions suggested from the dashboard, for kb/ editors.

    python scripts/kb_suggestions.py list [--status pending]
    python scripts/kb_suggestions.py export [--status pending] [--out FILE]

`list` prints one line per suggestion (topic, count, status, text); `export` writes YAML grouped
by topic, ready to review and copy into ``kb/<topic>.yml`` examples (then `make train`).
Suggestions live in KB_SUGGESTIONS_DIR (default var/kb_suggestions), never in kb/ itself.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vssid.services.kb_suggestions import list_suggestions  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["list", "export"])
    parser.add_argument("--status", help="only suggestions with this status (pending, accepted, rejected)")
    parser.add_argument("--out", help="export: write to FILE instead of standard output")
    args = parser.parse_args(argv)
    suggestions = list_suggestions(status=args.status)
    if args.command == "list":
        if not suggestions:
            print("Chưa có đề xuất nào.")
        for s in suggestions:
            print(f"{s.topic}\t{s.count}\t{s.status}\t{s.text}")
        return 0
    grouped: dict[str, list[str]] = {}
    for s in suggestions:
        grouped.setdefault(s.topic, []).append(s.text)
    body = yaml.safe_dump(
        [{"topic": topic, "examples": texts} for topic, texts in grouped.items()],
        allow_unicode=True,
        sort_keys=False,
    )
    if args.out:
        Path(args.out).write_text(body, encoding="utf-8")
        print(f"{len(suggestions)} đề xuất -> {args.out}")
    else:
        sys.stdout.write(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
