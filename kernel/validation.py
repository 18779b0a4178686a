"""Pydantic validation errors in one line, for messages written to a user."""

from __future__ import annotations

from pydantic import ValidationError


def first_error(exc: ValidationError) -> str:
    """'location: message' of the first error ('(root)' when the whole value is wrong)."""
    first = exc.errors()[0]
    loc = ".".join(str(p) for p in first["loc"]) or "(root)"
    return f"{loc}: {first['msg']}"
