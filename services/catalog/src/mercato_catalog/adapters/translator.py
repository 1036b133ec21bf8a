"""The one module that imports both the domain and the generated protobuf code:
requests -> commands, aggregates -> messages, domain events -> published payloads."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from google.protobuf.message import Message

from mercato.catalog.v1 import catalog_pb2 as resources
from mercato.catalog.v1 import catalog_service_pb2 as api
from mercato.catalog.v1 import events_pb2 as events
from mercato_catalog.adapters.queries import SearchFilters
from mercato_catalog.domain import (
    AdjustStock,
    Attributes,
    ChangePrice,
    CloseShop,
    CommitReservation,
    DelistProduct,
    Line,
    ListProduct,
    OpenShop,
    Product,
    ProductStatus,
    ReleaseReservation,
    Requested,
    Reservation,
    ReservationStatus,
    ReserveStock,
    Shop,
    ShopStatus,
    Shortage,
    ShortageReason,
    Sku,
    SkuSpec,
    Tier,
    UpdateProduct,
    UpdateShopProfile,
)
from mercato_kit.domain import Aggregate, DomainEvent
from mercato_kit.errors import InvalidArgument
from mercato_kit.money import Money
from mercato_kit.protobuf import money_message, requested_money, timestamp_message

_TIERS = {
    resources.SHOP_TIER_STANDARD_BOOTH: Tier.STANDARD_BOOTH,
    resources.SHOP_TIER_FLAGSHIP: Tier.FLAGSHIP,
}
_TIER_MESSAGES = {tier: number for number, tier in _TIERS.items()}
_SHOP_STATUSES = {
    ShopStatus.OPEN: resources.SHOP_STATUS_OPEN,
    ShopStatus.CLOSED: resources.SHOP_STATUS_CLOSED,
}
_PRODUCT_STATUSES = {
    ProductStatus.ACTIVE: resources.PRODUCT_STATUS_ACTIVE,
    ProductStatus.DELISTED: resources.PRODUCT_STATUS_DELISTED,
}
_RESERVATION_STATUSES = {
    ReservationStatus.HELD: resources.RESERVATION_STATUS_HELD,
    ReservationStatus.REJECTED: resources.RESERVATION_STATUS_REJECTED,
    ReservationStatus.COMMITTED: resources.RESERVATION_STATUS_COMMITTED,
    ReservationStatus.RELEASED: resources.RESERVATION_STATUS_RELEASED,
    ReservationStatus.EXPIRED: resources.RESERVATION_STATUS_EXPIRED,
}
_SHORTAGE_REASONS = {
    ShortageReason.INSUFFICIENT_STOCK: resources.SHORTAGE_REASON_INSUFFICIENT_STOCK,
    ShortageReason.NOT_ON_SALE: resources.SHORTAGE_REASON_NOT_ON_SALE,
}


# Requests -> commands. The edge has checked each field's declared rules already.


def open_shop(request: api.OpenShopRequest) -> OpenShop:
    tier = _TIERS.get(request.tier)
    if tier is None:
        raise InvalidArgument("tier", f"unknown tier {request.tier}")
    return OpenShop(request.name, request.description, tier)


def update_shop_profile(request: api.UpdateShopProfileRequest) -> UpdateShopProfile:
    return UpdateShopProfile(request.shop_id, request.name, request.description)


def close_shop(request: api.CloseShopRequest) -> CloseShop:
    return CloseShop(request.shop_id)


def list_product(request: api.ListProductRequest) -> ListProduct:
    return ListProduct(
        shop_id=request.shop_id,
        title=request.title,
        description=request.description,
        attributes=_attributes(request.attributes),
        skus=tuple(
            SkuSpec(
                code=sku.code,
                attributes=_attributes(sku.attributes),
                price=requested_money(sku.price, field=f"skus[{index}].price"),
                stock=sku.stock,
                weight_grams=sku.weight_grams,
            )
            for index, sku in enumerate(request.skus)
        ),
    )


def update_product(request: api.UpdateProductRequest) -> UpdateProduct:
    return UpdateProduct(
        request.product_id, request.title, request.description, _attributes(request.attributes)
    )


def change_price(request: api.ChangePriceRequest) -> ChangePrice:
    return ChangePrice(
        request.product_id, request.sku_id, requested_money(request.price, field="price")
    )


def adjust_stock(request: api.AdjustStockRequest) -> AdjustStock:
    return AdjustStock(request.product_id, request.sku_id, request.delta)


def delist_product(request: api.DelistProductRequest) -> DelistProduct:
    return DelistProduct(request.product_id)


def reserve_stock(request: api.ReserveStockRequest) -> ReserveStock:
    return ReserveStock(
        request.order_id,
        tuple(Requested(line.sku_id, line.quantity) for line in request.lines),
    )


def commit_reservation(request: api.CommitReservationRequest) -> CommitReservation:
    return CommitReservation(request.order_id)


def release_reservation(request: api.ReleaseReservationRequest) -> ReleaseReservation:
    return ReleaseReservation(request.order_id)


def search_filters(request: api.SearchProductsRequest) -> SearchFilters:
    return SearchFilters(
        query=request.query,
        shop_id=request.shop_id if request.HasField("shop_id") else None,
        min_price=_bound(request, "min_price"),
        max_price=_bound(request, "max_price"),
        in_stock=request.in_stock,
    )


def _bound(request: api.SearchProductsRequest, field: str) -> Money | None:
    """A price bound of a search: zero or more, in a supported currency."""
    if not request.HasField(field):
        return None
    return requested_money(getattr(request, field), field=field, minimum=0)


def _attributes(attributes: Iterable[resources.Attribute]) -> Attributes:
    return tuple((attribute.name, attribute.value) for attribute in attributes)


# Aggregates -> messages.


def shop_message(shop: Shop) -> resources.Shop:
    return resources.Shop(
        shop_id=shop.id,
        seller_id=shop.seller_id,
        name=shop.name,
        description=shop.description,
        tier=_TIER_MESSAGES[shop.tier],
        status=_SHOP_STATUSES[shop.status],
        opened_at=timestamp_message(shop.opened_at),
        version=shop.version,
    )


def product_message(product: Product) -> resources.Product:
    return resources.Product(
        product_id=product.id,
        shop_id=product.shop_id,
        seller_id=product.seller_id,
        title=product.title,
        description=product.description,
        attributes=_attribute_messages(product.attributes),
        skus=[_sku_message(sku) for sku in product.skus.values()],
        status=_PRODUCT_STATUSES[product.status],
        listed_at=timestamp_message(product.listed_at),
        version=product.version,
    )


def reservation_message(reservation: Reservation) -> resources.Reservation:
    return resources.Reservation(
        reservation_id=reservation.id,
        order_id=reservation.order_id,
        status=_RESERVATION_STATUSES[reservation.status],
        lines=_line_messages(reservation.lines),
        shortages=_shortage_messages(reservation.shortages),
        created_at=timestamp_message(reservation.created_at),
        expires_at=timestamp_message(reservation.expires_at),
        version=reservation.version,
    )


def _sku_message(sku: Sku) -> resources.Sku:
    return resources.Sku(
        sku_id=sku.sku_id,
        code=sku.code,
        attributes=_attribute_messages(sku.attributes),
        price=money_message(sku.price),
        available=sku.available,
        reserved=sku.reserved,
        weight_grams=sku.weight_grams,
    )


def _attribute_messages(attributes: Attributes) -> list[resources.Attribute]:
    return [resources.Attribute(name=name, value=value) for name, value in attributes]


def _line_messages(lines: Sequence[Line]) -> list[resources.ReservationLine]:
    return [
        resources.ReservationLine(
            sku_id=line.sku_id, product_id=line.product_id, quantity=line.quantity
        )
        for line in lines
    ]


def _shortage_messages(shortages: Sequence[Shortage]) -> list[resources.Shortage]:
    return [
        resources.Shortage(
            sku_id=shortage.sku_id,
            requested=shortage.requested,
            available=shortage.available,
            reason=_SHORTAGE_REASONS[shortage.reason],
        )
        for shortage in shortages
    ]


# Domain events -> published payloads (protos/mercato/catalog/v1/events.proto).


def event_payload(aggregate: Aggregate, event: DomainEvent) -> Message:
    """The published payload of one of `aggregate`'s events."""
    match aggregate, event:
        case Shop(), Shop.Opened():
            return events.ShopOpened(
                seller_id=event.seller_id,
                name=event.name,
                description=event.description,
                tier=_TIER_MESSAGES[event.tier],
            )
        case Shop(), Shop.ProfileUpdated():
            return events.ShopProfileUpdated(
                seller_id=aggregate.seller_id, name=event.name, description=event.description
            )
        case Shop(), Shop.Closed():
            return events.ShopClosed(seller_id=aggregate.seller_id)
        case Product(), _:
            return _product_payload(aggregate, event)
        case Reservation(), _:
            return _reservation_payload(event)
    raise TypeError(f"no payload for {type(event).__qualname__}")


