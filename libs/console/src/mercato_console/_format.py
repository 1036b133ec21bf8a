"""How the console writes amounts."""

from __future__ import annotations

__all__ = ["major"]


def major(minor_units: int) -> str:
    """1234567 -> "12,345.67" (every currency Mercato takes has two decimals)."""
    sign = "-" if minor_units < 0 else ""
    whole, cents = divmod(abs(minor_units), 100)
    return f"{sign}{whole:,}.{cents:02d}"
