"""Handlers: each is load, decide, save inside the caller's unit of work.

Authorisation is decided here, against what was loaded: a shop's products change only for a
caller acting for the shop's seller with scope catalog:write (the seller's own account, or an
app the seller granted it).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from mercato_catalog.application.ports import CatalogUnitOfWork
from mercato_catalog.domain import (
    AdjustStock,
    ChangePrice,
    CloseShop,
    CommitReservation,
    DelistProduct,
    ExpireReservations,
    ListProduct,
    OpenShop,
    Product,
    ReleaseReservation,
    Reservation,
    ReserveStock,
    Shop,
    UpdateProduct,
    UpdateShopProfile,
)
from mercato_kit.auth import Caller
from mercato_kit.errors import NotFound, PermissionDenied
from mercato_kit.ids import new_id

WRITE = "catalog:write"
"""The scope that changes a seller's shops and products."""

RESERVE = "catalog:reserve"
"""The scope that reserves, commits and releases stock for orders (the orders service)."""

SELLER = "seller"


def seller_acted_for(caller: Caller) -> str:
    """The seller a caller opens a shop for: itself (a seller account) or its grantor (an app)."""
    if caller.kind == "account" and SELLER not in caller.roles:
        raise PermissionDenied("only a seller opens a shop")
    seller_id = caller.subject if caller.kind == "account" else caller.on_behalf_of
    if seller_id is None:
        raise PermissionDenied("an app opens a shop only for a seller who granted it")
    caller.require_acting_for(seller_id, WRITE)
    return seller_id


async def open_shop(
    command: OpenShop, uow: CatalogUnitOfWork, *, caller: Caller, now: datetime
) -> Shop:
    seller_id = seller_acted_for(caller)
    shop = Shop.open(new_id(), seller_id, command.name, command.description, command.tier, now)
    await uow.shops.add(shop)
    return shop


async def update_shop_profile(
    command: UpdateShopProfile, uow: CatalogUnitOfWork, *, caller: Caller
) -> Shop:
    shop = await uow.shops.get(command.shop_id, for_update=True)
    caller.require_acting_for(shop.seller_id, WRITE)
    shop.update_profile(command.name, command.description)
    await uow.shops.save(shop)
    return shop


async def close_shop(command: CloseShop, uow: CatalogUnitOfWork, *, caller: Caller) -> Shop:
    shop = await uow.shops.get(command.shop_id, for_update=True)
    caller.require_acting_for(shop.seller_id, WRITE)
    shop.close()
    await uow.shops.save(shop)
    return shop


async def list_product(
    command: ListProduct, uow: CatalogUnitOfWork, *, caller: Caller, now: datetime
) -> Product:
    shop = await uow.shops.get(command.shop_id)
    caller.require_acting_for(shop.seller_id, WRITE)
    skus = [(new_id(), spec) for spec in command.skus]
    product = Product.list(
        new_id(), shop, command.title, command.description, command.attributes, skus, now
    )
    await uow.products.add(product)
    return product


async def update_product(
    command: UpdateProduct, uow: CatalogUnitOfWork, *, caller: Caller
) -> Product:
    product = await _product_of_seller(uow, caller, command.product_id)
    product.update_details(command.title, command.description, command.attributes)
    await uow.products.save(product)
    return product


async def change_price(command: ChangePrice, uow: CatalogUnitOfWork, *, caller: Caller) -> Product:
    product = await _product_of_seller(uow, caller, command.product_id)
    product.change_price(command.sku_id, command.price)
    await uow.products.save(product)
    return product


async def adjust_stock(command: AdjustStock, uow: CatalogUnitOfWork, *, caller: Caller) -> Product:
    product = await _product_of_seller(uow, caller, command.product_id)
    product.adjust_stock(command.sku_id, command.delta)
    await uow.products.save(product)
    return product


async def delist_product(
    command: DelistProduct, uow: CatalogUnitOfWork, *, caller: Caller
) -> Product:
    product = await _product_of_seller(uow, caller, command.product_id)
    product.delist()
    await uow.products.save(product)
    return product


async def _product_of_seller(uow: CatalogUnitOfWork, caller: Caller, product_id: str) -> Product:
    product = await uow.products.get(product_id, for_update=True)
    caller.require_acting_for(product.seller_id, WRITE)
    return product


async def reserve_stock(
    command: ReserveStock, uow: CatalogUnitOfWork, *, now: datetime, hold_for: timedelta
) -> Reservation:
    """The order's reservation: the one it has, or a new one, HELD or REJECTED."""
    await uow.reservations.lock_order(command.order_id)
    existing = await uow.reservations.for_order(command.order_id)
    if existing is not None:
        existing.require_same_lines(command.lines)
        return existing
    stock = await uow.reservations.stock_levels({line.sku_id for line in command.lines})
    reservation = Reservation.place(new_id(), command.order_id, command.lines, stock, now, hold_for)
    await uow.reservations.add(reservation)
    return reservation


async def commit_reservation(
    command: CommitReservation, uow: CatalogUnitOfWork, *, now: datetime
) -> Reservation:
    reservation = await _reservation_of(uow, command.order_id)
    reservation.commit(now)
    await uow.reservations.save(reservation)
    return reservation


async def release_reservation(command: ReleaseReservation, uow: CatalogUnitOfWork) -> Reservation:
    reservation = await _reservation_of(uow, command.order_id)
    reservation.release()
    await uow.reservations.save(reservation)
    return reservation


async def _reservation_of(uow: CatalogUnitOfWork, order_id: str) -> Reservation:
    reservation = await uow.reservations.for_order(order_id, for_update=True)
    if reservation is None:
        raise NotFound(f"order {order_id} has no reservation")
    return reservation


async def expire_reservations(
    command: ExpireReservations, uow: CatalogUnitOfWork, *, now: datetime
) -> int:
    """Expire up to `command.limit` reservations past their time; how many were expired."""
    due = await uow.reservations.due(now, command.limit)
    for reservation in due:
        reservation.expire(now)
    await uow.reservations.save(*due, in_origin_context=True)
    return len(due)
