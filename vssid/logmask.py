"""A logging filter that masks personal numbers (BHXH code, CCCD, phone) and e-mails in log lines.

Rasa logs user texts at DEBUG level; this filter makes sure that even then no full personal
number reaches a log. `install()` is called explicitly by our channels and the action package.
"""

from __future__ import annotations

import logging

from vssid.privacy import mask_text

_installed = False


class MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to the handler
            return True
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def install() -> None:
    """Attach the filter to the root logger's handlers (and future ones via the root logger)."""
    global _installed
    if _installed:
        return
    mask = MaskingFilter()
    root = logging.getLogger()
    root.addFilter(mask)
    for handler in root.handlers:
        handler.addFilter(mask)
    _installed = True
