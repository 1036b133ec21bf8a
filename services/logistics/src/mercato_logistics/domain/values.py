"""Value objects of a shipment: where it goes, what it carries, what that is worth (the kit's
Money: an integer amount of a currency's minor units, never a float)."""

from __future__ import annotations

from dataclasses import dataclass

from mercato_kit.money import Money


@dataclass(frozen=True)
class Destination:
    region: str
    city: str
    postal_code: str
    street_address: str
    recipient_name: str


@dataclass(frozen=True)
class Parcel:
    weight_grams: int
    declared_value: Money | None = None
