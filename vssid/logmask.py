"""A logging filter that masks personal numbers (BHXH code, CCCD, phone) and e-mails in log lines.

Rasa logs user texts at DEBUG level; this filter makes sure that even then no full personal
number reaches a log. `install()` is called explicitly by our channels and the action package.
"""

from __future__ import annotations

import logging
import warnings

from vssid.privacy import mask_text

_installed = False
_FORMATTER = logging.Formatter()


class MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to the handler
            return True
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            # Handlers format tracebacks after the filters ran; pre-format it masked (exception
            # messages quote values, e.g. SQL parameters or a number that failed to parse).
            record.exc_text = mask_text(_FORMATTER.formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
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
    # Rasa reports unparsable `/intent{...}` payloads (their text included) through `warnings`.
    show = warnings.showwarning

    def show_masked(message, category, filename, lineno, file=None, line=None):  # noqa: ANN001, ANN202
        show(mask_text(str(message)), category, filename, lineno, file, line)

    warnings.showwarning = show_masked
    _installed = True
