"""Value objects of a shipment: where it goes, what it carries, what that is worth."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Money:
    """An integer amount of a currency's minor units (fen for CNY), never a float."""

    currency: str
    minor_units: int


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
