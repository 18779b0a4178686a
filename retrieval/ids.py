"""Enterprise ids as one canonical string: 'acme' and 'acme ' must not be two enterprises.

An id is stripped and NFKC-normalised (full-width ＡＣＭＥ is ACME), and refused when empty,
longer than MAX_LEN or holding a control character. Ids are otherwise kept as given: they are
hashed into collection names and escaped into file names, never used as paths.
"""

from __future__ import annotations

import unicodedata

MAX_LEN = 120


def normalise_enterprise_id(value: str) -> str:
    """The canonical id; ValueError (with the reason) for one that cannot be an id."""
    text = unicodedata.normalize("NFKC", value).strip()
    if not text:
        raise ValueError("enterprise id is empty")
    if len(text) > MAX_LEN:
        raise ValueError(f"enterprise id is longer than {MAX_LEN} characters")
    if any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in text):
        raise ValueError(f"enterprise id {text!r} holds a control character")
    return text
