"""How often the knowledge-base search offers the right topic among its buttons.

    python bench/kb_search_eval.py [--nlu /work/indep/dev/nlu_dev.yml] [--model models/x.tar.gz]

Sets measured (top-k = the k buttons the fallback shows):
- every FAQ message of the NLU file (``faq/<topic>`` examples);
- "fallback cases": the FAQ messages the trained model (``--model``) sends to nlu_fallback or
  answers with the wrong topic, i.e. where the buttons are the user's only way to the answer;
- messages mixing two topics: two FAQ messages of different topics joined ("... , còn ...");
  counted as hit when at least one / both topics are among the buttons;
- non-FAQ messages (greetings, off-domain): how often the search offers no button at all.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vssid.services.kb_search import get_kb_index  # noqa: E402


def read_nlu(path: Path) -> dict[str, list[str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    examples: dict[str, list[str]] = defaultdict(list)
    for block in data.get("nlu", []):
        if "intent" not in block:
            continue
        for line in str(block.get("examples", "")).splitlines():
            line = line.strip()
            if line.startswith("- "):
                examples[block["intent"]].append(line[2:].strip())
    return examples


def hit_rate(cases: list[tuple[str, set[str]]], k: int, need_all: bool = False) -> tuple[int, int]:
    index = get_kb_index()
    hits = 0
    for text, expected in cases:
        offered = {m.topic for m in index.search(text, limit=k)}
        hits += expected <= offered if need_all else bool(expected & offered)
    return hits, len(cases)


def fallback_cases(model: Path, faq: list[tuple[str, set[str]]]) -> list[tuple[str, set[str], dict]]:
    """FAQ messages the model does not answer with the right topic, with the model's parse."""
    import asyncio

    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    wrong = []
    for text, expected in faq:
        parsed = asyncio.run(agent.parse_message(text))
        intent = parsed["intent"]["name"]
        key = (parsed.get("response_selector", {}).get("faq", {}).get("response", {}) or {}).get(
            "intent_response_key", ""
        )
        if intent != "faq" or key.split("/", 1)[-1] not in expected:
            wrong.append((text, expected, parsed))
    return wrong


def classifier_hit_rate(cases: list[tuple[str, set[str], dict]], k: int) -> tuple[int, int]:
    """The buttons before the knowledge-base search: the classifier's closest topics."""
    from actions.fallback import closest_topics

    hits = 0
    for _, expected, parsed in cases:
        offered = {payload.rsplit("/", 1)[-1] for _, payload in closest_topics(parsed, limit=k)}
        hits += bool(expected & offered)
    return hits, len(cases)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--nlu", default="/work/indep/dev/nlu_dev.yml")
    parser.add_argument("--model", help="trained model: also measure on its fallback cases")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    examples = read_nlu(Path(args.nlu))
    faq = [(t, {i.split("/", 1)[1]}) for i, ts in examples.items() if i.startswith("faq/") for t in ts]
    others = [(t, set()) for i, ts in examples.items() if not i.startswith("faq/") for t in ts]
    rng = random.Random(args.seed)
    mixed = []
    for _ in range(200):
        (a, ta), (b, tb) = rng.sample(faq, 2)
        if ta != tb:
            mixed.append((f"{a.rstrip(' ?.!')}, còn {b[0].lower() + b[1:]}", ta | tb))
    rows = [("FAQ messages", faq, False), ("two topics in one message: one of them", mixed, False)]
    rows.append(("two topics in one message: both", mixed, True))
    wrong = fallback_cases(Path(args.model), faq) if args.model else []
    if args.model:
        fallback_only = [(t, e) for t, e, p in wrong if p["intent"]["name"] == "nlu_fallback"]
        rows.insert(1, ("fallback cases (model wrong or nlu_fallback)", [(t, e) for t, e, _ in wrong], False))
        rows.insert(2, ("  of which nlu_fallback", fallback_only, False))
    print(f"{'set':48} {'n':>5} {'top-1':>7} {'top-2':>7} {'top-3':>7}")
    for name, cases, need_all in rows:
        rates = []
        for k in (1, 2, 3):
            hits, n = hit_rate(cases, k, need_all)
            rates.append(f"{hits / n:7.1%}" if n else "    n/a")
        print(f"{name:48} {len(cases):5d} {' '.join(rates)}")
    if wrong:
        rates = [f"{h / n:7.1%}" for h, n in (classifier_hit_rate(wrong, k) for k in (1, 2, 3))]
        print(f"{'same fallback cases, classifier buttons (before)':48} {len(wrong):5d} {' '.join(rates)}")
    index = get_kb_index()
    silent = sum(1 for text, _ in others if not index.search(text))
    print(f"{'non-FAQ messages with no button offered':48} {len(others):5d} {silent / len(others):7.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
