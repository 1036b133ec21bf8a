"""The rates the platform charges: commission by shop tier, and the provider's processing fee."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from mercato_kit.money import BASIS_POINTS

SHOP_TIERS = ("standard", "flagship")
"""Catalog's shop tiers: a standard booth and a flagship store."""


@dataclass(frozen=True)
class Tariff:
    """Commission in basis points for each shop tier, and the processing fee's rate."""

    commission_bps: Mapping[str, int] = field(default_factory=dict)
    processing_fee_bps: int = 0

    def __post_init__(self) -> None:
        missing = [tier for tier in SHOP_TIERS if tier not in self.commission_bps]
        unknown = sorted(set(self.commission_bps) - set(SHOP_TIERS))
        if missing or unknown:
            raise ValueError(
                f"commission rates are needed for exactly the tiers {', '.join(SHOP_TIERS)}"
            )
        for rate in (*self.commission_bps.values(), self.processing_fee_bps):
            if not 0 <= rate <= BASIS_POINTS:
                raise ValueError(f"a rate is 0 to {BASIS_POINTS} basis points, not {rate}")

    def commission_rate(self, shop_tier: str) -> int:
        return self.commission_bps[shop_tier]
