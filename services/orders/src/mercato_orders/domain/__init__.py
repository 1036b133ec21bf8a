"""The orders domain: the Order aggregate and the saga that drives it.

Blind to Kafka, gRPC, SQL and protobuf: the standard library and mercato_kit's domain, errors,
ids and money only.
"""

from mercato_orders.domain.commands import CancelOrder, ConfirmReceipt, PlaceOrder, RequestRefund
from mercato_orders.domain.errors import (
    IllegalTransition,
    InvalidOrder,
    MixedCurrencies,
    MixedShops,
    NotOnSale,
    OrderNotFound,
    TooManyOrdersInFlight,
)
from mercato_orders.domain.order import Order, OrderItem, OrderStatus, Parties
from mercato_orders.domain.values import CatalogItem, OrderLine, ShippingAddress, Timeouts

__all__ = [
    "CancelOrder",
    "CatalogItem",
    "ConfirmReceipt",
    "IllegalTransition",
    "InvalidOrder",
    "MixedCurrencies",
    "MixedShops",
    "NotOnSale",
    "Order",
    "OrderItem",
    "OrderLine",
    "OrderNotFound",
    "OrderStatus",
    "Parties",
    "PlaceOrder",
    "RequestRefund",
    "ShippingAddress",
    "Timeouts",
    "TooManyOrdersInFlight",
]