def _product_payload(product: Product, event: DomainEvent) -> Message:
    owner = {"shop_id": product.shop_id, "seller_id": product.seller_id}
    match event:
        case Product.Listed():
            return events.ProductListed(
                **owner,
                title=event.title,
                description=event.description,
                attributes=_attribute_messages(event.attributes),
                skus=[_sku_message(sku) for sku in event.skus],
            )
        case Product.Updated():
            return events.ProductUpdated(
                **owner,
                title=event.title,
                description=event.description,
                attributes=_attribute_messages(event.attributes),
            )
        case Product.PriceChanged():
            return events.PriceChanged(
                **owner,
                sku_id=event.sku_id,
                old_price=money_message(event.old_price),
                new_price=money_message(event.new_price),
            )
        case Product.StockAdjusted():
            return events.StockAdjusted(
                **owner, sku_id=event.sku_id, delta=event.delta, available=event.available
            )
        case Product.Delisted():
            return events.ProductDelisted(**owner)
    raise TypeError(f"no payload for {type(event).__qualname__}")


def _reservation_payload(event: DomainEvent) -> Message:
    match event:
        case Reservation.Reserved():
            return events.StockReserved(
                order_id=event.order_id,
                lines=_line_messages(event.lines),
                expires_at=timestamp_message(event.expires_at),
            )
        case Reservation.Rejected():
            return events.ReservationRejected(
                order_id=event.order_id,
                lines=_line_messages(event.lines),
                shortages=_shortage_messages(event.shortages),
            )
        case Reservation.Committed():
            return events.ReservationCommitted(
                order_id=event.order_id, lines=_line_messages(event.lines)
            )
        case Reservation.Released():
            return events.ReservationReleased(
                order_id=event.order_id, lines=_line_messages(event.lines)
            )
        case Reservation.Returned():
            return events.ReservationReleased(
                order_id=event.order_id, lines=_line_messages(event.lines), after_commit=True
            )
        case Reservation.Expired():
            return events.ReservationExpired(
                order_id=event.order_id, lines=_line_messages(event.lines)
            )
    raise TypeError(f"no payload for {type(event).__qualname__}")
