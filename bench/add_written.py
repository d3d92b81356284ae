"""Add messages written apart (by writers who never saw our data) to the training data.

    python bench/add_written.py /work/indep6/train_*.yml [--dry-run]

Each input is Rasa NLU YAML with plain examples. An example is dropped when its word bag (the
folded form the featurizers see, word order ignored) equals a message of any held-out set
(tests/, bench/dev_sets/), an existing training example or an earlier kept one; when it carries
markup, or a number that must not be taught (a hotline other than ours; a long number in an FAQ
example). FAQ examples go to the end of kb/<topic>.yml (then run `python -m kb.generate`), the
others to their intent's block in data/nlu/written_apart.yml, with every number and e-mail
annotated as the extractor finds it (tests/test_nlu_data.py checks the same).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from vssid.nlu.normalize import bag_of_words  # noqa: E402
from vssid.nlu.numbers import find_entities  # noqa: E402

WRITTEN_APART = ROOT / "data" / "nlu" / "written_apart.yml"
KB_DIR = ROOT / "kb"
HELD_OUT = [
    *sorted((ROOT / "tests").glob("nlu_*test*.yml")),
    *sorted((ROOT / "bench" / "dev_sets").glob("*.yml")),
]
IDENTIFIERS = ("bhxh_code", "id_number", "phone", "email")
OTHER_HOTLINE = re.compile(r"1900\W?(?!9068)\d{4}")
MARKUP = re.compile(r"[\[\]{}]")


def _examples(path: Path) -> list[tuple[str, str]]:
    """(label, text) of a plain NLU file; labels keep their faq/ prefix."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found = []
    for block in data.get("nlu") or []:
        for line in str(block.get("examples", "")).splitlines():
            text = line.strip().removeprefix("- ").strip()
            if text:
                found.append((str(block["intent"]).strip(), text))
    return found


def _strip_markup(text: str) -> str:
    return re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)


def known_bags() -> set[str]:
    bags = set()
    for path in [*HELD_OUT, *sorted((ROOT / "data" / "nlu").glob("*.yml"))]:
        bags |= {bag_of_words(_strip_markup(text)) for _label, text in _examples(path)}
    for path in sorted(KB_DIR.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        bags |= {bag_of_words(str(e)) for e in data.get("examples") or []}
    return bags


def annotate(text: str) -> str:
    spans = sorted((s for s in find_entities(text) if s.entity in IDENTIFIERS), key=lambda s: s.start)
    out, last = [], 0
    for span in spans:
        out += [text[last : span.start], f"[{text[span.start : span.end]}]({span.entity})"]
        last = span.end
    return "".join([*out, text[last:]])


def select(paths: list[Path], labels: set[str]) -> tuple[dict[str, list[str]], Counter]:
    seen = known_bags()
    kept: dict[str, list[str]] = defaultdict(list)
    dropped: Counter = Counter()
    for path in paths:
        for label, text in _examples(path):
            key = bag_of_words(text)
            if label not in labels:
                dropped["unknown label"] += 1
            elif not key:
                dropped["empty"] += 1
            elif key in seen:
                dropped["word bag already known"] += 1
            elif MARKUP.search(text) or OTHER_HOTLINE.search(text):
                dropped["markup or another hotline"] += 1
            elif label.startswith("faq/") and re.search(r"\d{9,}", text):
                dropped["long number in an FAQ example"] += 1
            else:
                seen.add(key)
                kept[label].append(text)
    return kept, dropped


def _quoted(text: str) -> str:
    return yaml.safe_dump(text, allow_unicode=True, width=10_000).removesuffix("\n...\n").strip()


def write_kb(topic: str, texts: list[str]) -> None:
    path = KB_DIR / f"{topic}.yml"
    body = path.read_text(encoding="utf-8").rstrip("\n")
    assert re.search(r"^examples:", body, re.M), path
    path.write_text(body + "\n" + "".join(f"  - {_quoted(t)}\n" for t in texts), encoding="utf-8")


def write_written_apart(kept: dict[str, list[str]]) -> None:
    lines = WRITTEN_APART.read_text(encoding="utf-8").rstrip("\n").splitlines()
    for intent, texts in sorted(kept.items()):
        new = [f"    - {annotate(t)}" for t in texts]
        header = f"- intent: {intent}"
        if header in lines:
            end = lines.index(header) + 2
            while end < len(lines) and lines[end].startswith("    - "):
                end += 1
            lines[end:end] = new
        else:
            lines += [header, "  examples: |", *new]
    WRITTEN_APART.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args()

    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    intents = {i if isinstance(i, str) else next(iter(i)) for i in domain["intents"]}
    topics = {p.stem for p in KB_DIR.glob("*.yml")}
    labels = (intents - {"faq"}) | {f"faq/{t}" for t in topics}
    kept, dropped = select(args.files, labels)
    total = sum(map(len, kept.values()))
    print(f"kept {total}; dropped {sum(dropped.values())}: {dict(dropped)}")
    for label in sorted(kept):
        print(f"  {label}: {len(kept[label])}")
    if args.dry_run:
        return 0
    for label, texts in kept.items():
        if label.startswith("faq/"):
            write_kb(label.removeprefix("faq/"), texts)
    write_written_apart({k: v for k, v in kept.items() if not k.startswith("faq/")})
    print("now run: python -m kb.generate")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
