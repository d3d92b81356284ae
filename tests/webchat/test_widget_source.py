"""Static guarantees of the widget's source (no browser needed)."""

from __future__ import annotations

import pytest

from connectors.webchat import STATIC_DIR

# The usual ways a string becomes markup, style or code in a page.
HTML_SINKS = [
    "innerHTML",
    "outerHTML",
    "insertAdjacentHTML",
    "document.write",
    "eval(",
    "new Function",
    'setAttribute("style"',
    "DOMParser",
    "createContextualFragment",
    "srcdoc",
]


@pytest.mark.parametrize("sink", HTML_SINKS)
def test_widget_never_parses_text_as_html(sink: str) -> None:
    assert sink not in (STATIC_DIR / "widget.js").read_text(encoding="utf-8")
