"""Value objects of an order: priced lines, where it goes, how long each step may take."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from mercato_kit.money import Money


@dataclass(frozen=True)
class CatalogItem:
    """What catalog says of a SKU when the order is placed: its product, shop and price."""

    sku_id: str
    product_id: str
    title: str
    shop_id: str
    seller_id: str
    shop_tier: str
    unit_price: Money
    weight_grams: int


@dataclass(frozen=True)
class OrderLine:
    """A quantity of a SKU at the price catalog had when the order was placed."""

    sku_id: str
    product_id: str
    title: str
    quantity: int
    unit_price: Money
    weight_grams: int = 0

    @property
    def line_total(self) -> Money:
        return self.unit_price.times(self.quantity)


@dataclass(frozen=True)
class ShippingAddress:
    region: str
    city: str
    postal_code: str
    street_address: str
    recipient_name: str


@dataclass(frozen=True)
class Timeouts:
    """How long each saga step may wait for its answer before the order gives up on it; and
    `resend`: how long a command may go unanswered before the sweep sends it again (longer
    than a call's own timeout, so a command still in flight is not looked at)."""

    reserve_stock: timedelta = timedelta(minutes=5)
    capture_payment: timedelta = timedelta(minutes=10)
    dispatch: timedelta = timedelta(days=3)
    delivery: timedelta = timedelta(days=30)
    auto_confirm: timedelta = timedelta(days=7)
    resend: timedelta = timedelta(seconds=15)
