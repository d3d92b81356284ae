"""Hypothesis strategies of hostile input shared by the fuzz tests (bounded, deterministic)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Bounded and repeatable: the same 50 examples on every run, nothing written to disk.
FUZZ = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

ODD_TEXTS = [
    "",
    "   ",
    "\n\t ",
    "a" * 10_000,
    "😀😀😀",
    "🙏",
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(2)">',
    "'; DROP TABLE handoff_tickets; --",
    "1' OR '1'='1",
    "SELECT * FROM people WHERE bhxh_code LIKE '%'",
    "\x00\x01\x02",
    "{{7*7}} ${7*7}",
    "/restart",
    '/inform{"bhxh_code": "0101234567"}',
    "/faq/forgot_password",
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
odd_text = st.sampled_from(ODD_TEXTS) | st.text(max_size=300)


def _dump(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


def bodies(**fields: st.SearchStrategy) -> st.SearchStrategy[bytes]:
    """Raw bodies: garbage bytes (invalid UTF-8), any JSON, and objects shaped like the real ones
    with odd values, wrong types and unknown fields."""
    shaped = st.fixed_dictionaries(fields, optional={"unknown": json_values, "__proto__": json_values})
    return st.one_of(
        st.binary(max_size=300),
        json_values.map(_dump),
        shaped.map(_dump),
        st.just(b"{"),
        st.just(b'{"text": "\\ud800"}'),
    )


# Header values as a client can send them (latin-1, no leading whitespace).
header_text = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=80).map(
    str.lstrip
)
