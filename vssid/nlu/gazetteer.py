"""Province/district names found in text, with and without diacritics (spaCy PhraseMatcher).

Names are matched on folded words ("cau giay" == "Cầu Giấy"), then a match is kept only if every
word the user typed *with* diacritics agrees with the gazetteer spelling: "đóng anh" (pay, brother)
folds like "Đông Anh" but is rejected, while "dong anh" and "Đông Anh" are accepted.

Names come from the one gazetteer of the project (``vssid.services.locations.Gazetteer`` over
``vssid/data/locations.yml``); this module only matches them in text. Entity values are
the gazetteer's own spelling: "quan cau giay" yields "Cầu Giấy", and the entity span covers the typed
prefix. Names are registered with and without their administrative prefix ("Quận"), except that a
one-word name must be typed with its diacritics ("Huế", not "hue") and one without any ("Vinh") only
matches with its prefix ("tp vinh"); a longer name without diacritics ("La Gi", which folds like
"là gì") matches lower-case text only with its prefix, or when typed capitalised ("La Gi").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path

from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans
from spacy.vocab import Vocab

from vssid.nlu.normalize import WORD_PATTERN, fold, has_diacritics, squeeze_repeats
from vssid.nlu.numbers import EntitySpan
from vssid.services.locations import Gazetteer, load_gazetteer

LOCATION = "location"
# Administrative prefixes users often leave out ("Quận Cầu Giấy" -> "Cầu Giấy").
_PREFIXES = re.compile(
    r"^(?:tỉnh|thành phố|tp\.?|quận|huyện|thị xã|tx\.?|thị trấn|phường|xã)\s+", re.IGNORECASE
)
_PREFIX_WORDS = {"tinh", "thanh pho", "tp", "quan", "huyen", "thi xa", "tx", "thi tran"}
# Well-known short forms: alias (folded) -> folded canonical name; used only if the name exists.
_ALIASES = {
    "hn": "ha noi",
    "hcm": "ho chi minh",
    "tphcm": "ho chi minh",
    "tp hcm": "ho chi minh",
    "sai gon": "ho chi minh",
    "sg": "ho chi minh",
    "brvt": "ba ria vung tau",
}


def _nfc_lower(text: str) -> str:
    return unicodedata.normalize("NFC", text).lower()


def name_variants(name: str) -> list[str]:
    """The name itself and, when it has an administrative prefix, the bare name (never a number)."""
    name = " ".join(name.split())
    bare = _PREFIXES.sub("", name)
    variants = [name]
    if bare != name and not bare.isdigit():
        variants.append(bare)
    return variants


class FoldedPhraseMatcher:
    """Multi-phrase matcher on folded words with the accent check described in the module docstring."""

    def __init__(self) -> None:
        self._vocab = Vocab()
        self._matcher = PhraseMatcher(self._vocab)
        # match key -> (canonical value, accented lower-cased words of the surface form, strict, cased)
        self._surfaces: dict[str, tuple[str, list[str], bool, bool]] = {}

    def __len__(self) -> int:
        return len(self._surfaces)

    def add(self, surface: str, canonical: str, strict: bool = False, cased: bool = False) -> None:
        """Add a phrase; ``strict`` ones match only when typed with their own diacritics, ``cased``
        ones only when typed with a capital letter."""
        words = [m.group(0) for m in WORD_PATTERN.finditer(surface)]
        key = f"{canonical}|{surface}"
        if not words or key in self._surfaces:
            return
        self._surfaces[key] = (canonical, [_nfc_lower(w) for w in words], strict, cased)
        self._matcher.add(key, [Doc(self._vocab, words=[fold(w) for w in words])])

    def find(
        self, text: str, lowercase_ok: Callable[[str, int], bool] | None = None
    ) -> list[tuple[int, int, str]]:
        """Longest non-overlapping matches as (start, end, canonical value).

        ``lowercase_ok(text, start)`` may still accept a ``cased`` phrase typed in lower case.
        """
        words = list(WORD_PATTERN.finditer(text))
        if not words:
            return []
        doc = Doc(self._vocab, words=[squeeze_repeats(fold(w.group(0))) for w in words])
        accepted = []
        for match_id, start, end in self._matcher(doc):
            canonical, surface_words, strict, cased = self._surfaces[self._vocab.strings[match_id]]
            typed = [words[i].group(0) for i in range(start, end)]
            if cased and all(word.islower() for word in typed):
                if lowercase_ok is None or not lowercase_ok(text, words[start].start()):
                    continue
            if all(
                (not strict and not has_diacritics(word)) or _nfc_lower(word) == expected
                for word, expected in zip(typed, surface_words, strict=True)
            ):
                accepted.append(Span(doc, start, end, label=canonical))
        return [
            (words[span.start].start(), words[span.end - 1].end(), span.label_)
            for span in filter_spans(accepted)
        ]


class LocationMatcher:
    """Finds province/district names in text; values are the gazetteer's spelling."""

    def __init__(self, entries: Iterable[tuple[str, str] | str]) -> None:
        self._matcher = FoldedPhraseMatcher()
        canonical_by_fold: dict[str, str] = {}
        for entry in entries:
            surface, canonical = (entry, entry) if isinstance(entry, str) else entry
            for variant in name_variants(surface):
                # A one-word name ("Vinh", "Huế") is also a common word: it must be typed with its
                # diacritics ("Huế"), and one without any ("Vinh") needs its prefix ("tp Vinh").
                strict = len(variant.split()) == 1
                if strict and not has_diacritics(variant):
                    continue
                # A bare name without diacritics can be a phrase ("La Gi" ~ "la gi" = "là gì"):
                # lower-case text must then give the prefix ("tx la gi").
                cased = not has_diacritics(variant) and _PREFIXES.match(variant) is None
                self._matcher.add(variant, canonical=canonical, strict=strict, cased=cased)
                canonical_by_fold.setdefault(fold(variant), canonical)
        for alias, target in _ALIASES.items():
            if target in canonical_by_fold and alias not in canonical_by_fold:
                self._matcher.add(alias, canonical=canonical_by_fold[target])

    @classmethod
    def from_gazetteer(cls, gazetteer: Gazetteer) -> LocationMatcher:
        return cls(gazetteer.surface_names())

    @classmethod
    def from_yaml(cls, path: str | Path) -> LocationMatcher:
        return cls.from_gazetteer(load_gazetteer(Path(path)))

    def __len__(self) -> int:
        return len(self._matcher)

    def find(self, text: str) -> list[EntitySpan]:
        """Place names in ``text``; the span includes a typed prefix such as "quận"."""
        return [
            EntitySpan(LOCATION, value, _extend_prefix(text, start), end)
            for start, end, value in self._matcher.find(text, _has_prefix)
        ]


def _has_prefix(text: str, start: int) -> bool:
    return _extend_prefix(text, start) != start


def _extend_prefix(text: str, start: int) -> int:
    """Start of a typed administrative prefix right before ``start`` ("quan cau giay")."""
    words = list(WORD_PATTERN.finditer(text, 0, start))
    for count in (2, 1):
        if len(words) < count:
            continue
        first, last = words[-count], words[-1]
        gap = text[last.end() : start]
        if gap.strip(" .") == "" and fold(text[first.start() : last.end()]) in _PREFIX_WORDS:
            return first.start()
    return start
