"""Mask personal data before text leaves for an LLM endpoint.

Pure functions only: `mask_personal_data(text)` replaces each match with a typed placeholder
and changes nothing else, so amounts (12,345.67), dates (2024-01-15, 20240115) and company
registration codes reach the model intact. Evidence quotes are checked later against the
unmasked source, never against what the model saw.

Patterns run in a fixed order (e-mail, international phone, ID card, bank account, mobile) so
that a longer, more specific match wins: "+86 138 1234 5678" becomes one [PHONE], not
"+86 [PHONE]", and the 18 digits of an ID card are never read as a bank account.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["PLACEHOLDERS", "mask_personal_data"]

PLACEHOLDERS = ("[EMAIL]", "[PHONE]", "[ID_CARD]", "[BANK_ACCOUNT]")

# Digit runs must not touch ASCII letters, digits or "_" (that would make them part of a
# hash, code or longer number) nor follow a "." (a decimal part). CJK text may touch them:
# "电话13812345678" is a phone number. Each pattern opens with its first character and only
# then looks behind it (`_AFTER`), which says the same as a look-behind in front but lets `re`
# skip straight to candidate characters: masking a profile's evidence takes a quarter the time.
_AFTER = "(?<![0-9A-Za-z_.]{})"
_END = r"(?![0-9A-Za-z_])"

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# "+86 138 1234 5678", "+86-13812345678", "+1 (415) 555-0100", "+44 20 7946 0958"
_INTL_PHONE = re.compile(r"\+(?<![0-9A-Za-z_]\+)\d{1,3}(?:[ -]?\(?\d{1,4}\)?){2,5}" + _END)
# 18-digit resident ID: 6-digit region, birth date 19xx/20xx, 3-digit sequence, check digit/X.
_ID_CARD = re.compile(
    "[1-9]" + _AFTER.format("[1-9]") + r"\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]" + _END
)
# 16-19 digits, contiguous or in groups of four ("6222 0212 3456 7890 123").
_BANK_ACCOUNT = re.compile(r"\d" + _AFTER.format(r"\d") + r"(?:\d{15,18}|\d{3}(?:[ -]\d{4}){3}(?:[ -]\d{1,3})?)" + _END)
# Mainland mobile: 1[3-9]xxxxxxxxx, also written 138-1234-5678 or 138 1234 5678.
_MOBILE = re.compile("1" + _AFTER.format("1") + r"[3-9]\d(?:[ -]?\d{4}){2}" + _END)


def _digits_between(low: int, high: int, placeholder: str) -> Callable[[re.Match[str]], str]:
    """Replace only when the match holds a plausible count of digits; else keep it as it was."""

    def replace(match: re.Match[str]) -> str:
        count = sum(ch.isdigit() for ch in match.group())
        return placeholder if low <= count <= high else match.group()

    return replace


# (pattern, replacement, a character every match holds: the e-mail pattern cannot skip ahead,
# so text without an "@" is not scanned for it)
_RULES: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str], str], ...] = (
    (_EMAIL, "[EMAIL]", "@"),
    (_INTL_PHONE, _digits_between(8, 15, "[PHONE]"), "+"),  # E.164 allows at most 15 digits
    (_ID_CARD, "[ID_CARD]", ""),
    (_BANK_ACCOUNT, "[BANK_ACCOUNT]", ""),
    (_MOBILE, "[PHONE]", ""),
)


def mask_personal_data(text: str) -> str:
    """Return `text` with e-mails, phone, ID-card and bank-account numbers replaced by placeholders."""
    for pattern, replacement, needed in _RULES:
        if needed in text:
            text = pattern.sub(replacement, text)
    return text
