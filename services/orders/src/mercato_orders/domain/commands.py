"""What a buyer asks of an order (imperative): the gRPC edge builds them, the handlers run them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mercato_orders.domain.order import OrderItem
from mercato_orders.domain.values import ShippingAddress


@dataclass(frozen=True, kw_only=True)
class PlaceOrder:
    """`order_id` is derived from the buyer and the idempotency key (a retry names the same
    order); `instrument` is kept apart from the order's events, which are published."""

    order_id: str
    buyer_id: str
    items: list[OrderItem]
    shipping_address: ShippingAddress
    attribution_token: str
    instrument: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class CancelOrder:
    order_id: str
    buyer_id: str
    reason: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class ConfirmReceipt:
    order_id: str
    buyer_id: str
    at: datetime


@dataclass(frozen=True, kw_only=True)
class RequestRefund:
    order_id: str
    buyer_id: str
    reason: str
    at: datetime
