"""Masking of personal numbers for answers and logs."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"\d")
# Runs of 9+ digits (BHXH code, CMND/CCCD, phone, the BHYT card number that ends with the BHXH
# code), even glued to letters ("sdt0912345678", "DN4010123456789") and with up to three
# spaces, dots, dashes, underscores or parentheses between digits ("0912  345  678",
# "(091) 234 5678"). Slashes are not separators, so dates ("01/2015 - 12/2019") survive.
_LONG_NUMBER = re.compile(r"(?<!\d)\+?\d(?:[ \t.\-_()]{0,3}\d){8,}(?!\d)")
# A lone 6-digit run: an OTP as the user types it.
_CODE = re.compile(r"(?<![\d.,])\d{6}(?![\d]|[.,]\d)")
_EMAIL = re.compile(r"([A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]*(@[A-Za-z0-9.\-]+\.[A-Za-z]{2,})")


def _digits(value: str) -> str:
    return "".join(_DIGITS.findall(value))


def mask_phone(phone: str) -> str:
    """'0912345678' -> '09xx xxx 678' (keeps the first two and last three digits)."""
    digits = _digits(phone)
    if len(digits) < 6:
        return "x" * len(digits)
    middle = "x" * (len(digits) - 5)
    masked = digits[:2] + middle + digits[-3:]
    return f"{masked[:4]} {masked[4:-3]} {masked[-3:]}"


def mask_number(number: str, keep_last: int = 3) -> str:
    """'079123456789' -> 'xxxxxxxxx789'. Used for CCCD/CMND and BHXH codes in logs."""
    digits = _digits(number)
    if len(digits) <= keep_last:
        return "x" * len(digits)
    return "x" * (len(digits) - keep_last) + digits[-keep_last:]


def mask_email(email: str) -> str:
    """'nguyenvana@gmail.com' -> 'n***@gmail.com'."""
    return _EMAIL.sub(lambda m: f"{m.group(1)}***{m.group(2)}", email)


def mask_text(text: str) -> str:
    """Mask every personal number (9+ digits), OTP-like 6-digit code and e-mail address inside
    free text (tracker store, transcripts, logs)."""
    if not text:
        return text
    masked = _LONG_NUMBER.sub(lambda m: mask_number(m.group(0)), text)
    masked = _CODE.sub("xxxxxx", masked)
    return mask_email(masked)
