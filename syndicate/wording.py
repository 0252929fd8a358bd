"""How the tool says a count: `1 file`, `2 files`, in every line it prints."""

from __future__ import annotations


def count(number: int, singular: str, plural: str | None = None) -> str:
    """Return `number` with the noun that agrees with it (`plural` defaults to singular + s)."""
    noun = singular if number == 1 else (plural or f"{singular}s")
    return f"{number} {noun}"
