"""Which carrier a shipment is handed to: the first configured rule that matches wins."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from mercato_logistics.domain.errors import NoCarrier


@dataclass(frozen=True)
class CarrierRule:
    """Parcels to these regions within these weights go to this carrier (an app id).

    A region is a country ("CN", matching "CN" and every "CN-xx") or a subdivision ("CN-ZJ",
    matching itself); no regions means anywhere. Weight bounds are inclusive; no maximum means
    any weight.
    """

    carrier_id: str
    regions: frozenset[str] = field(default_factory=frozenset)
    min_weight_grams: int = 0
    max_weight_grams: int | None = None

    def matches(self, region: str, weight_grams: int) -> bool:
        if weight_grams < self.min_weight_grams:
            return False
        if self.max_weight_grams is not None and weight_grams > self.max_weight_grams:
            return False
        country = region.split("-", 1)[0]
        return not self.regions or region in self.regions or country in self.regions


class CarrierRules:
    """An ordered list of rules."""

    def __init__(self, rules: Iterable[CarrierRule]) -> None:
        self.rules: Sequence[CarrierRule] = tuple(rules)

    def choose(self, region: str, weight_grams: int) -> str:
        """The carrier of the first matching rule; NoCarrier when none matches."""
        for rule in self.rules:
            if rule.matches(region, weight_grams):
                return rule.carrier_id
        raise NoCarrier(region, weight_grams)
