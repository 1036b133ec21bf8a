"""The gRPC servicer: translate requests, run handlers in a unit of work, translate responses.

Reads are public. Writes declare their scope here (`@requires`); who may change which shop is
decided by the handlers against what they load. Every write runs inside `idempotent(...)`,
scoped to the calling account or app, so two callers' keys never collide.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import grpc
from google.protobuf.message import Message

from mercato.catalog.v1 import catalog_service_pb2 as api
from mercato.catalog.v1 import catalog_service_pb2_grpc
from mercato_catalog.adapters import translator
from mercato_catalog.adapters.queries import list_shop_products, search_products
from mercato_catalog.adapters.translator import (
    product_message,
    reservation_message,
    shop_message,
)
from mercato_catalog.adapters.unit_of_work import SqlCatalogUnitOfWork
from mercato_catalog.application import (
    RESERVE,
    WRITE,
    adjust_stock,
    change_price,
    close_shop,
    commit_reservation,
    delist_product,
    list_product,
    open_shop,
    release_reservation,
    reserve_stock,
    update_product,
    update_shop_profile,
)
from mercato_kit.auth import Caller, public, require_caller, requires
from mercato_kit.errors import NotFound
from mercato_kit.idempotency import idempotent

R = TypeVar("R", bound=Message)

Work = Callable[[SqlCatalogUnitOfWork], Awaitable[R]]


class CatalogService(catalog_service_pb2_grpc.CatalogServiceServicer):
    """Requests arrive validated (the kit's edge); domain errors leave as status codes."""

    def __init__(
        self,
        unit_of_work: Callable[..., SqlCatalogUnitOfWork],
        *,
        dialect: str,
        hold_for: timedelta,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._dialect = dialect
        self._hold_for = hold_for

    async def _command(
        self, name: str, caller: Caller, request: Message, response_type: type[R], work: Work[R]
    ) -> R:
        async with self._unit_of_work() as uow:
            response = await idempotent(
                uow.session,
                f"catalog.{name}/{_caller_key(caller)}",
                getattr(request, "idempotency_key"),  # noqa: B009 (every command has one)
                request,
                response_type,
                lambda: work(uow),
            )
            await uow.commit()
        return response

    @requires(WRITE)
    async def OpenShop(
        self, request: api.OpenShopRequest, context: grpc.aio.ServicerContext
    ) -> api.OpenShopResponse:
        caller, command = require_caller(), translator.open_shop(request)

        async def work(uow: SqlCatalogUnitOfWork) -> api.OpenShopResponse:
            shop = await open_shop(uow, caller, command, now())
            return api.OpenShopResponse(shop=shop_message(shop))

        return await self._command("OpenShop", caller, request, api.OpenShopResponse, work)

    @requires(WRITE)
    async def UpdateShopProfile(
        self, request: api.UpdateShopProfileRequest, context: grpc.aio.ServicerContext
    ) -> api.UpdateShopProfileResponse:
        caller, command = require_caller(), translator.update_shop_profile(request)

        async def work(uow: SqlCatalogUnitOfWork) -> api.UpdateShopProfileResponse:
            shop = await update_shop_profile(uow, caller, command)
            return api.UpdateShopProfileResponse(shop=shop_message(shop))

        return await self._command(
            "UpdateShopProfile", caller, request, api.UpdateShopProfileResponse, work
        )

    @requires(WRITE)
    async def CloseShop(
        self, request: api.CloseShopRequest, context: grpc.aio.ServicerContext
    ) -> api.CloseShopResponse:
        caller, command = require_caller(), translator.close_shop(request)

        async def work(uow: SqlCatalogUnitOfWork) -> api.CloseShopResponse:
            shop = await close_shop(uow, caller, command)
            return api.CloseShopResponse(shop=shop_message(shop))

        return await self._command("CloseShop", caller, request, api.CloseShopResponse, work)

    @public
    async def GetShop(
        self, request: api.GetShopRequest, context: grpc.aio.ServicerContext
    ) -> api.GetShopResponse:
        async with self._unit_of_work(read_only=True) as uow:
            shop = await uow.shops.get(request.shop_id)
        return api.GetShopResponse(shop=shop_message(shop))

    @requires(WRITE)
    async def ListProduct(
        self, request: api.ListProductRequest, context: grpc.aio.ServicerContext
    ) -> api.ListProductResponse:
        caller, command = require_caller(), translator.list_product(request)

        async def work(uow: SqlCatalogUnitOfWork) -> api.ListProductResponse:
            product = await list_product(uow, caller, command, now())
            return api.ListProductResponse(product=product_message(product))

        return await self._command("ListProduct", caller, request, api.ListProductResponse, work)

    @requires(WRITE)
    async def UpdateProduct(
        self, request: api.UpdateProductRequest, context: grpc.aio.ServicerContext
    ) -> api.UpdateProductResponse:
        caller, command = require_caller(), translator.update_product(request)

        async def work(uow: SqlCatalogUnitOfWork) -> api.UpdateProductResponse:
            product = await update_product(uow, caller, command)
            return api.UpdateProductResponse(product=product_message(product))

        return await self._command(
            "UpdateProduct", caller, request, api.UpdateProductResponse, work
        )

    @requires(WRITE)
    async def ChangePrice(
        self, request: api.ChangePriceRequest, context: grpc.aio.ServicerContext
    ) -> api.ChangePriceResponse:
        caller, command = require_caller(), translator.change_price(request)

        async def work(uow: SqlCatalogUnitOfWork) -> api.ChangePriceResponse:
            product = await change_price(uow, caller, command)
            return api.ChangePriceResponse(product=product_message(product))

        return await self._command("ChangePrice", caller, request, api.ChangePriceResponse, work)

    @requires(WRITE)
    async def AdjustStock(
        self, request: api.AdjustStockRequest, context: grpc.aio.ServicerContext
    ) -> api.AdjustStockResponse:
        caller, command = require_caller(), translator.adjust_stock(request)

        async def work(uow: SqlCatalogUnitOfWork) -> api.AdjustStockResponse:
            product = await adjust_stock(uow, caller, command)
            return api.AdjustStockResponse(product=product_message(product))

        return await self._command("AdjustStock", caller, request, api.AdjustStockResponse, work)

    @requires(WRITE)
    async def DelistProduct(
        self, request: api.DelistProductRequest, context: grpc.aio.ServicerContext
    ) -> api.DelistProductResponse:
        caller, command = require_caller(), translator.delist_product(request)

        async def work(uow: SqlCatalogUnitOfWork) -> api.DelistProductResponse:
            product = await delist_product(uow, caller, command)
            return api.DelistProductResponse(product=product_message(product))

        return await self._command(
            "DelistProduct", caller, request, api.DelistProductResponse, work
        )

    @public
    async def GetProduct(
        self, request: api.GetProductRequest, context: grpc.aio.ServicerContext
    ) -> api.GetProductResponse:
        async with self._unit_of_work(read_only=True) as uow:
            product = await uow.products.get(request.product_id)
        return api.GetProductResponse(product=product_message(product))

    @public
    async def ListShopProducts(
        self, request: api.ListShopProductsRequest, context: grpc.aio.ServicerContext
    ) -> api.ListShopProductsResponse:
        async with self._unit_of_work(read_only=True) as uow:
            page = await list_shop_products(
                uow.session, request.shop_id, request.page_size, request.page_token
            )
        return api.ListShopProductsResponse(
            products=[product_message(product) for product in page.products],
            next_page_token=page.next_page_token,
        )

    @public
    async def SearchProducts(
        self, request: api.SearchProductsRequest, context: grpc.aio.ServicerContext
    ) -> api.SearchProductsResponse:
        filters = translator.search_filters(request)
        async with self._unit_of_work(read_only=True) as uow:
            page = await search_products(
                uow.session, self._dialect, filters, request.page_size, request.page_token
            )
        return api.SearchProductsResponse(
            products=[product_message(product) for product in page.products],
            next_page_token=page.next_page_token,
        )

    @requires(RESERVE)
    async def ReserveStock(
        self, request: api.ReserveStockRequest, context: grpc.aio.ServicerContext
    ) -> api.ReserveStockResponse:
        caller, command = require_caller(), translator.reserve_stock(request)

        async def work(uow: SqlCatalogUnitOfWork) -> api.ReserveStockResponse:
            reservation = await reserve_stock(uow, command, now(), self._hold_for)
            return api.ReserveStockResponse(reservation=reservation_message(reservation))

        return await self._command("ReserveStock", caller, request, api.ReserveStockResponse, work)

    @requires(RESERVE)
    async def CommitReservation(
        self, request: api.CommitReservationRequest, context: grpc.aio.ServicerContext
    ) -> api.CommitReservationResponse:
        caller, command = require_caller(), translator.commit_reservation(request)

        async def work(uow: SqlCatalogUnitOfWork) -> api.CommitReservationResponse:
            reservation = await commit_reservation(uow, command, now())
            return api.CommitReservationResponse(reservation=reservation_message(reservation))

        return await self._command(
            "CommitReservation", caller, request, api.CommitReservationResponse, work
        )

    @requires(RESERVE)
    async def ReleaseReservation(
        self, request: api.ReleaseReservationRequest, context: grpc.aio.ServicerContext
    ) -> api.ReleaseReservationResponse:
        caller, command = require_caller(), translator.release_reservation(request)

        async def work(uow: SqlCatalogUnitOfWork) -> api.ReleaseReservationResponse:
            reservation = await release_reservation(uow, command)
            return api.ReleaseReservationResponse(reservation=reservation_message(reservation))

        return await self._command(
            "ReleaseReservation", caller, request, api.ReleaseReservationResponse, work
        )

    @requires(RESERVE)
    async def GetReservation(
        self, request: api.GetReservationRequest, context: grpc.aio.ServicerContext
    ) -> api.GetReservationResponse:
        async with self._unit_of_work(read_only=True) as uow:
            reservation = await uow.reservations.for_order(request.order_id)
        if reservation is None:
            raise NotFound(f"order {request.order_id} has no reservation")
        return api.GetReservationResponse(reservation=reservation_message(reservation))


def now() -> datetime:
    """The time, to the millisecond (what reservations store)."""
    moment = datetime.now(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _caller_key(caller: Caller) -> str:
    """Who a command's idempotency key belongs to: the account, or the app and its grantor."""
    who = f"{caller.kind}:{caller.subject}:{caller.on_behalf_of or ''}"
    return hashlib.sha256(who.encode()).hexdigest()[:32]
