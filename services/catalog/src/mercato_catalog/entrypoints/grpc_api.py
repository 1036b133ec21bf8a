"""The gRPC servicer: translate requests, run handlers in a unit of work, translate responses.

Reads are public. Writes declare their scope here (`@requires`); who may change which shop is
decided by the handlers against what they load. Every write runs through `run_once(...)`: once
per idempotency key of the calling account or app (so two callers' keys never collide), in one
unit of work, decided again on a version conflict.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import grpc

from mercato.catalog.v1 import catalog_service_pb2 as api
from mercato.catalog.v1 import catalog_service_pb2_grpc
from mercato_catalog.adapters import translator
from mercato_catalog.adapters.reads import CatalogReads, UnitOfWorkReads
from mercato_catalog.adapters.translator import (
    product_message,
    reservation_message,
    shop_message,
)
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
from mercato_kit.auth import public, require_caller, requires
from mercato_kit.errors import NotFound
from mercato_kit.idempotency import run_once

if TYPE_CHECKING:
    from mercato_catalog.adapters.unit_of_work import SqlCatalogUnitOfWork


class CatalogService(catalog_service_pb2_grpc.CatalogServiceServicer):
    """Requests arrive validated (the kit's edge); domain errors leave as status codes."""

    def __init__(
        self,
        unit_of_work: Callable[..., SqlCatalogUnitOfWork],
        *,
        hold_for: timedelta,
        reads: CatalogReads | None = None,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._hold_for = hold_for
        # GetProduct and GetShop: the service runs SqlCatalogReads (one statement, no session).
        self._reads = reads or UnitOfWorkReads(unit_of_work)

    @requires(WRITE)
    async def OpenShop(
        self, request: api.OpenShopRequest, context: grpc.aio.ServicerContext
    ) -> api.OpenShopResponse:
        caller, command = require_caller(), translator.open_shop(request)

        async def decide(uow: SqlCatalogUnitOfWork) -> api.OpenShopResponse:
            shop = await open_shop(command, uow, caller=caller, now=now())
            return api.OpenShopResponse(shop=shop_message(shop))

        return await run_once(
            self._unit_of_work, "catalog.OpenShop", request, api.OpenShopResponse, decide
        )

    @requires(WRITE)
    async def UpdateShopProfile(
        self, request: api.UpdateShopProfileRequest, context: grpc.aio.ServicerContext
    ) -> api.UpdateShopProfileResponse:
        caller, command = require_caller(), translator.update_shop_profile(request)

        async def decide(uow: SqlCatalogUnitOfWork) -> api.UpdateShopProfileResponse:
            shop = await update_shop_profile(command, uow, caller=caller)
            return api.UpdateShopProfileResponse(shop=shop_message(shop))

        return await run_once(
            self._unit_of_work,
            "catalog.UpdateShopProfile",
            request,
            api.UpdateShopProfileResponse,
            decide,
        )

    @requires(WRITE)
    async def CloseShop(
        self, request: api.CloseShopRequest, context: grpc.aio.ServicerContext
    ) -> api.CloseShopResponse:
        caller, command = require_caller(), translator.close_shop(request)

        async def decide(uow: SqlCatalogUnitOfWork) -> api.CloseShopResponse:
            shop = await close_shop(command, uow, caller=caller)
            return api.CloseShopResponse(shop=shop_message(shop))

        return await run_once(
            self._unit_of_work, "catalog.CloseShop", request, api.CloseShopResponse, decide
        )

    @public
    async def GetShop(
        self, request: api.GetShopRequest, context: grpc.aio.ServicerContext
    ) -> api.GetShopResponse:
        shop = await self._reads.shop(request.shop_id)
        return api.GetShopResponse(shop=shop_message(shop))

    @requires(WRITE)
    async def ListProduct(
        self, request: api.ListProductRequest, context: grpc.aio.ServicerContext
    ) -> api.ListProductResponse:
        caller, command = require_caller(), translator.list_product(request)

        async def decide(uow: SqlCatalogUnitOfWork) -> api.ListProductResponse:
            product = await list_product(command, uow, caller=caller, now=now())
            return api.ListProductResponse(product=product_message(product))

        return await run_once(
            self._unit_of_work, "catalog.ListProduct", request, api.ListProductResponse, decide
        )

    @requires(WRITE)
    async def UpdateProduct(
        self, request: api.UpdateProductRequest, context: grpc.aio.ServicerContext
    ) -> api.UpdateProductResponse:
        caller, command = require_caller(), translator.update_product(request)

        async def decide(uow: SqlCatalogUnitOfWork) -> api.UpdateProductResponse:
            product = await update_product(command, uow, caller=caller)
            return api.UpdateProductResponse(product=product_message(product))

        return await run_once(
            self._unit_of_work, "catalog.UpdateProduct", request, api.UpdateProductResponse, decide
        )

    @requires(WRITE)
    async def ChangePrice(
        self, request: api.ChangePriceRequest, context: grpc.aio.ServicerContext
    ) -> api.ChangePriceResponse:
        caller, command = require_caller(), translator.change_price(request)

        async def decide(uow: SqlCatalogUnitOfWork) -> api.ChangePriceResponse:
            product = await change_price(command, uow, caller=caller)
            return api.ChangePriceResponse(product=product_message(product))

        return await run_once(
            self._unit_of_work, "catalog.ChangePrice", request, api.ChangePriceResponse, decide
        )

    @requires(WRITE)
    async def AdjustStock(
        self, request: api.AdjustStockRequest, context: grpc.aio.ServicerContext
    ) -> api.AdjustStockResponse:
        caller, command = require_caller(), translator.adjust_stock(request)

        async def decide(uow: SqlCatalogUnitOfWork) -> api.AdjustStockResponse:
            product = await adjust_stock(command, uow, caller=caller)
            return api.AdjustStockResponse(product=product_message(product))

        return await run_once(
            self._unit_of_work, "catalog.AdjustStock", request, api.AdjustStockResponse, decide
        )

    @requires(WRITE)
    async def DelistProduct(
        self, request: api.DelistProductRequest, context: grpc.aio.ServicerContext
    ) -> api.DelistProductResponse:
        caller, command = require_caller(), translator.delist_product(request)

        async def decide(uow: SqlCatalogUnitOfWork) -> api.DelistProductResponse:
            product = await delist_product(command, uow, caller=caller)
            return api.DelistProductResponse(product=product_message(product))

        return await run_once(
            self._unit_of_work, "catalog.DelistProduct", request, api.DelistProductResponse, decide
        )

    @public
    async def GetProduct(
        self, request: api.GetProductRequest, context: grpc.aio.ServicerContext
    ) -> api.GetProductResponse:
        product = await self._reads.product(request.product_id)
        return api.GetProductResponse(product=product_message(product))

    @public
    async def ListShopProducts(
        self, request: api.ListShopProductsRequest, context: grpc.aio.ServicerContext
    ) -> api.ListShopProductsResponse:
        async with self._unit_of_work(read_only=True) as uow:
            page = await uow.listings.of_shop(
                request.shop_id, request.page_size, request.page_token
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
            page = await uow.listings.search(filters, request.page_size, request.page_token)
        return api.SearchProductsResponse(
            products=[product_message(product) for product in page.products],
            next_page_token=page.next_page_token,
        )

    @requires(RESERVE)
    async def ReserveStock(
        self, request: api.ReserveStockRequest, context: grpc.aio.ServicerContext
    ) -> api.ReserveStockResponse:
        command = translator.reserve_stock(request)

        async def decide(uow: SqlCatalogUnitOfWork) -> api.ReserveStockResponse:
            reservation = await reserve_stock(command, uow, now=now(), hold_for=self._hold_for)
            return api.ReserveStockResponse(reservation=reservation_message(reservation))

        return await run_once(
            self._unit_of_work, "catalog.ReserveStock", request, api.ReserveStockResponse, decide
        )

    @requires(RESERVE)
    async def CommitReservation(
        self, request: api.CommitReservationRequest, context: grpc.aio.ServicerContext
    ) -> api.CommitReservationResponse:
        command = translator.commit_reservation(request)

        async def decide(uow: SqlCatalogUnitOfWork) -> api.CommitReservationResponse:
            reservation = await commit_reservation(command, uow, now=now())
            return api.CommitReservationResponse(reservation=reservation_message(reservation))

        return await run_once(
            self._unit_of_work,
            "catalog.CommitReservation",
            request,
            api.CommitReservationResponse,
            decide,
        )

    @requires(RESERVE)
    async def ReleaseReservation(
        self, request: api.ReleaseReservationRequest, context: grpc.aio.ServicerContext
    ) -> api.ReleaseReservationResponse:
        command = translator.release_reservation(request)

        async def decide(uow: SqlCatalogUnitOfWork) -> api.ReleaseReservationResponse:
            reservation = await release_reservation(command, uow)
            return api.ReleaseReservationResponse(reservation=reservation_message(reservation))

        return await run_once(
            self._unit_of_work,
            "catalog.ReleaseReservation",
            request,
            api.ReleaseReservationResponse,
            decide,
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
