"""The orders domain's errors, under the kit's tree (the gRPC edge maps them once).

DomainError (mercato_kit.errors)
├── InvalidArgument
│   └── InvalidOrder             the lines cannot make one order (duplicate SKU, bad quantity)
├── FailedPrecondition
│   ├── IllegalTransition        the order's status does not allow this
│   ├── MixedShops               the lines belong to more than one shop
│   ├── NotOnSale                a SKU catalog does not sell (unknown, delisted)
│   └── MixedCurrencies          the lines are priced in more than one currency
├── NotFound
│   └── OrderNotFound            no such order, or not one the caller may see
└── ResourceExhausted
    └── TooManyOrdersInFlight    PlaceOrder refused: the saga has as many orders as it may take
"""

from __future__ import annotations

from mercato_kit.errors import FailedPrecondition, InvalidArgument, NotFound, ResourceExhausted


class InvalidOrder(InvalidArgument):
    pass


class IllegalTransition(FailedPrecondition):
    def __init__(self, order_id: str, status: str, action: str) -> None:
        super().__init__(f"order {order_id} is {status}; it cannot be {action}")
        self.status = status


class MixedShops(FailedPrecondition):
    def __init__(self, shop_ids: list[str]) -> None:
        super().__init__(f"an order's lines must be of one shop, not {', '.join(shop_ids)}")


class MixedCurrencies(FailedPrecondition):
    def __init__(self, currencies: list[str]) -> None:
        super().__init__(f"an order's lines must share a currency, not {', '.join(currencies)}")


class NotOnSale(FailedPrecondition):
    def __init__(self, field: str, sku_id: str) -> None:
        super().__init__(f"{field}: SKU {sku_id} is not on sale")
        self.field = field


class OrderNotFound(NotFound):
    """Also what a caller gets for an order it may not see: existence is not leaked."""

    def __init__(self, order_id: str) -> None:
        super().__init__(f"order {order_id} does not exist")


class TooManyOrdersInFlight(ResourceExhausted):
    """Nothing was placed; the same request (same idempotency key) may succeed later."""

    def __init__(self, limit: int, *, retry_after: float) -> None:
        super().__init__(
            f"too many orders in flight (the limit is {limit}): nothing was placed; "
            f"try again in {retry_after:g} s with the same idempotency key",
            retry_after=retry_after,
        )
        self.limit = limit
